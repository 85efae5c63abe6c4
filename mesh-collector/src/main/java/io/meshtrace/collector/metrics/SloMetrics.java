package io.meshtrace.collector.metrics;

import io.meshtrace.controlplane.slo.SloObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The service level objectives' meters: {@code
 * meshtrace_slo_objectives_reloads_total{source,outcome}}, loads of the objectives (the first
 * one included) by {@code source} ({@code file}, {@code api}) and {@code outcome} ({@code ok},
 * {@code failed}: a broken file, counted once per distinct broken content, or storage that
 * could not be read); every pair at zero from start-up.
 */
public final class SloMetrics implements SloObserver {
  private final MeterRegistry registry;

  public SloMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (String source : new String[] {"file", "api"}) {
      reloads(source, "ok");
      reloads(source, "failed");
    }
  }

  @Override
  public void objectivesLoaded(String source) {
    reloads(source, "ok").increment();
  }

  @Override
  public void objectivesLoadFailed(String source) {
    reloads(source, "failed").increment();
  }

  private Counter reloads(String source, String outcome) {
    return Counter.builder("meshtrace.slo.objectives.reloads")
        .description("Loads of the service level objectives, by source and outcome")
        .tag("source", source).tag("outcome", outcome)
        .register(registry);
  }
}
