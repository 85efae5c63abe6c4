package io.meshtrace.collector.metrics;

import io.meshtrace.controlplane.sampling.SamplingObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The sampling control plane's meters. Prometheus names:
 *
 * <ul>
 *   <li>{@code meshtrace_sampling_strategies_reloads_total{source,outcome}}: loads of the
 *       strategies (the first one included), {@code outcome} {@code ok} or {@code failed}; a
 *       failure leaves the last good strategies in service and is counted once per distinct
 *       broken content
 *   <li>{@code meshtrace_sampling_strategy_requests_total{endpoint,service,outcome}}: remote
 *       sampling requests, {@code endpoint} {@code sampling}, {@code legacy} or {@code grpc},
 *       {@code outcome} {@code ok} or {@code bad_request}; {@code service} as asked for, the
 *       first {@value #MAX_SERVICES} distinct ones, then {@code other} (any client can name any
 *       service: the series must stay bounded), and empty for a refused request
 *   <li>{@code meshtrace_sampling_adaptive_probability{service,operation}}: the probabilities
 *       adaptive sampling serves, as last read
 * </ul>
 */
public final class SamplingMetrics implements SamplingObserver {
  static final int MAX_SERVICES = 500;
  private final MeterRegistry registry;
  private final java.util.Set<String> services =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final io.micrometer.core.instrument.MultiGauge adaptive;

  public SamplingMetrics(MeterRegistry registry) {
    this.registry = registry;
    // Present from the start, so that rate() and alerts have series to watch: every source and
    // outcome, and the refusals of every endpoint (whose service label is empty).
    for (String source : new String[] {"file", "api"}) {
      reloads(source, "ok");
      reloads(source, "failed");
    }
    for (String endpoint : new String[] {"sampling", "legacy", "grpc"}) {
      requests(endpoint, "", "bad_request");
    }
    adaptive = io.micrometer.core.instrument.MultiGauge.builder(
            "meshtrace.sampling.adaptive.probability")
        .description("Probabilities adaptive sampling serves, by service and operation")
        .register(registry);
  }

  @Override
  public void strategiesLoaded(String source) {
    reloads(source, "ok").increment();
  }

  @Override
  public void strategiesLoadFailed(String source) {
    reloads(source, "failed").increment();
  }

  @Override
  public void strategyRequest(String endpoint, String service, String outcome) {
    String label = service == null ? "" : services.contains(service) ? service
        : services.size() < MAX_SERVICES && services.add(service) ? service : "other";
    requests(endpoint, label, outcome).increment();
  }

  private Counter requests(String endpoint, String service, String outcome) {
    return Counter.builder("meshtrace.sampling.strategy.requests")
        .description("Remote sampling requests answered, by endpoint, service and outcome")
        .tag("endpoint", endpoint).tag("service", service).tag("outcome", outcome)
        .register(registry);
  }

  @Override
  public void adaptiveProbabilities(java.util.Map<String, java.util.Map<String, Double>>
      probabilities) {
    java.util.List<io.micrometer.core.instrument.MultiGauge.Row<?>> rows =
        new java.util.ArrayList<>();
    probabilities.forEach((service, operations) -> operations.forEach((operation, p) ->
        rows.add(io.micrometer.core.instrument.MultiGauge.Row.of(
            io.micrometer.core.instrument.Tags.of("service", service, "operation", operation),
            p))));
    adaptive.register(rows, true);
  }

  private Counter reloads(String source, String outcome) {
    return Counter.builder("meshtrace.sampling.strategies.reloads")
        .description("Loads of sampling strategies; a failed one keeps the last good strategies")
        .tag("source", source).tag("outcome", outcome)
        .register(registry);
  }
}
