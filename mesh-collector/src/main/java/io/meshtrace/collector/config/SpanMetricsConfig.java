package io.meshtrace.collector.config;

import io.meshtrace.metrics.SpanMetricsAggregator;
import io.meshtrace.storage.postgres.PostgresStorageConfig;
import java.util.List;

/**
 * RED metrics of the stored spans: whether the processes that store spans add them up (per
 * minute, into PostgreSQL, for Jaeger's SPM API, the Monitor page and SLOs), how many
 * operations a service keeps before the rest count as {@code other}, and whether {@code
 * /metrics} exports them in the spanmetrics connector's names.
 *
 * @param enabled whether spans stored by this process are counted
 * @param maxOperations operations kept per service
 * @param export whether {@code /metrics} has the {@code traces_span_metrics_*} series
 */
public record SpanMetricsConfig(boolean enabled, int maxOperations, boolean export) {

  public static final Setting<Boolean> SPAN_METRICS = Setting.bool("span-metrics", true,
      "Count calls, errors and durations of every stored span per minute, service, operation "
          + "and span kind, weighted by the trace's sampling probability (Jaeger's SPM API "
          + "/api/metrics/*, the Monitor page, SLOs). Kept with the spans' retention.");
  public static final Setting<Integer> SPAN_METRICS_MAX_OPERATIONS = Setting.integer(
      "span-metrics-max-operations", "N",
      PostgresStorageConfig.DEFAULT_SPAN_METRICS.maxOperationsPerService(),
      "Operations per service counted on their own; the spans of further ones are counted as "
          + "operation 'other' (meshtrace_span_metrics_limited_spans_total).");
  public static final Setting<Boolean> SPAN_METRICS_EXPORT = Setting.bool("span-metrics-export",
      true, "Export the RED metrics on /metrics as the OpenTelemetry Collector's spanmetrics "
          + "connector names them (traces_span_metrics_calls_total, "
          + "traces_span_metrics_duration_milliseconds_bucket; estimated traffic), with the "
          + "spans as stored in traces_span_metrics_sampled_*.");

  public static final List<Setting<?>> SETTINGS = List.of(SPAN_METRICS,
      SPAN_METRICS_MAX_OPERATIONS, SPAN_METRICS_EXPORT);

  public SpanMetricsConfig {
    if (maxOperations < 1) {
      throw new InvalidConfigException(SPAN_METRICS_MAX_OPERATIONS.name(), "is " + maxOperations
          + " but must be 1 or more");
    }
  }

  public static SpanMetricsConfig from(SettingValues values) {
    return new SpanMetricsConfig(values.get(SPAN_METRICS),
        values.get(SPAN_METRICS_MAX_OPERATIONS), values.get(SPAN_METRICS_EXPORT));
  }

  /** The aggregator's settings; null when off. */
  public SpanMetricsAggregator.Settings aggregatorSettings() {
    if (!enabled) {
      return null;
    }
    SpanMetricsAggregator.Settings defaults = PostgresStorageConfig.DEFAULT_SPAN_METRICS;
    return new SpanMetricsAggregator.Settings(maxOperations, defaults.closeAfter(),
        defaults.maxDeferredSpans(), defaults.maxTraces());
  }
}
