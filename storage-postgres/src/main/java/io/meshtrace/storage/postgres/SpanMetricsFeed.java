package io.meshtrace.storage.postgres;

import io.meshtrace.metrics.SamplingProbability;
import io.meshtrace.metrics.SpanMetricsAggregator;
import java.util.List;

/** Hands the rows of each committed batch to the RED metrics aggregator. */
final class SpanMetricsFeed {
  private final SpanMetricsAggregator aggregator;

  SpanMetricsFeed(SpanMetricsAggregator aggregator) {
    this.aggregator = aggregator;
  }

  void committed(List<SpanRow> rows) {
    for (SpanRow row : rows) {
      aggregator.record(row.source.service().tenant(), row.source.serviceName(),
          row.operationName, row.spanKind, row.span.getStatus().getCodeValue(), row.startMicros,
          row.durationMicros == null ? -1 : row.durationMicros,
          row.traceId.getMostSignificantBits(), row.traceId.getLeastSignificantBits(),
          SamplingProbability.of(row.span));
    }
  }
}
