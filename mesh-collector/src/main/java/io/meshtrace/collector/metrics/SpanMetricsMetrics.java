package io.meshtrace.collector.metrics;

import io.meshtrace.metrics.SpanMetricsAggregator;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * How the RED metrics of stored spans are counted: {@code meshtrace_span_metrics_spans_total}
 * (spans counted), {@code _weighted_spans_total} (of them, weighted by a sampling probability
 * their trace gave; the others count 1), {@code _limited_spans_total} (counted as operation
 * {@code other}: their service had its {@code --span-metrics-max-operations}), {@code
 * _held_spans} (held back right now for their trace's probability), {@code
 * _held_overflow_total} (counted 1 at once: the bound on held spans was reached), {@code
 * _failed_writes_total} (writes to PostgreSQL that failed and were kept for the next try).
 * Registered when storage opens, at zero, in processes that count.
 */
public final class SpanMetricsMetrics {
  private SpanMetricsMetrics() {}

  public static void register(MeterRegistry registry, PostgresStorage storage) {
    SpanMetricsAggregator aggregator = storage.spanMetricsAggregator();
    if (aggregator == null) {
      return;
    }
    FunctionCounter.builder("meshtrace.span.metrics.spans", aggregator,
            SpanMetricsAggregator::spans)
        .description("Stored spans counted in the RED metrics").register(registry);
    FunctionCounter.builder("meshtrace.span.metrics.weighted.spans", aggregator,
            SpanMetricsAggregator::weightedSpans)
        .description("Counted spans weighted by the sampling probability their trace gave")
        .register(registry);
    FunctionCounter.builder("meshtrace.span.metrics.limited.spans", aggregator,
            SpanMetricsAggregator::limitedSpans)
        .description("Spans counted as operation 'other': their service had "
            + "--span-metrics-max-operations operations").register(registry);
    Gauge.builder("meshtrace.span.metrics.held.spans", aggregator,
            SpanMetricsAggregator::deferredSpans)
        .description("Spans held back for their trace's sampling probability")
        .register(registry);
    FunctionCounter.builder("meshtrace.span.metrics.held.overflow", aggregator,
            SpanMetricsAggregator::deferredOverflow)
        .description("Spans counted with weight 1 at once: the bound on held spans was reached")
        .register(registry);
    FunctionCounter.builder("meshtrace.span.metrics.failed.writes", storage,
            PostgresStorage::spanMetricsFailedWrites)
        .description("RED metrics writes that failed and were kept for the next try")
        .register(registry);
  }
}
