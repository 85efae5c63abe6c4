package io.meshtrace.jaeger.codec;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes {@code jaeger.thrift}'s {@code Batch} straight into OTLP (no Thrift objects in
 * between), by the rules of {@link JaegerToOtlp}: from an agent packet, the {@code Agent.emitBatch}
 * message in the compact or binary protocol, or from the collector's HTTP body, a bare
 * binary-protocol {@code Batch}. Unknown fields are skipped, as Thrift does; a known field of
 * another type or a missing required field is an {@link InvalidBatchException}.
 */
public final class JaegerThriftDecoder {
  /** The Thrift protocol of an agent port. */
  public enum Protocol {
    COMPACT, BINARY
  }

  /** The agent's other method: Zipkin's Thrift spans, which meshtrace does not read. */
  public static final String EMIT_ZIPKIN_BATCH = "emitZipkinBatch";
  private static final String EMIT_BATCH = "emitBatch";

  private JaegerThriftDecoder() {}

  /** An agent packet: {@code Agent.emitBatch(1: Batch batch)} as a Thrift message. */
  public static List<ResourceSpans> decodeAgentPacket(byte[] packet, int length, Protocol protocol)
      throws InvalidBatchException {
    ThriftReader in = protocol == Protocol.COMPACT
        ? new CompactThriftReader(packet, 0, length)
        : new BinaryThriftReader(packet, 0, length);
    ThriftReader.MessageHeader header = in.readMessageBegin();
    if (!header.name().equals(EMIT_BATCH)) {
      throw new InvalidBatchException(header.name().equals(EMIT_ZIPKIN_BATCH)
          ? "Agent.emitZipkinBatch (Zipkin Thrift spans) is not read: send Jaeger's emitBatch, "
              + "or Zipkin spans to the Zipkin port"
          : "unknown Agent method '" + abbreviate(header.name()) + "': want emitBatch");
    }
    if (header.type() != ThriftReader.MessageHeader.ONEWAY
        && header.type() != ThriftReader.MessageHeader.CALL) {
      throw new InvalidBatchException("emitBatch message of type " + header.type()
          + ": want a call (1) or oneway (4)");
    }
    List<ResourceSpans> batch = null;
    in.structBegin();
    for (int type = in.readFieldBegin(); type != ThriftType.STOP; type = in.readFieldBegin()) {
      if (in.fieldId() == 1) {
        expect(in, type, ThriftType.STRUCT, "emitBatch.batch");
        batch = readBatch(in);
      } else {
        in.skip(type);
      }
    }
    in.structEnd();
    if (batch == null) {
      throw new InvalidBatchException("emitBatch without its batch argument");
    }
    return batch;
  }

  /** The collector's HTTP body: one {@code Batch} in the binary protocol. */
  public static List<ResourceSpans> decodeBatch(byte[] body, int length)
      throws InvalidBatchException {
    ThriftReader in = new BinaryThriftReader(body, 0, length);
    List<ResourceSpans> batch = readBatch(in);
    if (!in.atEnd()) {
      throw in.malformed("bytes after the batch");
    }
    return batch;
  }

  private static List<ResourceSpans> readBatch(ThriftReader in) throws InvalidBatchException {
    Resource resource = null;
    List<ScopedSpan> spans = null;
    in.structBegin();
    for (int type = in.readFieldBegin(); type != ThriftType.STOP; type = in.readFieldBegin()) {
      switch (in.fieldId()) {
        case 1 -> {
          expect(in, type, ThriftType.STRUCT, "Batch.process");
          resource = readProcess(in);
        }
        case 2 -> {
          expect(in, type, ThriftType.LIST, "Batch.spans");
          int count = in.readListBegin();
          expect(in, in.elementType(), ThriftType.STRUCT, "Batch.spans' elements");
          spans = new ArrayList<>(count);
          for (int i = 0; i < count; i++) {
            spans.add(readSpan(in, i));
          }
        }
        default -> in.skip(type); // seqNo, stats: the client's own bookkeeping
      }
    }
    in.structEnd();
    if (resource == null) {
      throw new InvalidBatchException("Batch without its required process");
    }
    if (spans == null || spans.isEmpty()) {
      throw new InvalidBatchException("the batch has no spans");
    }
    JaegerToOtlp.Grouping grouping = new JaegerToOtlp.Grouping();
    for (ScopedSpan span : spans) {
      grouping.add(resource, span.scope(), span.span());
    }
    return grouping.build();
  }

  private record ScopedSpan(InstrumentationScope scope, Span span) {}

  private static Resource readProcess(ThriftReader in) throws InvalidBatchException {
    String serviceName = null;
    List<KeyValue> tags = List.of();
    in.structBegin();
    for (int type = in.readFieldBegin(); type != ThriftType.STOP; type = in.readFieldBegin()) {
      switch (in.fieldId()) {
        case 1 -> {
          expect(in, type, ThriftType.STRING, "Process.serviceName");
          serviceName = in.readString();
        }
        case 2 -> {
          expect(in, type, ThriftType.LIST, "Process.tags");
          tags = readTags(in, "Process.tags");
        }
        default -> in.skip(type);
      }
    }
    in.structEnd();
    if (serviceName == null) {
      throw new InvalidBatchException("Process without its required serviceName");
    }
    return JaegerToOtlp.resource(serviceName, tags);
  }

  private static final int TRACE_ID_LOW = 1;
  private static final int TRACE_ID_HIGH = 1 << 1;
  private static final int SPAN_ID = 1 << 2;
  private static final int PARENT_SPAN_ID = 1 << 3;
  private static final int OPERATION_NAME = 1 << 4;
  private static final int FLAGS = 1 << 5;
  private static final int START_TIME = 1 << 6;
  private static final int DURATION = 1 << 7;
  private static final int REQUIRED = (1 << 8) - 1;
  private static final String[] REQUIRED_NAMES = {"traceIdLow", "traceIdHigh", "spanId",
      "parentSpanId", "operationName", "flags", "startTime", "duration"};

  private record Reference(boolean childOf, long traceIdLow, long traceIdHigh, long spanId) {}

  private static ScopedSpan readSpan(ThriftReader in, int index) throws InvalidBatchException {
    long traceIdLow = 0;
    long traceIdHigh = 0;
    long spanId = 0;
    long parentSpanId = 0;
    long startTime = 0;
    long duration = 0;
    int seen = 0;
    Span.Builder span = Span.newBuilder();
    List<Reference> references = List.of();
    List<KeyValue> tags = List.of();
    in.structBegin();
    for (int type = in.readFieldBegin(); type != ThriftType.STOP; type = in.readFieldBegin()) {
      switch (in.fieldId()) {
        case 1 -> {
          expect(in, type, ThriftType.I64, "Span.traceIdLow");
          traceIdLow = in.readI64();
          seen |= TRACE_ID_LOW;
        }
        case 2 -> {
          expect(in, type, ThriftType.I64, "Span.traceIdHigh");
          traceIdHigh = in.readI64();
          seen |= TRACE_ID_HIGH;
        }
        case 3 -> {
          expect(in, type, ThriftType.I64, "Span.spanId");
          spanId = in.readI64();
          seen |= SPAN_ID;
        }
        case 4 -> {
          expect(in, type, ThriftType.I64, "Span.parentSpanId");
          parentSpanId = in.readI64();
          seen |= PARENT_SPAN_ID;
        }
        case 5 -> {
          expect(in, type, ThriftType.STRING, "Span.operationName");
          span.setName(in.readString());
          seen |= OPERATION_NAME;
        }
        case 6 -> {
          expect(in, type, ThriftType.LIST, "Span.references");
          references = readReferences(in);
        }
        case 7 -> {
          expect(in, type, ThriftType.I32, "Span.flags");
          span.setFlags(in.readI32() & 0xff);
          seen |= FLAGS;
        }
        case 8 -> {
          expect(in, type, ThriftType.I64, "Span.startTime");
          startTime = in.readI64();
          seen |= START_TIME;
        }
        case 9 -> {
          expect(in, type, ThriftType.I64, "Span.duration");
          duration = in.readI64();
          seen |= DURATION;
        }
        case 10 -> {
          expect(in, type, ThriftType.LIST, "Span.tags");
          tags = readTags(in, "Span.tags");
        }
        case 11 -> {
          expect(in, type, ThriftType.LIST, "Span.logs");
          readLogs(in, span);
        }
        default -> in.skip(type);
      }
    }
    in.structEnd();
    if (seen != REQUIRED) {
      for (int i = 0; i < REQUIRED_NAMES.length; i++) {
        if ((seen & (1 << i)) == 0) {
          throw new InvalidBatchException("span " + index + " has no " + REQUIRED_NAMES[i]
              + ", a required field");
        }
      }
    }
    ByteString traceId = JaegerToOtlp.traceId(traceIdHigh, traceIdLow);
    span.setTraceId(traceId).setSpanId(JaegerToOtlp.spanId(spanId));
    long parent = parentSpanId;
    boolean parentReferenceSeen = false;
    for (Reference reference : references) {
      boolean sameTrace = reference.traceIdLow() == traceIdLow
          && reference.traceIdHigh() == traceIdHigh;
      if (reference.childOf() && sameTrace) {
        if (parent == 0) {
          parent = reference.spanId();
          parentReferenceSeen = true;
          continue;
        }
        if (!parentReferenceSeen && reference.spanId() == parent) {
          parentReferenceSeen = true;
          continue;
        }
      }
      span.addLinks(JaegerToOtlp.link(JaegerToOtlp.traceId(reference.traceIdHigh(),
          reference.traceIdLow()), reference.spanId(), reference.childOf()));
    }
    if (parent != 0) {
      span.setParentSpanId(JaegerToOtlp.spanId(parent));
    }
    span.setStartTimeUnixNano(microsToNanos(startTime))
        .setEndTimeUnixNano(microsToNanos(startTime) + microsToNanos(duration));
    InstrumentationScope scope = JaegerToOtlp.applyTags(span, tags);
    return new ScopedSpan(scope, span.build());
  }

  private static List<Reference> readReferences(ThriftReader in) throws InvalidBatchException {
    int count = in.readListBegin();
    expect(in, in.elementType(), ThriftType.STRUCT, "Span.references' elements");
    List<Reference> references = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int refType = -1;
      long low = 0;
      long high = 0;
      long spanId = 0;
      int seen = 0;
      in.structBegin();
      for (int type = in.readFieldBegin(); type != ThriftType.STOP; type = in.readFieldBegin()) {
        switch (in.fieldId()) {
          case 1 -> {
            expect(in, type, ThriftType.I32, "SpanRef.refType");
            refType = in.readI32();
            seen |= 1;
          }
          case 2 -> {
            expect(in, type, ThriftType.I64, "SpanRef.traceIdLow");
            low = in.readI64();
            seen |= 2;
          }
          case 3 -> {
            expect(in, type, ThriftType.I64, "SpanRef.traceIdHigh");
            high = in.readI64();
            seen |= 4;
          }
          case 4 -> {
            expect(in, type, ThriftType.I64, "SpanRef.spanId");
            spanId = in.readI64();
            seen |= 8;
          }
          default -> in.skip(type);
        }
      }
      in.structEnd();
      if (seen != 15) {
        throw new InvalidBatchException("a SpanRef needs refType, traceIdLow, traceIdHigh and "
            + "spanId");
      }
      if (refType != 0 && refType != 1) {
        throw new InvalidBatchException("SpanRef.refType " + refType
            + ": want CHILD_OF (0) or FOLLOWS_FROM (1)");
      }
      references.add(new Reference(refType == 0, low, high, spanId));
    }
    return references;
  }

  private static void readLogs(ThriftReader in, Span.Builder span) throws InvalidBatchException {
    int count = in.readListBegin();
    expect(in, in.elementType(), ThriftType.STRUCT, "Span.logs' elements");
    for (int i = 0; i < count; i++) {
      long timestamp = 0;
      boolean timed = false;
      List<KeyValue> fields = null;
      in.structBegin();
      for (int type = in.readFieldBegin(); type != ThriftType.STOP; type = in.readFieldBegin()) {
        switch (in.fieldId()) {
          case 1 -> {
            expect(in, type, ThriftType.I64, "Log.timestamp");
            timestamp = in.readI64();
            timed = true;
          }
          case 2 -> {
            expect(in, type, ThriftType.LIST, "Log.fields");
            fields = readTags(in, "Log.fields");
          }
          default -> in.skip(type);
        }
      }
      in.structEnd();
      if (!timed || fields == null) {
        throw new InvalidBatchException("a Log needs its timestamp and fields");
      }
      span.addEvents(JaegerToOtlp.event(microsToNanos(timestamp), fields));
    }
  }

  private static List<KeyValue> readTags(ThriftReader in, String where)
      throws InvalidBatchException {
    int count = in.readListBegin();
    expect(in, in.elementType(), ThriftType.STRUCT, where + "' elements");
    List<KeyValue> tags = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      tags.add(readTag(in));
    }
    return tags;
  }

  private static KeyValue readTag(ThriftReader in) throws InvalidBatchException {
    String key = null;
    int valueType = -1;
    String text = null;
    double number = 0;
    boolean bool = false;
    long integer = 0;
    ByteString binary = null;
    in.structBegin();
    for (int type = in.readFieldBegin(); type != ThriftType.STOP; type = in.readFieldBegin()) {
      switch (in.fieldId()) {
        case 1 -> {
          expect(in, type, ThriftType.STRING, "Tag.key");
          key = in.readString();
        }
        case 2 -> {
          expect(in, type, ThriftType.I32, "Tag.vType");
          valueType = in.readI32();
        }
        case 3 -> {
          expect(in, type, ThriftType.STRING, "Tag.vStr");
          text = in.readString();
        }
        case 4 -> {
          expect(in, type, ThriftType.DOUBLE, "Tag.vDouble");
          number = in.readDouble();
        }
        case 5 -> {
          expect(in, type, ThriftType.BOOL, "Tag.vBool");
          bool = in.readBool();
        }
        case 6 -> {
          expect(in, type, ThriftType.I64, "Tag.vLong");
          integer = in.readI64();
        }
        case 7 -> {
          expect(in, type, ThriftType.STRING, "Tag.vBinary");
          binary = in.readBinary();
        }
        default -> in.skip(type);
      }
    }
    in.structEnd();
    if (key == null || valueType < 0) {
      throw new InvalidBatchException("a Tag needs its key and vType");
    }
    AnyValue.Builder value = AnyValue.newBuilder();
    switch (valueType) {
      case 0 -> value.setStringValue(text == null ? "" : text);
      case 1 -> value.setDoubleValue(number);
      case 2 -> value.setBoolValue(bool);
      case 3 -> value.setIntValue(integer);
      case 4 -> value.setBytesValue(binary == null ? ByteString.EMPTY : binary);
      default -> throw new InvalidBatchException("tag '" + abbreviate(key) + "' has vType "
          + valueType + ": want STRING (0), DOUBLE (1), BOOL (2), LONG (3) or BINARY (4)");
    }
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static void expect(ThriftReader in, int type, int want, String field)
      throws InvalidBatchException {
    if (type != want) {
      throw in.malformed(field + " is a Thrift " + ThriftType.name(type) + ", want "
          + ThriftType.name(want));
    }
  }

  /** Jaeger's times are microseconds; saturating, so that a wild value is refused, not wrapped. */
  static long microsToNanos(long micros) {
    long nanos = micros * 1000;
    return Math.abs(micros) < Long.MAX_VALUE / 1000 ? nanos
        : micros < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
  }

  static String abbreviate(String text) {
    return text.length() <= 64 ? text : text.substring(0, 64) + "...";
  }
}
