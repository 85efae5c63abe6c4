package io.meshtrace.storage.postgres;

import io.meshtrace.metrics.SpanMetricsAggregator;
import java.util.List;

/** Hands the rows of each committed batch to the RED metrics aggregator. */
final class SpanMetricsFeed {
  private final SpanMetricsAggregator aggregator;

  SpanMetricsFeed(SpanMetricsAggregator aggregator) {
    this.aggregator = aggregator;
  }

  void committed(List<SpanRow> rows) {
    aggregator.recordAll(rows);
  }
}
