package io.meshtrace.storage.postgres;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.WireFormat;
import io.meshtrace.model.SpanIds;
import io.meshtrace.model.TraceId;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

/**
 * The stored form of a span: columns for what queries filter on, and a payload. The payload is
 * an OTLP Span message holding what the columns and the attribute set do not (trace ID, name,
 * kind and whole-microsecond times are in columns or the operations dictionary; the shared
 * attributes in the attribute set), plus one private field, {@value #MESHTRACE_FIELD} (bytes):
 *
 * <pre>
 *   flags        1 byte: bit 0 the span has a parent ID, bit 1 a shared-attribute mask follows
 *   span ID      8 bytes, big-endian
 *   parent ID    8 bytes, when flagged
 *   mask         varint length, then a bit per original attribute, set for those in the
 *                attribute set (so attributes read back in their original order), when flagged
 *   attributes   the span's own attributes to the end, each a varint of the key number
 *                (attribute_keys) shifted left by two, or'ed with its value's form:
 *                  0  varint length, then the serialized AnyValue
 *                  1  a string in the canonical lower-case UUID form: its 16 bytes
 *                  2  a string that is a canonical decimal integer: zigzag varint
 *                  3  a string "a.b.c.d:port" in canonical form: 4 bytes, varint port
 * </pre>
 *
 * <p>The three string forms are the values Envoy sets on every span that vary too much to share:
 * the request ID (38 bytes as a string value, 16 here), request and response sizes, and the peer
 * address; each is used only when the text it restores is exactly the text that came in.
 *
 * One field instead of a field per item saves its tag and length bytes on every span: for
 * Envoy's spans about 15 of some 100 payload bytes. Every field of the incoming span is
 * restored exactly; {@code StoredSpanCodecTest} checks it. The field number lies far above
 * OTLP's, which end at 16.
 */
final class StoredSpanCodec {
  static final int MESHTRACE_FIELD = 1001;
  private static final int HAS_PARENT = 1;
  private static final int HAS_MASK = 2;

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
   * Serializes the payload straight from the incoming message (a trimmed copy would measure and
   * encode every attribute again).
   *
   * @param shared which attributes went to the attribute set; null when none did
   * @param keyIds the number of each own attribute's key
   */
  static byte[] payload(Span span, boolean[] shared, int sharedCount,
      ToIntFunction<ByteString> keyIds) {
    boolean times = !timesFitColumns(span);
    ByteString traceState = span.getTraceStateBytes();
    int attributes = span.getAttributesCount();
    int events = span.getEventsCount();
    int links = span.getLinksCount();
    byte[] mask = sharedCount > 0 && sharedCount < attributes ? mask(shared) : null;
    ByteString parent = span.getParentSpanId();

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
    if (span.getDroppedAttributesCount() != 0) {
      size += CodedOutputStream.computeUInt32Size(Span.DROPPED_ATTRIBUTES_COUNT_FIELD_NUMBER,
          span.getDroppedAttributesCount());
    }
    for (int i = 0; i < events; i++) {
      size += CodedOutputStream.computeMessageSize(Span.EVENTS_FIELD_NUMBER, span.getEvents(i));
    }
    if (span.getDroppedEventsCount() != 0) {
      size += CodedOutputStream.computeUInt32Size(Span.DROPPED_EVENTS_COUNT_FIELD_NUMBER,
          span.getDroppedEventsCount());
    }
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

    // The private field's content.
    int[] ownKeys = new int[attributes];
    int[] valueSizes = new int[attributes];
    int[] forms = new int[attributes];
    int privateSize = 1 + 8 + (parent.size() == 8 ? 8 : 0);
    if (mask != null) {
      privateSize += CodedOutputStream.computeUInt32SizeNoTag(mask.length) + mask.length;
    }
    for (int i = 0; i < attributes; i++) {
      if (shared == null || !shared[i]) {
        KeyValue attribute = span.getAttributes(i);
        ownKeys[i] = keyIds.applyAsInt(attribute.getKeyBytes());
        forms[i] = CompactValue.form(attribute.getValue());
        int header = CodedOutputStream.computeUInt32SizeNoTag((ownKeys[i] << 2) | forms[i]);
        if (forms[i] == CompactValue.PLAIN) {
          valueSizes[i] = attribute.getValue().getSerializedSize();
          privateSize += header + CodedOutputStream.computeUInt32SizeNoTag(valueSizes[i])
              + valueSizes[i];
        } else {
          valueSizes[i] = CompactValue.size(forms[i], attribute.getValue().getStringValue());
          privateSize += header + valueSizes[i];
        }
      }
    }
    size += CodedOutputStream.computeTagSize(MESHTRACE_FIELD)
        + CodedOutputStream.computeUInt32SizeNoTag(privateSize) + privateSize;

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
      out.writeTag(MESHTRACE_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.writeUInt32NoTag(privateSize);
      out.write((byte) ((parent.size() == 8 ? HAS_PARENT : 0) | (mask != null ? HAS_MASK : 0)));
      out.writeRawBytes(span.getSpanId());
      if (parent.size() == 8) {
        out.writeRawBytes(parent);
      }
      if (mask != null) {
        out.writeUInt32NoTag(mask.length);
        out.writeRawBytes(mask);
      }
      for (int i = 0; i < attributes; i++) {
        if (shared == null || !shared[i]) {
          out.writeUInt32NoTag((ownKeys[i] << 2) | forms[i]);
          if (forms[i] == CompactValue.PLAIN) {
            out.writeUInt32NoTag(valueSizes[i]);
            span.getAttributes(i).getValue().writeTo(out);
          } else {
            CompactValue.write(forms[i], span.getAttributes(i).getValue().getStringValue(), out);
          }
        }
      }
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("payload size miscomputed", e);
    }
    return bytes;
  }

  private static byte[] mask(boolean[] shared) {
    byte[] mask = new byte[(shared.length + 7) / 8];
    for (int i = 0; i < shared.length; i++) {
      if (shared[i]) {
        mask[i >> 3] |= (byte) (1 << (i & 7));
      }
    }
    return mask;
  }

  static Span parse(byte[] payload, TraceId traceId) {
    try {
      return Span.parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a stored span of trace " + traceId + " is corrupt: "
          + e.getMessage(), e);
    }
  }

  /** The private field of a parsed payload, decoded. */
  private record Private(long spanId, Long parentId, ByteString mask, List<int[]> own,
      ByteString content) {}

  private static Private readPrivate(Span stored) {
    List<ByteString> fields = stored.getUnknownFields().getField(MESHTRACE_FIELD)
        .getLengthDelimitedList();
    if (fields.size() != 1) {
      throw new IllegalStateException("a stored span lacks meshtrace's field");
    }
    ByteString content = fields.get(0);
    try {
      CodedInputStream in = content.newCodedInput();
      int flags = in.readRawByte();
      long spanId = SpanIds.fromBytes(content.substring(1, 9));
      in.skipRawBytes(8);
      Long parentId = null;
      int offset = 9;
      if ((flags & HAS_PARENT) != 0) {
        parentId = SpanIds.fromBytes(content.substring(offset, offset + 8));
        in.skipRawBytes(8);
        offset += 8;
      }
      ByteString mask = null;
      if ((flags & HAS_MASK) != 0) {
        int length = in.readUInt32();
        int start = in.getTotalBytesRead();
        mask = content.substring(start, start + length);
        in.skipRawBytes(length);
      }
      List<int[]> own = new ArrayList<>();
      while (!in.isAtEnd()) {
        int header = in.readUInt32();
        int form = header & 3;
        int length = form == CompactValue.PLAIN ? in.readUInt32() : 0;
        int start = in.getTotalBytesRead();
        if (form == CompactValue.PLAIN) {
          in.skipRawBytes(length);
        } else {
          CompactValue.skip(form, in);
          length = in.getTotalBytesRead() - start;
        }
        own.add(new int[] {header >>> 2, start, length, form});
      }
      return new Private(spanId, parentId, mask, own, content);
    } catch (IOException e) {
      throw new IllegalStateException("a stored span's meshtrace field is corrupt", e);
    }
  }

  /** The span ID of a parsed payload. */
  static long spanId(Span stored) {
    return readPrivate(stored).spanId();
  }

  /** The key numbers of a parsed payload's own attributes. */
  static void ownKeyIds(Span stored, IntConsumer keyIds) {
    for (int[] entry : readPrivate(stored).own()) {
      keyIds.accept(entry[0]);
    }
  }

  /**
   * Restores a parsed payload into the span that was sent.
   *
   * @param setAttributes the attribute set's attributes, empty when the span has none
   * @param keys the key of each key number
   */
  static Span restore(Span stored, TraceId traceId, String name, int kind, long startMicros,
      Long durationMicros, List<KeyValue> setAttributes, IntFunction<String> keys) {
    Private stuff = readPrivate(stored);
    Span.Builder span = stored.toBuilder()
        .setUnknownFields(UnknownFieldSet.newBuilder(stored.getUnknownFields())
            .clearField(MESHTRACE_FIELD).build())
        .setTraceId(traceId.toBytes())
        .setSpanId(SpanIds.toBytes(stuff.spanId()))
        .setName(name)
        .setKindValue(kind);
    if (stuff.parentId() != null) {
      span.setParentSpanId(SpanIds.toBytes(stuff.parentId()));
    }
    List<KeyValue> own = new ArrayList<>(stuff.own().size());
    for (int[] entry : stuff.own()) {
      String key = keys.apply(entry[0]);
      if (key == null) {
        throw new IllegalStateException("attribute key " + entry[0] + " is missing");
      }
      try {
        ByteString value = stuff.content().substring(entry[1], entry[1] + entry[2]);
        own.add(KeyValue.newBuilder().setKey(key).setValue(entry[3] == CompactValue.PLAIN
            ? AnyValue.parseFrom(value)
            : AnyValue.newBuilder().setStringValue(CompactValue.read(entry[3], value)).build())
            .build());
      } catch (IOException e) {
        throw new IllegalStateException("a stored attribute of trace " + traceId
            + " is corrupt", e);
      }
    }
    List<KeyValue> attributes;
    if (setAttributes.isEmpty()) {
      attributes = own;
    } else if (own.isEmpty()) {
      attributes = setAttributes; // every attribute was shared
    } else {
      ByteString bits = stuff.mask();
      int total = own.size() + setAttributes.size();
      attributes = new ArrayList<>(total);
      int fromSet = 0;
      int fromOwn = 0;
      for (int i = 0; i < total; i++) {
        boolean shared = (bits.byteAt(i >> 3) & (1 << (i & 7))) != 0;
        attributes.add(shared ? setAttributes.get(fromSet++) : own.get(fromOwn++));
      }
    }
    span.addAllAttributes(attributes);
    if (span.getStartTimeUnixNano() == 0) {
      long start = startMicros * 1000;
      span.setStartTimeUnixNano(start);
      span.setEndTimeUnixNano(durationMicros == null ? 0 : start + durationMicros * 1000);
    }
    return span.build();
  }
}
