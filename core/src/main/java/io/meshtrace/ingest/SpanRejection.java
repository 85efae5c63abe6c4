package io.meshtrace.ingest;

import java.util.Locale;

/**
 * Why spans were not kept: the {@code reason} label of {@code meshtrace_spans_rejected_total}.
 * A closed set, so that every series can exist at zero from start-up.
 */
public enum SpanRejection {
  /** A trace, span or parent ID of the wrong length, or all zeros. */
  INVALID_ID,
  /** No start time, or an end before the start. */
  INVALID_TIME,
  /** Starts before the retention window. */
  TOO_OLD,
  /** Starts more than the allowed skew ahead of now. */
  TOO_FAR_AHEAD,
  /** Valid spans of a request that one invalid span refused whole (no partial success). */
  INVALID_REQUEST,
  /** The request brought more spans than one request may. */
  TOO_MANY_SPANS,
  /** The sink refused the batch as too large for it. */
  TOO_LARGE,
  /** The spans in flight were at their bound. */
  OVERLOADED,
  /** The span sink could not be reached. */
  UNAVAILABLE,
  /** The sink refused the spans for their content. */
  INVALID,
  /** A bug. */
  INTERNAL;

  /** The metric label: the name in lower case. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
