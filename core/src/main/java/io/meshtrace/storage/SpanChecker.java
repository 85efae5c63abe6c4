package io.meshtrace.storage;

import io.opentelemetry.proto.trace.v1.Span;

/**
 * What storage accepts, asked per span: receivers use it to refuse single spans (OTLP partial
 * success) before writing, and the writer asks again as a last line.
 */
@FunctionalInterface
public interface SpanChecker {
  /** Null when storage can hold the span faithfully. */
  SpanProblem check(Span span);
}
