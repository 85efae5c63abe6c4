package io.meshtrace.collector.metrics;

import io.meshtrace.ingest.MemoryBudget;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * What bounds the intake's memory, registered as the bounds are made (at start-up). Prometheus
 * names:
 *
 * <ul>
 *   <li>{@code meshtrace_ingest_bytes_in_flight}: bytes requests hold now (bodies, inflated
 *       bodies, decoded spans until committed); {@code meshtrace_ingest_bytes_in_flight_peak},
 *       the most at once; {@code meshtrace_ingest_bytes_in_flight_limit}, the budget
 *   <li>{@code meshtrace_ingest_budget_refusals_total{stage}}: requests refused because the
 *       budget could not hold them, by {@link MemoryBudget.Stage} ({@code declared_length},
 *       {@code reading}, {@code inflating}, {@code decoded}, {@code grpc_message},
 *       {@code grpc_call})
 *   <li>{@code meshtrace_connections_open{listener}}, {@code
 *       meshtrace_connections_refused_total{listener}}: a listener's connections, and those
 *       closed as they opened because it was at {@code --max-connections}
 * </ul>
 */
public final class IntakeMemoryMetrics {
  private final MeterRegistry registry;

  public IntakeMemoryMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public void registerBudget(MemoryBudget budget) {
    Gauge.builder("meshtrace.ingest.bytes.in.flight", budget, MemoryBudget::bytesInFlight)
        .description("Bytes held by requests in flight: bodies, inflated bodies, decoded spans")
        .register(registry);
    Gauge.builder("meshtrace.ingest.bytes.in.flight.peak", budget,
            MemoryBudget::peakBytesInFlight)
        .description("The most bytes requests in flight held at once since start-up")
        .register(registry);
    Gauge.builder("meshtrace.ingest.bytes.in.flight.limit", budget, MemoryBudget::maxBytes)
        .description("The budget of bytes in flight (--max-bytes-in-flight)")
        .register(registry);
    for (MemoryBudget.Stage stage : MemoryBudget.Stage.values()) {
      FunctionCounter.builder("meshtrace.ingest.budget.refusals", budget,
              b -> b.refusals(stage))
          .description("Requests refused because the budget of bytes in flight could not hold "
              + "them, by where they were")
          .tag("stage", stage.label())
          .register(registry);
    }
  }

  /** @param listener the listener's {@code --ports-file} key */
  public void registerConnections(String listener, IntSupplier open, LongSupplier refused) {
    Gauge.builder("meshtrace.connections.open", open, IntSupplier::getAsInt)
        .description("Open connections of a listener").tag("listener", listener)
        .register(registry);
    FunctionCounter.builder("meshtrace.connections.refused", refused, LongSupplier::getAsLong)
        .description("Connections closed as they opened: the listener was at --max-connections")
        .tag("listener", listener)
        .register(registry);
  }
}
