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
 *   <li>{@code meshtrace_sampling_strategy_requests_total{endpoint,outcome}}: remote sampling
 *       requests, {@code endpoint} {@code sampling}, {@code legacy} or {@code grpc},
 *       {@code outcome} {@code ok} or {@code bad_request}
 * </ul>
 */
public final class SamplingMetrics implements SamplingObserver {
  private final MeterRegistry registry;

  public SamplingMetrics(MeterRegistry registry) {
    this.registry = registry;
    // Present from the start, so that an alert on failures has a series to watch.
    reloads("file", "failed");
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
  public void strategyRequest(String endpoint, String outcome) {
    Counter.builder("meshtrace.sampling.strategy.requests")
        .description("Remote sampling requests answered, by endpoint and outcome")
        .tag("endpoint", endpoint).tag("outcome", outcome)
        .register(registry).increment();
  }

  private Counter reloads(String source, String outcome) {
    return Counter.builder("meshtrace.sampling.strategies.reloads")
        .description("Loads of sampling strategies; a failed one keeps the last good strategies")
        .tag("source", source).tag("outcome", outcome)
        .register(registry);
  }
}
