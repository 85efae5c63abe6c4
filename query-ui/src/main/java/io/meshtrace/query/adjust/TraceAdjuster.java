package io.meshtrace.query.adjust;

import io.meshtrace.model.TraceSpans;

/**
 * A read-time correction of a trace, applied after storage and before a query API writes it,
 * as Jaeger's query service applies its adjusters. Stored spans are never changed.
 */
@FunctionalInterface
public interface TraceAdjuster {
  TraceSpans adjust(TraceSpans trace);

  default TraceAdjuster andThen(TraceAdjuster next) {
    return trace -> next.adjust(adjust(trace));
  }

  /** Leaves traces as stored: what {@code raw=true} asks for. */
  static TraceAdjuster none() {
    return trace -> trace;
  }
}
