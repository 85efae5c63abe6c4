package io.meshtrace.query.adjust;

import java.time.Duration;

/** The adjusters the Jaeger APIs apply, in the order Jaeger's query service applies them. */
public final class TraceAdjusters {
  private TraceAdjusters() {}

  /**
   * Shared Zipkin span IDs made unique first (clock skew needs unique IDs to find parents),
   * then a missing Zipkin timestamp told as a warning, then clock skew, then the stable span
   * order (skew moves start times).
   *
   * @param maxClockSkewAdjustment the largest shift clock skew may apply; zero disables it
   */
  public static TraceAdjuster standard(Duration maxClockSkewAdjustment) {
    return new SharedSpanIdUniquifier()
        .andThen(new ZipkinTimestampWarning())
        .andThen(new ClockSkewAdjuster(maxClockSkewAdjustment))
        .andThen(new SpanOrder());
  }
}
