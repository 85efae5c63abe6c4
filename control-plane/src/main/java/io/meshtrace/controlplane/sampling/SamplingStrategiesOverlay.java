package io.meshtrace.controlplane.sampling;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the strategies file and the admin API combine: the API's document lies over the file's,
 * service by service. A service the API names gets the API's entry whole (its strategy and its
 * operation strategies); every other service keeps the file's. The API's default strategy, when
 * it has one, replaces the file's. So the file can stay the reviewed baseline (GitOps), and a
 * change made through the API wins until it is deleted there.
 */
public final class SamplingStrategiesOverlay {
  private SamplingStrategiesOverlay() {}

  public static SamplingStrategiesDocument combine(SamplingStrategiesDocument file,
      SamplingStrategiesDocument api) {
    if (api.defaultStrategy() == null && api.serviceStrategies().isEmpty()) {
      return file;
    }
    Map<String, ServiceSamplingStrategy> services = new LinkedHashMap<>();
    for (ServiceSamplingStrategy service : file.serviceStrategies()) {
      services.put(service.service(), service);
    }
    for (ServiceSamplingStrategy service : api.serviceStrategies()) {
      services.put(service.service(), service);
    }
    return new SamplingStrategiesDocument(
        api.defaultStrategy() != null ? api.defaultStrategy() : file.defaultStrategy(),
        new ArrayList<>(services.values()));
  }

  /** The document with {@code service}'s entry set (replaced, or added at the end). */
  public static SamplingStrategiesDocument withService(SamplingStrategiesDocument document,
      ServiceSamplingStrategy service) {
    List<ServiceSamplingStrategy> services = new ArrayList<>();
    boolean replaced = false;
    for (ServiceSamplingStrategy existing : document.serviceStrategies()) {
      if (existing.service().equals(service.service())) {
        services.add(service);
        replaced = true;
      } else {
        services.add(existing);
      }
    }
    if (!replaced) {
      services.add(service);
    }
    return new SamplingStrategiesDocument(document.defaultStrategy(), services);
  }

  /** The document without {@code service}'s entry; the same document when it has none. */
  public static SamplingStrategiesDocument withoutService(SamplingStrategiesDocument document,
      String service) {
    List<ServiceSamplingStrategy> services = new ArrayList<>(document.serviceStrategies());
    services.removeIf(existing -> existing.service().equals(service));
    return new SamplingStrategiesDocument(document.defaultStrategy(), services);
  }
}
