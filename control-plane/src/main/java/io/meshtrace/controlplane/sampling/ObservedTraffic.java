package io.meshtrace.controlplane.sampling;

import io.meshtrace.storage.RootSpanThroughput;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How many traces a second each service and operation starts, estimated from the root spans
 * stored over a window: a root span sampled at probability q stands for 1/q traces; one sampled
 * otherwise (a rate limiter, or no sampler reported) for itself only, so the estimate is then a
 * lower bound that the next window, sampled by probability, corrects.
 */
public final class ObservedTraffic {
  public static final ObservedTraffic NONE = new ObservedTraffic(Map.of(), Map.of());

  private final Map<String, Double> services;
  private final Map<List<String>, Double> operations;

  private ObservedTraffic(Map<String, Double> services, Map<List<String>, Double> operations) {
    this.services = services;
    this.operations = operations;
  }

  public static ObservedTraffic of(List<RootSpanThroughput> counts, Duration window) {
    double seconds = Math.max(1, window.toMillis() / 1000.0);
    Map<String, Double> services = new HashMap<>();
    Map<List<String>, Double> operations = new HashMap<>();
    for (RootSpanThroughput count : counts) {
      double weight = count.samplerType().equals("probabilistic") && count.samplerParam() > 0
          && count.samplerParam() <= 1 ? 1 / count.samplerParam() : 1;
      double perSecond = count.rootSpans() * weight / seconds;
      services.merge(count.service(), perSecond, Double::sum);
      operations.merge(List.of(count.service(), count.operation()), perSecond, Double::sum);
    }
    return new ObservedTraffic(Map.copyOf(services), Map.copyOf(operations));
  }

  /**
   * Traces a second {@code service} starts; 0 when none were seen. Counted under the name as
   * given or, failing that, lowercased (see {@link #tracesPerSecond(String, String)}).
   */
  public double tracesPerSecond(String service) {
    double exact = services.getOrDefault(service, 0.0);
    return exact > 0 ? exact : services.getOrDefault(service.toLowerCase(Locale.ROOT), 0.0);
  }

  /**
   * Traces a second {@code operation} of {@code service} starts; 0 when none were seen.
   *
   * <p>Zipkin lowercases span and service names (zipkin2's {@code Span.Builder}), so what an
   * Envoy reports as {@code GET /shop} is stored and counted as {@code get /shop} while the
   * strategies and the gateway routes say {@code GET /shop}: the name as given first, then
   * lowercased.
   */
  public double tracesPerSecond(String service, String operation) {
    double exact = operations.getOrDefault(List.of(service, operation), 0.0);
    return exact > 0 ? exact : operations.getOrDefault(List.of(service.toLowerCase(Locale.ROOT),
        operation.toLowerCase(Locale.ROOT)), 0.0);
  }

  @Override
  public String toString() {
    return "ObservedTraffic" + services;
  }
}
