/**
 * RED metrics (rate, errors, duration) of stored spans: added up at ingest per minute and series
 * ({@link io.meshtrace.metrics.SpanMetricsAggregator}), each span weighted by the sampling
 * probability its trace says ({@link io.meshtrace.metrics.SamplingProbability}), durations in
 * mergeable exponential histograms ({@link io.meshtrace.metrics.LatencyHistogram}); stored and
 * read through {@link io.meshtrace.metrics.SpanMetricsStore}, exported for Prometheus by
 * {@link io.meshtrace.metrics.SpanMetricsExport}.
 */
package io.meshtrace.metrics;
