package io.meshtrace.storage;

import io.meshtrace.ingest.SpanRejection;

/**
 * Why storage will not hold a span.
 *
 * @param reason {@link SpanRejection#INVALID_ID}, {@link SpanRejection#INVALID_TIME},
 *     {@link SpanRejection#TOO_OLD} or {@link SpanRejection#TOO_FAR_AHEAD}
 * @param message what is wrong, naming the span
 */
public record SpanProblem(SpanRejection reason, String message) {}
