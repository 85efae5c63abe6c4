package io.meshtrace.controlplane.sampling;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Writes a {@link SamplingStrategiesDocument} back in Jaeger's file format, so that what the
 * admin API stores and shows reads like a strategies file and parses back to the same document.
 */
public final class SamplingStrategiesJsonWriter {
  private SamplingStrategiesJsonWriter() {}

  public static JsonObject document(SamplingStrategiesDocument document) {
    JsonObject json = new JsonObject();
    if (document.defaultStrategy() != null) {
      json.put("default_strategy", service(document.defaultStrategy()));
    }
    JsonArray services = new JsonArray();
    for (ServiceSamplingStrategy service : document.serviceStrategies()) {
      services.add(service(service));
    }
    return json.put("service_strategies", services);
  }

  /** One service's entry; the default strategy's has no {@code service}. */
  public static JsonObject service(ServiceSamplingStrategy service) {
    JsonObject json = new JsonObject();
    if (service.service() != null) {
      json.put("service", service.service());
    }
    strategy(json, service.strategy());
    if (!service.operationStrategies().isEmpty()) {
      JsonArray operations = new JsonArray();
      for (OperationSamplingStrategy operation : service.operationStrategies()) {
        operations.add(strategy(new JsonObject().put("operation", operation.operation()),
            operation.strategy()));
      }
      json.put("operation_strategies", operations);
    }
    return json;
  }

  private static JsonObject strategy(JsonObject json, SamplingStrategy strategy) {
    if (strategy != null) {
      json.put("type", strategy.type().fileName()).put("param", strategy.param());
    }
    return json;
  }
}
