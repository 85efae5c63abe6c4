package io.meshtrace.storage.postgres;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshtrace.storage.SpanIds;
import io.meshtrace.storage.TraceId;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * Splits a span into the columns of {@code spans} and a payload of the rest, and joins them
 * back. IDs, name and kind live only in columns (the name through the operations dictionary),
 * and times too when they are whole microseconds, which is always the case for Zipkin and
 * Envoy spans: no byte of a span is stored twice.
 */
final class StoredSpanCodec {
  private StoredSpanCodec() {}

  /** Whether start and end are exactly recoverable from the microsecond columns. */
  static boolean timesFitColumns(Span span) {
    long start = span.getStartTimeUnixNano();
    long end = span.getEndTimeUnixNano();
    return start % 1000 == 0 && (end == 0 || (end >= start && (end - start) % 1000 == 0));
  }

  static long startMicros(Span span) {
    return Long.divideUnsigned(span.getStartTimeUnixNano(), 1000);
  }

  /** Null when the sender did not report an end (an Envoy span without a duration). */
  static Long durationMicros(Span span) {
    long start = span.getStartTimeUnixNano();
    long end = span.getEndTimeUnixNano();
    if (end == 0) {
      return null;
    }
    return end <= start ? 0L : (end - start) / 1000;
  }

  static byte[] payload(Span span) {
    Span.Builder rest = span.toBuilder()
        .clearTraceId()
        .clearSpanId()
        .clearParentSpanId()
        .clearName()
        .clearKind();
    if (timesFitColumns(span)) {
      rest.clearStartTimeUnixNano().clearEndTimeUnixNano();
    }
    return rest.build().toByteArray();
  }

  static Span decode(byte[] payload, TraceId traceId, long spanId, Long parentId, String name,
      int kind, long startMicros, Long durationMicros) {
    Span.Builder span;
    try {
      span = Span.parseFrom(payload).toBuilder();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored span " + SpanIds.toHex(spanId) + " of trace "
          + traceId + " is corrupt: " + e.getMessage(), e);
    }
    span.setTraceId(traceId.toBytes())
        .setSpanId(SpanIds.toBytes(spanId))
        .setName(name)
        .setKindValue(kind);
    if (parentId != null) {
      span.setParentSpanId(SpanIds.toBytes(parentId));
    }
    if (span.getStartTimeUnixNano() == 0) {
      long start = startMicros * 1000;
      span.setStartTimeUnixNano(start);
      span.setEndTimeUnixNano(durationMicros == null ? 0 : start + durationMicros * 1000);
    }
    return span.build();
  }
}
