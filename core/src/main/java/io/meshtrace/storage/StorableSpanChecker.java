package io.meshtrace.storage;

import com.google.protobuf.ByteString;
import io.meshtrace.ingest.SpanRejection;
import io.meshtrace.model.SpanIds;
import io.meshtrace.model.TraceId;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * What every sink can store: trace and span IDs of their sizes and not all zeros, a start, an
 * end not before it, a start within the retention and not too far ahead. One set of rules for
 * PostgreSQL and for Kafka, so that a span a collector acknowledges into Kafka is one its
 * ingester can store.
 */
public final class StorableSpanChecker implements SpanChecker {
  /** How far ahead of this clock a span may start: a day covers clocks set to another zone. */
  public static final Duration DEFAULT_MAX_FUTURE_SKEW = Duration.ofDays(1);
  private static final ByteString ZERO_TRACE_ID = ByteString.copyFrom(new byte[16]);

  private final Clock clock;
  private final Duration retention;
  private final Duration maxFutureSkew;

  /** The accepted range of start times, in epoch microseconds, as of one moment. */
  public record Window(long oldestMicros, long newestMicros) {}

  public StorableSpanChecker(Clock clock, Duration retention, Duration maxFutureSkew) {
    this.clock = clock;
    this.retention = retention;
    this.maxFutureSkew = maxFutureSkew;
  }

  /** The window as of now: a batch takes one, so that its spans are judged alike. */
  public Window window() {
    Instant now = clock.instant();
    return new Window(micros(now.minus(retention)), micros(now.plus(maxFutureSkew)));
  }

  @Override
  public SpanProblem check(Span span) {
    return check(span, window());
  }

  /** Null when the span can be stored. */
  public SpanProblem check(Span span, Window window) {
    ByteString traceIdBytes = span.getTraceId();
    if (traceIdBytes.size() != 16) {
      return new SpanProblem(SpanRejection.INVALID_ID, "trace ID must be 16 bytes, was "
          + traceIdBytes.size());
    }
    if (traceIdBytes.equals(ZERO_TRACE_ID)) {
      return new SpanProblem(SpanRejection.INVALID_ID, "trace ID is all zeros");
    }
    TraceId traceId = TraceId.fromBytes(traceIdBytes);
    ByteString spanIdBytes = span.getSpanId();
    if (spanIdBytes.size() != 8) {
      return new SpanProblem(SpanRejection.INVALID_ID, "span ID in trace " + traceId
          + " must be 8 bytes, was " + spanIdBytes.size());
    }
    long spanId = SpanIds.fromBytes(spanIdBytes);
    if (spanId == 0) {
      return new SpanProblem(SpanRejection.INVALID_ID, "span ID in trace " + traceId
          + " is all zeros");
    }
    int parentSize = span.getParentSpanId().size();
    if (parentSize != 0 && parentSize != 8) {
      return new SpanProblem(SpanRejection.INVALID_ID, "parent span ID of span "
          + SpanIds.toHex(spanId) + " in trace " + traceId + " must be 8 bytes, was "
          + parentSize);
    }
    long start = span.getStartTimeUnixNano();
    long end = span.getEndTimeUnixNano();
    if (start <= 0) {
      return new SpanProblem(SpanRejection.INVALID_TIME, describe(spanId, traceId)
          + " has no start time");
    }
    if (end != 0 && Long.compareUnsigned(end, start) < 0) {
      return new SpanProblem(SpanRejection.INVALID_TIME, describe(spanId, traceId)
          + " ends before it starts");
    }
    long startMicros = Long.divideUnsigned(start, 1000);
    if (startMicros < window.oldestMicros()) {
      return new SpanProblem(SpanRejection.TOO_OLD, describe(spanId, traceId) + " starts at "
          + instant(startMicros) + ", older than the retention of " + retention.toDays()
          + " days");
    }
    if (startMicros > window.newestMicros()) {
      return new SpanProblem(SpanRejection.TOO_FAR_AHEAD, describe(spanId, traceId)
          + " starts at " + instant(startMicros) + ", more than " + maxFutureSkew
          + " in the future");
    }
    return null;
  }

  private static String describe(long spanId, TraceId traceId) {
    return "span " + SpanIds.toHex(spanId) + " of trace " + traceId;
  }

  private static long micros(Instant instant) {
    return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1000;
  }

  private static Instant instant(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
        Math.floorMod(micros, 1_000_000L) * 1000);
  }
}
