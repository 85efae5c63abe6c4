package io.meshtrace.storage;

/**
 * Why storage will not hold a span.
 *
 * @param reason a short metric label: {@code invalid_id}, {@code invalid_time},
 *     {@code too_old} or {@code too_far_ahead}
 * @param message what is wrong, naming the span
 */
public record SpanProblem(String reason, String message) {}
