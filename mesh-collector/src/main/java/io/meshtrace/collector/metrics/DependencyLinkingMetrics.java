package io.meshtrace.collector.metrics;

import io.meshtrace.query.dependencies.HourlyDependencyLinker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code meshtrace_dependency_hours_linked_total{outcome}} and
 * {@code meshtrace_dependency_traces_linked_total}: the closed hours whose dependency links this
 * replica linked (or failed to: the hour is tried again) and the traces in them. Registered with
 * the query port, at zero; only the replica that leads the linking counts.
 */
public final class DependencyLinkingMetrics {
  private DependencyLinkingMetrics() {}

  public static void register(MeterRegistry registry, HourlyDependencyLinker linker) {
    FunctionCounter.builder("meshtrace.dependency.hours.linked", linker,
            HourlyDependencyLinker::linkedHours)
        .description("Closed hours whose dependency links were linked from their whole traces")
        .tag("outcome", "ok").register(registry);
    FunctionCounter.builder("meshtrace.dependency.hours.linked", linker,
            HourlyDependencyLinker::failedHours)
        .description("Closed hours whose dependency links were linked from their whole traces")
        .tag("outcome", "failed").register(registry);
    FunctionCounter.builder("meshtrace.dependency.traces.linked", linker,
            HourlyDependencyLinker::linkedTraces)
        .description("Traces linked into the dependency links of closed hours")
        .register(registry);
  }
}
