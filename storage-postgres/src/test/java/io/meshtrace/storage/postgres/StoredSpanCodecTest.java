package io.meshtrace.storage.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.meshtrace.storage.SpanIds;
import io.meshtrace.storage.TraceId;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

class StoredSpanCodecTest {
  static final TraceId TRACE = new TraceId(0x5b8efff798038103L, 0xd269b633813fc60cL);

  static Span rich(long start, long end) {
    return Span.newBuilder()
        .setTraceId(TRACE.toBytes())
        .setSpanId(SpanIds.toBytes(7))
        .setParentSpanId(SpanIds.toBytes(3))
        .setName("GET /cart")
        .setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setTraceState("rojo=00f067aa0ba902b7")
        .setFlags(0x101)
        .setStartTimeUnixNano(start)
        .setEndTimeUnixNano(end)
        .addAttributes(KeyValue.newBuilder().setKey("k").setValue(AnyValue.newBuilder()
            .setStringValue("värde")))
        .setDroppedAttributesCount(2)
        .addEvents(Span.Event.newBuilder().setName("e").setTimeUnixNano(start + 5))
        .setDroppedEventsCount(1)
        .addLinks(Span.Link.newBuilder().setTraceId(TRACE.toBytes()).setSpanId(SpanIds.toBytes(9)))
        .setDroppedLinksCount(4)
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("x"))
        .setUnknownFields(UnknownFieldSet.newBuilder().addField(99,
            UnknownFieldSet.Field.newBuilder().addVarint(42).build()).build())
        .build();
  }

  /** The payload is byte for byte the span without the column fields, serialized. */
  @Test
  void payloadIsTheTrimmedSpanSerialized() {
    for (Span span : List.of(rich(1_700_000_000_000_000_000L, 1_700_000_000_000_500_000L),
        rich(1_700_000_000_000_000_123L, 1_700_000_000_000_500_000L),
        rich(1_700_000_000_000_000_000L, 0),
        Span.newBuilder().setTraceId(TRACE.toBytes()).setSpanId(SpanIds.toBytes(1))
            .setStartTimeUnixNano(1_000).build())) {
      Span.Builder trimmed = span.toBuilder().clearTraceId().clearSpanId().clearParentSpanId()
          .clearName().clearKind();
      if (StoredSpanCodec.timesFitColumns(span)) {
        trimmed.clearStartTimeUnixNano().clearEndTimeUnixNano();
      }
      assertThat(ByteString.copyFrom(StoredSpanCodec.payload(span)))
          .isEqualTo(trimmed.build().toByteString());
    }
  }

  @Test
  void decodeRestoresTheSpanExactly() {
    for (Span span : List.of(rich(1_700_000_000_000_000_000L, 1_700_000_000_000_500_000L),
        rich(1_700_000_000_000_000_123L, 1_700_000_000_000_500_456L),
        rich(1_700_000_000_000_000_000L, 0))) {
      Span decoded = StoredSpanCodec.decode(StoredSpanCodec.payload(span), TRACE, 7, 3L,
          "GET /cart", Span.SpanKind.SPAN_KIND_SERVER_VALUE, StoredSpanCodec.startMicros(span),
          StoredSpanCodec.durationMicros(span));
      assertThat(decoded).isEqualTo(span);
    }
  }
}
