package io.meshtrace.storage.postgres;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.meshtrace.storage.SpanIds;
import io.meshtrace.storage.TraceId;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;

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

  /**
   * The span without what the columns hold, serialized straight from the incoming message:
   * re-building a trimmed copy and serializing that measured and encoded every attribute again,
   * which was a sixth of the ingest CPU. The bytes are exactly those of the trimmed message.
   */
  static byte[] payload(Span span) {
    boolean times = !timesFitColumns(span);
    ByteString traceState = span.getTraceStateBytes();
    int size = 0;
    if (!traceState.isEmpty()) {
      size += CodedOutputStream.computeBytesSize(Span.TRACE_STATE_FIELD_NUMBER, traceState);
    }
    if (times && span.getStartTimeUnixNano() != 0) {
      size += CodedOutputStream.computeFixed64Size(Span.START_TIME_UNIX_NANO_FIELD_NUMBER,
          span.getStartTimeUnixNano());
    }
    if (times && span.getEndTimeUnixNano() != 0) {
      size += CodedOutputStream.computeFixed64Size(Span.END_TIME_UNIX_NANO_FIELD_NUMBER,
          span.getEndTimeUnixNano());
    }
    int attributes = span.getAttributesCount();
    for (int i = 0; i < attributes; i++) {
      size += CodedOutputStream.computeMessageSize(Span.ATTRIBUTES_FIELD_NUMBER,
          span.getAttributes(i));
    }
    if (span.getDroppedAttributesCount() != 0) {
      size += CodedOutputStream.computeUInt32Size(Span.DROPPED_ATTRIBUTES_COUNT_FIELD_NUMBER,
          span.getDroppedAttributesCount());
    }
    int events = span.getEventsCount();
    for (int i = 0; i < events; i++) {
      size += CodedOutputStream.computeMessageSize(Span.EVENTS_FIELD_NUMBER, span.getEvents(i));
    }
    if (span.getDroppedEventsCount() != 0) {
      size += CodedOutputStream.computeUInt32Size(Span.DROPPED_EVENTS_COUNT_FIELD_NUMBER,
          span.getDroppedEventsCount());
    }
    int links = span.getLinksCount();
    for (int i = 0; i < links; i++) {
      size += CodedOutputStream.computeMessageSize(Span.LINKS_FIELD_NUMBER, span.getLinks(i));
    }
    if (span.getDroppedLinksCount() != 0) {
      size += CodedOutputStream.computeUInt32Size(Span.DROPPED_LINKS_COUNT_FIELD_NUMBER,
          span.getDroppedLinksCount());
    }
    if (span.hasStatus()) {
      size += CodedOutputStream.computeMessageSize(Span.STATUS_FIELD_NUMBER, span.getStatus());
    }
    if (span.getFlags() != 0) {
      size += CodedOutputStream.computeFixed32Size(Span.FLAGS_FIELD_NUMBER, span.getFlags());
    }
    size += span.getUnknownFields().getSerializedSize();

    byte[] bytes = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      if (!traceState.isEmpty()) {
        out.writeBytes(Span.TRACE_STATE_FIELD_NUMBER, traceState);
      }
      if (times && span.getStartTimeUnixNano() != 0) {
        out.writeFixed64(Span.START_TIME_UNIX_NANO_FIELD_NUMBER, span.getStartTimeUnixNano());
      }
      if (times && span.getEndTimeUnixNano() != 0) {
        out.writeFixed64(Span.END_TIME_UNIX_NANO_FIELD_NUMBER, span.getEndTimeUnixNano());
      }
      for (int i = 0; i < attributes; i++) {
        out.writeMessage(Span.ATTRIBUTES_FIELD_NUMBER, span.getAttributes(i));
      }
      if (span.getDroppedAttributesCount() != 0) {
        out.writeUInt32(Span.DROPPED_ATTRIBUTES_COUNT_FIELD_NUMBER,
            span.getDroppedAttributesCount());
      }
      for (int i = 0; i < events; i++) {
        out.writeMessage(Span.EVENTS_FIELD_NUMBER, span.getEvents(i));
      }
      if (span.getDroppedEventsCount() != 0) {
        out.writeUInt32(Span.DROPPED_EVENTS_COUNT_FIELD_NUMBER, span.getDroppedEventsCount());
      }
      for (int i = 0; i < links; i++) {
        out.writeMessage(Span.LINKS_FIELD_NUMBER, span.getLinks(i));
      }
      if (span.getDroppedLinksCount() != 0) {
        out.writeUInt32(Span.DROPPED_LINKS_COUNT_FIELD_NUMBER, span.getDroppedLinksCount());
      }
      if (span.hasStatus()) {
        out.writeMessage(Span.STATUS_FIELD_NUMBER, span.getStatus());
      }
      if (span.getFlags() != 0) {
        out.writeFixed32(Span.FLAGS_FIELD_NUMBER, span.getFlags());
      }
      span.getUnknownFields().writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("payload size miscomputed", e);
    }
    return bytes;
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
