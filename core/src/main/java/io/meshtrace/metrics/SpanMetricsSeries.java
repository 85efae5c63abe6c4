package io.meshtrace.metrics;

import java.time.Instant;
import java.util.SortedMap;

/**
 * The RED metrics of one service (and operation, when grouped by it), by step: a step without
 * stored spans has no entry.
 *
 * @param operation null when not grouped by operation
 * @param points by the start of their step
 */
public record SpanMetricsSeries(String service, String operation,
    SortedMap<Instant, RedMetrics> points) {}
