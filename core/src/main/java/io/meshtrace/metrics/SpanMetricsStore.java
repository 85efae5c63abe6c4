package io.meshtrace.metrics;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;

/**
 * Where RED metrics of stored spans are kept and read from: per minute, rolled up to hours for
 * long ranges. What the query APIs (Jaeger's SPM API, the Monitor page, SLOs) read through.
 */
public interface SpanMetricsStore {
  /** The smallest step kept: a minute. */
  Duration MIN_STEP = Duration.ofMinutes(1);

  /** Every series that had spans in the range, sorted by service then operation. */
  Future<List<SpanMetricsSeries>> read(SpanMetricsQuery query);

  /**
   * Stores what the minutes taken from an aggregator hold; rows of the same series and minute
   * may be stored more than once (replicas, late spans) and are added up on reading.
   */
  Future<Void> write(java.util.SortedMap<SpanMetricsKey, RedMetrics> minutes);
}
