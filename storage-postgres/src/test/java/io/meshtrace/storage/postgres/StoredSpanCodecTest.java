package io.meshtrace.storage.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.meshtrace.model.SpanIds;
import io.meshtrace.model.TraceId;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

  @Test
  void compactFormsReadBackExactlyAndNearMissesStayPlain() {
    Map<String, Integer> forms = new java.util.LinkedHashMap<>();
    forms.put("0", CompactValue.INTEGER);
    forms.put("12345", CompactValue.INTEGER);
    forms.put("-5", CompactValue.INTEGER);
    forms.put("9223372036854775807", CompactValue.INTEGER);
    forms.put("-9223372036854775808", CompactValue.INTEGER);
    forms.put("9223372036854775808", CompactValue.PLAIN);
    forms.put("99999999999999999999", CompactValue.PLAIN);
    forms.put("-0", CompactValue.PLAIN);
    forms.put("007", CompactValue.PLAIN);
    forms.put("+5", CompactValue.PLAIN);
    forms.put("", CompactValue.PLAIN);
    forms.put("1e3", CompactValue.PLAIN);
    forms.put("352cccfc-0946-b8f0-552c-f1e4a8ab85dd", CompactValue.UUID);
    forms.put("352CCCFC-0946-B8F0-552C-F1E4A8AB85DD", CompactValue.PLAIN);
    forms.put("352cccfc0946b8f0552cf1e4a8ab85dd", CompactValue.PLAIN);
    forms.put("352cccfc-0946-b8f0-552c-f1e4a8ab85dg", CompactValue.PLAIN);
    forms.put("352cccfc_0946-b8f0-552c-f1e4a8ab85dd", CompactValue.PLAIN);
    forms.put("10.1.2.3:8080", CompactValue.IPV4_PORT);
    forms.put("0.0.0.0:0", CompactValue.IPV4_PORT);
    forms.put("255.255.255.255:65535", CompactValue.IPV4_PORT);
    forms.put("10.1.2.3:080", CompactValue.PLAIN);
    forms.put("256.1.1.1:80", CompactValue.PLAIN);
    forms.put("1.2.3.4:65536", CompactValue.PLAIN);
    forms.put("1.2.3.4", CompactValue.PLAIN);
    forms.put("01.2.3.4:5", CompactValue.PLAIN);
    forms.put("1.2.3.4:5:6", CompactValue.PLAIN);
    forms.put("1.2.3.4 :5", CompactValue.PLAIN);
    forms.put("1.2.3:4", CompactValue.PLAIN);
    forms.put("[::1]:80", CompactValue.PLAIN);
    Span.Builder builder = rich(1_700_000_000_000_000_000L, 1_700_000_000_001_000_000L)
        .toBuilder().clearAttributes();
    int i = 0;
    for (Map.Entry<String, Integer> value : forms.entrySet()) {
      KeyValue attribute = attr("k" + i++, value.getKey());
      assertThat(CompactValue.form(attribute.getValue())).as(value.getKey())
          .isEqualTo(value.getValue());
      builder.addAttributes(attribute);
    }
    // Not strings: always plain.
    builder.addAttributes(KeyValue.newBuilder().setKey("n")
        .setValue(AnyValue.newBuilder().setIntValue(12345)));
    builder.addAttributes(KeyValue.newBuilder().setKey("b")
        .setValue(AnyValue.newBuilder().setBytesValue(ByteString.copyFromUtf8("12345"))));
    Span span = builder.build();
    assertThat(roundTrip(span, null)).isEqualTo(span);
    boolean[] shared = new boolean[span.getAttributesCount()];
    for (int k = 0; k < shared.length; k += 2) {
      shared[k] = true;
    }
    assertThat(roundTrip(span, shared)).isEqualTo(span);
  }

  @Test
  void envoysVaryingValuesTakeLessThanHalfTheirText() {
    Span plain = rich(1_700_000_000_000_000_000L, 1_700_000_000_000_500_000L).toBuilder()
        .clearAttributes()
        .addAttributes(attr("guid:x-request-id", "352ccc-fc09-46b8-f055-2cf1e4a8ab85dd"))
        .addAttributes(attr("request_size", "01234"))
        .addAttributes(attr("response_size", "018734"))
        .addAttributes(attr("peer.address", "10.1.12.11:045678")).build();
    Span compact = plain.toBuilder().clearAttributes()
        .addAttributes(attr("guid:x-request-id", "352cccfc-0946-b8f0-552c-f1e4a8ab85dd"))
        .addAttributes(attr("request_size", "1234"))
        .addAttributes(attr("response_size", "18734"))
        .addAttributes(attr("peer.address", "10.1.12.11:45678")).build();
    int plainSize = StoredSpanCodec.payload(plain, null, 0, KEYS::id).length;
    int compactSize = StoredSpanCodec.payload(compact, null, 0, KEYS::id).length;
    // Text of about the same length: 36 + 5 + 6 + 17 characters against 16 + 2 + 3 + 7 bytes.
    assertThat(plainSize - compactSize).isGreaterThanOrEqualTo(35);
    assertThat(roundTrip(compact, null)).isEqualTo(compact);
  }
}
