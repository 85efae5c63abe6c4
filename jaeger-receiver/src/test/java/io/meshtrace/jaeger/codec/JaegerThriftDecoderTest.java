package io.meshtrace.jaeger.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.jaegertracing.thriftjava.Batch;
import io.jaegertracing.thriftjava.Process;
import io.jaegertracing.thriftjava.Span;
import io.jaegertracing.thriftjava.Tag;
import io.jaegertracing.thriftjava.TagType;
import io.meshtrace.jaeger.codec.JaegerThriftDecoder.Protocol;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class JaegerThriftDecoderTest {

  @Test
  void compactAgentPacketBecomesOtlpByTheTable() throws Exception {
    byte[] packet = ThriftBatches.agentPacket(ThriftBatches.everything(), true);
    checkEverything(JaegerThriftDecoder.decodeAgentPacket(packet, packet.length, Protocol.COMPACT));
  }

  @Test
  void binaryAgentPacketAndHttpBodyDecodeTheSame() throws Exception {
    byte[] packet = ThriftBatches.agentPacket(ThriftBatches.everything(), false);
    List<ResourceSpans> fromPacket = JaegerThriftDecoder.decodeAgentPacket(packet, packet.length,
        Protocol.BINARY);
    checkEverything(fromPacket);
    byte[] body = ThriftBatches.httpBody(ThriftBatches.everything());
    assertThat(JaegerThriftDecoder.decodeBatch(body, body.length)).isEqualTo(fromPacket);
    byte[] compact = ThriftBatches.agentPacket(ThriftBatches.everything(), true);
    assertThat(JaegerThriftDecoder.decodeAgentPacket(compact, compact.length, Protocol.COMPACT))
        .isEqualTo(fromPacket);
  }

  private static void checkEverything(List<ResourceSpans> decoded) {
    assertThat(decoded).hasSize(1);
    ResourceSpans resourceSpans = decoded.get(0);
    assertThat(attributes(resourceSpans.getResource().getAttributesList())).containsExactly(
        Map.entry("service.name", "checkout"), Map.entry("hostname", "checkout-7d9f"),
        Map.entry("ip", "10.1.2.3"), Map.entry("jaeger.version", "Java-1.8.1"),
        Map.entry("client-uuid", "6d1f0c5e2a1b3c4d"));
    assertThat(resourceSpans.getScopeSpansList()).hasSize(1);
    List<io.opentelemetry.proto.trace.v1.Span> spans =
        resourceSpans.getScopeSpans(0).getSpansList();
    assertThat(spans).hasSize(2);

    io.opentelemetry.proto.trace.v1.Span root = spans.get(0);
    assertThat(root.getTraceId()).isEqualTo(bytes("11223344556677880123456789abcdef"));
    assertThat(root.getSpanId()).isEqualTo(bytes("0000000000001111"));
    assertThat(root.getParentSpanId()).isEmpty();
    assertThat(root.getName()).isEqualTo("GET /cart");
    assertThat(root.getKind()).isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(root.getFlags()).isEqualTo(1);
    assertThat(root.getStartTimeUnixNano()).isEqualTo(ThriftBatches.START_MICROS * 1000);
    assertThat(root.getEndTimeUnixNano() - root.getStartTimeUnixNano()).isEqualTo(2_500_000);
    assertThat(root.getStatus()).isEqualTo(Status.getDefaultInstance());
    assertThat(root.getAttributesList()).containsExactly(
        kv("sampler.type", AnyValue.newBuilder().setStringValue("probabilistic")),
        kv("sampler.param", AnyValue.newBuilder().setDoubleValue(0.25)),
        kv("http.status_code", AnyValue.newBuilder().setIntValue(200)),
        kv("cache.hit", AnyValue.newBuilder().setBoolValue(false)),
        kv("payload", AnyValue.newBuilder().setBytesValue(ByteString.copyFrom(new byte[] {1, 2, 3}))));
    assertThat(root.getEventsList()).hasSize(1);
    assertThat(root.getEvents(0).getName()).isEqualTo("cache miss");
    assertThat(root.getEvents(0).getTimeUnixNano()).isEqualTo((ThriftBatches.START_MICROS + 100) * 1000);
    assertThat(root.getEvents(0).getAttributesList()).containsExactly(
        kv("attempt", AnyValue.newBuilder().setIntValue(2)));

    io.opentelemetry.proto.trace.v1.Span child = spans.get(1);
    assertThat(child.getParentSpanId()).isEqualTo(bytes("0000000000001111"));
    assertThat(child.getKind()).isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(child.getFlags()).isEqualTo(3); // sampled and debug
    assertThat(child.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(attributes(child.getAttributesList())).containsExactly(
        Map.entry("db.system", "postgresql"));
    // The CHILD_OF reference to the parent is the parent; the FOLLOWS_FROM one a typed link.
    assertThat(child.getLinksList()).hasSize(1);
    assertThat(child.getLinks(0).getSpanId()).isEqualTo(bytes("0000000000003333"));
    assertThat(child.getLinks(0).getTraceId()).isEqualTo(root.getTraceId());
    assertThat(attributes(child.getLinks(0).getAttributesList())).containsExactly(
        Map.entry("opentracing.ref_type", "follows_from"));
  }

  @Test
  void statusScopeAndTraceStateTagsAreTakenOutOfTheAttributes() throws Exception {
    Span span = span().setTags(new ArrayList<>(List.of(ThriftBatches.string("otel.status_code", "ERROR"),
        ThriftBatches.string("otel.status_description", "connection refused"),
        ThriftBatches.string("otel.scope.name", "io.opentelemetry.jdbc"),
        ThriftBatches.string("otel.scope.version", "2.1.0"),
        ThriftBatches.string("w3c.tracestate", "vendor=1"),
        ThriftBatches.string("span.kind", "sideways"),
        new Tag("error", TagType.BOOL).setVBool(false))));
    List<ResourceSpans> decoded = decodeCompact(new Batch(new Process("svc"), list(span)));
    var scopeSpans = decoded.get(0).getScopeSpans(0);
    assertThat(scopeSpans.getScope().getName()).isEqualTo("io.opentelemetry.jdbc");
    assertThat(scopeSpans.getScope().getVersion()).isEqualTo("2.1.0");
    io.opentelemetry.proto.trace.v1.Span decodedSpan = scopeSpans.getSpans(0);
    assertThat(decodedSpan.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(decodedSpan.getStatus().getMessage()).isEqualTo("connection refused");
    assertThat(decodedSpan.getTraceState()).isEqualTo("vendor=1");
    // An unknown kind and error=false are only tags: kept as they came.
    assertThat(decodedSpan.getKind())
        .isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_UNSPECIFIED);
    assertThat(decodedSpan.getAttributesList()).containsExactly(
        kv("span.kind", AnyValue.newBuilder().setStringValue("sideways")),
        kv("error", AnyValue.newBuilder().setBoolValue(false)));
  }

  @Test
  void sixtyFourBitTraceIdsHaveAZeroHighHalfAndAZeroIdIsLeftForTheChecks() throws Exception {
    Span span = new Span(0xabcL, 0, 0x1L, 0, "op", 1, ThriftBatches.START_MICROS, 1);
    Span zero = new Span(0, 0, 0x2L, 0, "op", 1, ThriftBatches.START_MICROS, 1);
    List<ResourceSpans> decoded = decodeCompact(new Batch(new Process("svc"), list(span, zero)));
    assertThat(decoded.get(0).getScopeSpans(0).getSpans(0).getTraceId())
        .isEqualTo(bytes("00000000000000000000000000000abc"));
    assertThat(decoded.get(0).getScopeSpans(0).getSpans(1).getTraceId())
        .isEqualTo(ByteString.copyFrom(new byte[16]));
  }

  @Test
  void everyTruncationIsAnInvalidBatchNamingWhere() throws Exception {
    for (boolean compact : new boolean[] {true, false}) {
      byte[] packet = ThriftBatches.agentPacket(ThriftBatches.everything(), compact);
      for (int length = 0; length < packet.length; length++) {
        int cut = length;
        assertThatThrownBy(() -> JaegerThriftDecoder.decodeAgentPacket(packet, cut,
            compact ? Protocol.COMPACT : Protocol.BINARY))
            .as("packet cut to %d of %d bytes", cut, packet.length)
            .isInstanceOf(InvalidBatchException.class)
            .hasMessageContaining("at byte");
      }
    }
  }

  @Test
  void corruptedBytesNeverEscapeAsAnythingButAnInvalidBatch() throws Exception {
    Random random = new Random(42);
    for (boolean compact : new boolean[] {true, false}) {
      byte[] packet = ThriftBatches.agentPacket(ThriftBatches.everything(), compact);
      for (int i = 0; i < 5_000; i++) {
        byte[] corrupt = packet.clone();
        for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
          corrupt[random.nextInt(corrupt.length)] = (byte) random.nextInt(256);
        }
        try {
          JaegerThriftDecoder.decodeAgentPacket(corrupt, corrupt.length,
              compact ? Protocol.COMPACT : Protocol.BINARY);
        } catch (InvalidBatchException expected) {
          assertThat(expected.getMessage()).isNotBlank();
        }
      }
    }
  }

  @Test
  void aStringLengthPastThePacketIsNamed() throws Exception {
    byte[] packet = ThriftBatches.agentPacket(new Batch(new Process("svc"), list(span())), true);
    // The compact header: 0x82, 0x81, seq 0, name length 9, "emitBatch"; then the args struct's
    // field 1 (0x1c: delta 1, struct), the batch's field 1 (0x1c), the process's field 1
    // (0x18: delta 1, binary) and the service name's varint length, here 3 ("svc").
    int lengthAt = 4 + 9 + 3;
    assertThat(packet[lengthAt]).isEqualTo((byte) 3);
    packet[lengthAt] = 0x7f; // 127 bytes claimed
    assertThatThrownBy(() -> JaegerThriftDecoder.decodeAgentPacket(packet, packet.length,
        Protocol.COMPACT))
        .isInstanceOf(InvalidBatchException.class)
        .hasMessageStartingWith("a length of 127 bytes runs past the end");
  }

  @Test
  void wrongFieldTypesMissingFieldsAndEmptyBatchesAreNamed() throws Exception {
    // Span.traceIdLow written as a string: field 1 of the span, type binary (8), in compact.
    byte[] good = ThriftBatches.agentPacket(new Batch(new Process("svc"), list(span())), true);
    byte[] wrongType = good.clone();
    int spanStart = indexOf(good, new byte[] {0x19, 0x1c}) + 2; // Batch.spans list header
    assertThat(wrongType[spanStart] & 0x0f).isEqualTo(6); // traceIdLow: i64
    wrongType[spanStart] = (byte) ((wrongType[spanStart] & 0xf0) | 8);
    assertThatThrownBy(() -> JaegerThriftDecoder.decodeAgentPacket(wrongType, wrongType.length,
        Protocol.COMPACT))
        .isInstanceOf(InvalidBatchException.class)
        .hasMessageStartingWith("Span.traceIdLow is a Thrift string, want i64");

    Batch empty = new Batch(new Process("svc"), new ArrayList<>());
    byte[] emptyPacket = ThriftBatches.agentPacket(empty, true);
    assertThatThrownBy(() -> JaegerThriftDecoder.decodeAgentPacket(emptyPacket,
        emptyPacket.length, Protocol.COMPACT))
        .isInstanceOf(InvalidBatchException.class).hasMessage("the batch has no spans");

    byte[] zipkin = ThriftBatches.compactMessage("emitZipkinBatch", new byte[] {0});
    assertThatThrownBy(() -> JaegerThriftDecoder.decodeAgentPacket(zipkin, zipkin.length,
        Protocol.COMPACT))
        .isInstanceOf(InvalidBatchException.class)
        .hasMessageContaining("emitZipkinBatch (Zipkin Thrift spans) is not read");

    byte[] noArgs = ThriftBatches.compactMessage("emitBatch", new byte[] {0});
    assertThatThrownBy(() -> JaegerThriftDecoder.decodeAgentPacket(noArgs, noArgs.length,
        Protocol.COMPACT))
        .isInstanceOf(InvalidBatchException.class).hasMessage("emitBatch without its batch argument");

    byte[] garbage = "GET / HTTP/1.1\r\n\r\n".getBytes();
    assertThatThrownBy(() -> JaegerThriftDecoder.decodeAgentPacket(garbage, garbage.length,
        Protocol.COMPACT))
        .isInstanceOf(InvalidBatchException.class)
        .hasMessageStartingWith("not a Thrift compact message: first byte 0x47");
    assertThatThrownBy(() -> JaegerThriftDecoder.decodeBatch(garbage, garbage.length))
        .isInstanceOf(InvalidBatchException.class);
  }

  @Test
  void aMissingRequiredSpanFieldIsNamed() throws Exception {
    // Thrift's own writer refuses to write such a span (validate()), so field 5 is cut out of
    // a good binary-protocol body.
    byte[] body = ThriftBatches.httpBody(new Batch(new Process("svc"), list(span())));
    byte[] nameField = {11, 0, 5}; // type string, field 5
    int at = indexOf(body, nameField);
    int nameLength = 4 + "op".length();
    byte[] cut = new byte[body.length - 3 - nameLength];
    System.arraycopy(body, 0, cut, 0, at);
    System.arraycopy(body, at + 3 + nameLength, cut, at, body.length - at - 3 - nameLength);
    assertThatThrownBy(() -> JaegerThriftDecoder.decodeBatch(cut, cut.length))
        .isInstanceOf(InvalidBatchException.class)
        .hasMessage("span 0 has no operationName, a required field");
  }

  private static Span span() {
    return new Span(0xabcL, 0, 0x1L, 0, "op", 1, ThriftBatches.START_MICROS, 10);
  }

  @SafeVarargs
  private static <T> List<T> list(T... items) {
    return new ArrayList<>(Arrays.asList(items));
  }

  private static List<ResourceSpans> decodeCompact(Batch batch) throws Exception {
    byte[] packet = ThriftBatches.agentPacket(batch, true);
    return JaegerThriftDecoder.decodeAgentPacket(packet, packet.length, Protocol.COMPACT);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }

  static KeyValue kv(String key, AnyValue.Builder value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  static Map<String, String> attributes(List<KeyValue> attributes) {
    return attributes.stream().collect(Collectors.toMap(KeyValue::getKey,
        a -> a.getValue().getStringValue(), (a, b) -> a, java.util.LinkedHashMap::new));
  }

  static ByteString bytes(String hex) {
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
    }
    return ByteString.copyFrom(out);
  }
}
