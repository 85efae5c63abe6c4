package io.meshtrace.controlplane.remote;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.jaegertracing.api_v2.Sampling.OperationSamplingStrategy;
import io.jaegertracing.api_v2.Sampling.PerOperationSamplingStrategies;
import io.jaegertracing.api_v2.Sampling.SamplingStrategyResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The two JSON forms of a {@code SamplingStrategyResponse} that Jaeger has served. */
public final class SamplingStrategyJson {
  /*
   * Like Jaeger's SamplingStrategyResponseToJSON: every field without presence is printed, so
   * that "strategyType":"PROBABILISTIC" appears although it is the enum's zero value (clients
   * written against the Thrift-era JSON look for it); unset messages are still left out.
   */
  private static final JsonFormat.Printer PROTO_JSON = JsonFormat.printer()
      .alwaysPrintFieldsWithNoPresence()
      .omittingInsignificantWhitespace();

  private SamplingStrategyJson() {}

  /**
   * The proto3 JSON mapping with enums as strings, as Jaeger serves on {@code /sampling}:
   * {@code {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5}}}.
   */
  public static String proto(SamplingStrategyResponse response) {
    try {
      return PROTO_JSON.print(response);
    } catch (InvalidProtocolBufferException e) {
      // Only Any fields with unknown types fail to print; this message has none.
      throw new IllegalStateException(e);
    }
  }

  /**
   * The JSON of Jaeger's Thrift 0.9.2 classes, which Jaeger served on {@code /} until 2026 and
   * which old Jaeger clients parse: enums as integers,
   * {@code {"strategyType":1,"rateLimitingSampling":{"maxTracesPerSecond":5}}}; field order as
   * Jaeger wrote it.
   */
  public static JsonObject legacy(SamplingStrategyResponse response) {
    JsonObject json = new JsonObject().put("strategyType", response.getStrategyTypeValue());
    if (response.hasProbabilisticSampling()) {
      json.put("probabilisticSampling", new JsonObject()
          .put("samplingRate", response.getProbabilisticSampling().getSamplingRate()));
    }
    if (response.hasRateLimitingSampling()) {
      // The Thrift field is an i16; Jaeger answered 500 for more. A limit above 32767 traces/s
      // per client is "unlimited" in practice, so it is served as the largest one that fits.
      int rate = response.getRateLimitingSampling().getMaxTracesPerSecond();
      json.put("rateLimitingSampling", new JsonObject()
          .put("maxTracesPerSecond", Math.min(rate, Short.MAX_VALUE)));
    }
    if (response.hasOperationSampling()) {
      json.put("operationSampling", legacy(response.getOperationSampling()));
    }
    return json;
  }

  private static JsonObject legacy(PerOperationSamplingStrategies operations) {
    JsonArray strategies = new JsonArray();
    for (OperationSamplingStrategy operation : operations.getPerOperationStrategiesList()) {
      strategies.add(new JsonObject()
          .put("operation", operation.getOperation())
          .put("probabilisticSampling", new JsonObject().put("samplingRate",
              operation.getProbabilisticSampling().getSamplingRate())));
    }
    return new JsonObject()
        .put("defaultSamplingProbability", operations.getDefaultSamplingProbability())
        .put("defaultLowerBoundTracesPerSecond", operations.getDefaultLowerBoundTracesPerSecond())
        .put("perOperationStrategies", strategies)
        .put("defaultUpperBoundTracesPerSecond",
            operations.getDefaultUpperBoundTracesPerSecond());
  }
}
