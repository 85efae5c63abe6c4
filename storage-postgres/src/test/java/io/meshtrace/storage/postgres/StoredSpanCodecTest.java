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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StoredSpanCodecTest {
  static final TraceId TRACE = new TraceId(0x5b8efff798038103L, 0xd269b633813fc60cL);

  /** A key dictionary like attribute_keys. */
  static final class Keys {
    final java.util.Map<ByteString, Integer> ids = new java.util.HashMap<>();
    final java.util.Map<Integer, String> keys = new java.util.HashMap<>();

    int id(ByteString key) {
      return ids.computeIfAbsent(key, k -> {
        keys.put(ids.size() + 1, k.toStringUtf8());
        return ids.size() + 1;
      });
    }

    String key(int id) {
      return keys.get(id);
    }
  }

  static final Keys KEYS = new Keys();

  static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

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
        .addAttributes(attr("node_id", "sidecar~10.1.0.5"))
        .addAttributes(attr("guid:x-request-id", "a8b4c2d6"))
        .addAttributes(attr("zone", "värde"))
        .addAttributes(attr("request_size", "123"))
        .addAttributes(attr("http.method", "GET"))
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

  static Span roundTrip(Span span, boolean[] shared) {
    int sharedCount = 0;
    List<KeyValue> set = new ArrayList<>();
    for (int i = 0; shared != null && i < shared.length; i++) {
      if (shared[i]) {
        sharedCount++;
        set.add(span.getAttributes(i));
      }
    }
    byte[] payload = StoredSpanCodec.payload(span, shared, sharedCount, KEYS::id);
    TraceId traceId = TraceId.fromBytes(span.getTraceId());
    return StoredSpanCodec.restore(StoredSpanCodec.parse(payload, traceId), traceId,
        span.getName(), span.getKindValue(), StoredSpanCodec.startMicros(span),
        StoredSpanCodec.durationMicros(span), set, KEYS::key);
  }

  @Test
  void everySplitOfTheAttributesReadsBackExactly() {
    List<boolean[]> splits = List.of(
        new boolean[] {false, false, false, false, false},
        new boolean[] {true, true, true, true, true},
        new boolean[] {true, false, true, false, true},
        new boolean[] {false, true, false, true, false},
        new boolean[] {true, true, true, false, false});
    for (Span span : List.of(rich(1_700_000_000_000_000_000L, 1_700_000_000_000_500_000L),
        rich(1_700_000_000_000_000_123L, 1_700_000_000_000_500_456L),
        rich(1_700_000_000_000_000_000L, 0))) {
      assertThat(roundTrip(span, null)).isEqualTo(span);
      for (boolean[] split : splits) {
        assertThat(roundTrip(span, split)).isEqualTo(span);
      }
    }
  }

  @Test
  void aSpanWithManyAttributesAndMixedSharingReadsBackExactly() {
    Span.Builder builder = rich(1_700_000_000_000_000_000L, 1_700_000_000_001_000_000L).toBuilder()
        .clearAttributes();
    boolean[] shared = new boolean[70];
    for (int i = 0; i < 70; i++) {
      builder.addAttributes(attr("k" + i, "v" + i));
      shared[i] = i % 3 != 0;
    }
    Span span = builder.build();
    assertThat(roundTrip(span, shared)).isEqualTo(span);
  }

  @Test
  void rootsAndAllZeroParentsAreKeptApart() {
    Span root = rich(1_700_000_000_000_000_000L, 1_700_000_000_000_001_000L).toBuilder()
        .clearParentSpanId().build();
    Span zeroParent = root.toBuilder().setParentSpanId(ByteString.copyFrom(new byte[8])).build();
    assertThat(roundTrip(root, null)).isEqualTo(root);
    assertThat(roundTrip(zeroParent, null)).isEqualTo(zeroParent);
  }

  @Test
  void sharingShrinksThePayload() {
    Span span = rich(1_700_000_000_000_000_000L, 1_700_000_000_000_500_000L);
    int whole = StoredSpanCodec.payload(span, null, 0, KEYS::id).length;
    int shared = StoredSpanCodec.payload(span, new boolean[] {true, false, true, false, true}, 3,
        KEYS::id).length;
    // Three attribute values (about 30 bytes with their numbered keys) are no longer stored.
    assertThat(shared).isLessThan(whole - 20);
  }
}
