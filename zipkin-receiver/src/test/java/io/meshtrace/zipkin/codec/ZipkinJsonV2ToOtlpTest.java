package io.meshtrace.zipkin.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import zipkin2.Endpoint;
import zipkin2.Span;
import zipkin2.codec.SpanBytesDecoder;
import zipkin2.codec.SpanBytesEncoder;

/**
 * The direct decoder against the reference it replaces: zipkin2's own JSON decoder followed by
 * {@link ZipkinToOtlp}. Whatever the reference accepts must decode to the same OTLP; whatever it
 * refuses must be refused.
 */
class ZipkinJsonV2ToOtlpTest {
  static final long RECEIVED = 1_700_000_000_000_000L;

  static List<ResourceSpans> reference(byte[] json) {
    return ZipkinToOtlp.translate(SpanBytesDecoder.JSON_V2.decodeList(json), RECEIVED);
  }

  static void assertSame(String json) {
    assertSame(json.getBytes(StandardCharsets.UTF_8));
  }

  static void assertSame(byte[] json) {
    List<ResourceSpans> expected;
    try {
      expected = reference(json);
    } catch (RuntimeException refused) {
      assertThatThrownBy(() -> ZipkinJsonV2ToOtlp.decode(json, RECEIVED))
          .as("zipkin2 refuses %s (%s)", new String(json, StandardCharsets.UTF_8),
              refused.getMessage())
          .isInstanceOf(RuntimeException.class);
      return;
    }
    assertThat(ZipkinJsonV2ToOtlp.decode(json, RECEIVED))
        .as(new String(json, StandardCharsets.UTF_8)).isEqualTo(expected);
  }

  @Test
  void generatedSpansDecodeAsZipkin2DecodesThem() {
    Random random = new Random(42);
    for (int round = 0; round < 2000; round++) {
      List<Span> spans = new ArrayList<>();
      int count = random.nextInt(5);
      for (int i = 0; i < count; i++) {
        spans.add(randomSpan(random));
      }
      assertSame(SpanBytesEncoder.JSON_V2.encodeList(spans));
    }
  }

  static Span randomSpan(Random random) {
    Span.Builder span = Span.newBuilder()
        .traceId(random.nextBoolean() ? random.nextLong() | 1 : 0, random.nextLong() | 1)
        .id(random.nextLong() | 1);
    if (random.nextBoolean()) {
      span.parentId(random.nextInt(3) == 0 ? 0 : random.nextLong());
    }
    if (random.nextInt(4) > 0) {
      span.name(pick(random, "get /api", "GET /Cart", "Ünïcode", "", "x\"y\\z\n"));
    }
    if (random.nextInt(4) > 0) {
      span.kind(Span.Kind.values()[random.nextInt(Span.Kind.values().length)]);
    }
    if (random.nextInt(5) > 0) {
      span.timestamp(RECEIVED - random.nextInt(1_000_000));
    }
    if (random.nextInt(5) > 0) {
      span.duration(random.nextInt(100_000));
    }
    if (random.nextInt(5) > 0) {
      span.localEndpoint(randomEndpoint(random));
    }
    if (random.nextInt(3) == 0) {
      span.remoteEndpoint(randomEndpoint(random));
    }
    int tags = random.nextInt(25);
    for (int i = 0; i < tags; i++) {
      span.putTag(pick(random, "http.method", "http.status_code", "error", "node_id",
          "guid:x-request-id", "Zone", "ünï", "a\tb", "component", "upstream_cluster",
          "user_agent"), pick(random, "GET", "503", "", "router", "10.0.0.1", "ßtraße",
          "\u0000", "😀 emoji", "x".repeat(random.nextInt(600))));
    }
    int annotations = random.nextInt(3);
    for (int i = 0; i < annotations; i++) {
      span.addAnnotation(RECEIVED - random.nextInt(3), pick(random, "cs", "sr", "wire send"));
    }
    if (random.nextInt(4) == 0) {
      span.shared(true);
    }
    if (random.nextInt(8) == 0) {
      span.debug(true);
    }
    return span.build();
  }

  static Endpoint randomEndpoint(Random random) {
    Endpoint.Builder endpoint = Endpoint.newBuilder();
    if (random.nextInt(4) > 0) {
      endpoint.serviceName(pick(random, "frontend", "Cart.Shop", "istio-ingressgateway", ""));
    }
    if (random.nextBoolean()) {
      endpoint.ip(pick(random, "10.1.2.3", "2001:db8::c001", "::ffff:10.0.0.1", "::1"));
    }
    if (random.nextInt(3) == 0) {
      endpoint.port(random.nextInt(65536));
    }
    return endpoint.build();
  }

  static String pick(Random random, String... values) {
    return values[random.nextInt(values.length)];
  }

  @Test
  void handWrittenJsonThatZipkinsEncoderNeverWritesDecodesTheSame() {
    String id = "\"traceId\":\"5af7183fb1d4cf5f\",\"id\":\"6b221d5bc9e6496c\"";
    for (String json : List.of(
        "[]", " [ ] ", "[{" + id + "}]",
        // escapes, unicode, surrogate pairs, a lone surrogate, raw UTF-8
        "[{" + id + ",\"name\":\"a\\u0041\\n\\\"\\\\\\/\\b\\f\\r\\t\",\"tags\":{\"k\\u00e9\":"
            + "\"\\ud83d\\ude00\",\"lone\":\"\\ud83d\",\"raw\":\"é\"}}]",
        // numbers as tag values and IDs, quoted numbers as timestamps
        "[{" + id + ",\"timestamp\":\"1700000000000000\",\"duration\":1.5e3,"
            + "\"tags\":{\"n\":200,\"f\":1.50,\"neg\":-0,\"big\":123456789012345678901}}]",
        "[{\"traceId\":123,\"id\":456}]",
        // nulls of optional fields, unknown fields of every kind, repeated fields
        "[{" + id + ",\"parentId\":null,\"name\":null,\"kind\":null,\"localEndpoint\":null,"
            + "\"tags\":null,\"annotations\":null,\"debug\":null,\"x\":{\"a\":[1,{\"b\":null}]},"
            + "\"y\":[true,false,null,\"s\",-1.2e-3]}]",
        "[{" + id + ",\"name\":\"first\",\"name\":\"Second\",\"tags\":{\"a\":\"1\",\"b\":\"2\"},"
            + "\"tags\":{\"a\":\"3\"}}]",
        // tags out of order and repeated within one object
        "[{" + id + ",\"tags\":{\"z\":\"1\",\"a\":\"2\",\"m\":\"3\",\"a\":\"4\",\"error\":\"boom\"}}]",
        // a parent equal to the span, a zero parent, a shared client, negative times
        "[{\"traceId\":\"5af7183fb1d4cf5f\",\"id\":\"1\",\"parentId\":\"0001\","
            + "\"kind\":\"CLIENT\",\"shared\":true,\"timestamp\":-5,\"duration\":-3}]",
        "[{\"traceId\":\"5af7183fb1d4cf5f\",\"id\":\"000000000000000a\","
            + "\"parentId\":\"0000000000000000\"}]",
        // 32-character IDs with a zero high half, short IDs, padding
        "[{\"traceId\":\"00000000000000005af7183fb1d4cf5f\",\"id\":\"1\"},"
            + "{\"traceId\":\"abc\",\"id\":\"abc\",\"parentId\":\"ab\"},"
            + "{\"traceId\":\"1000000000000000000000000000000\",\"id\":\"2\"}]",
        // endpoints: empty ones, nulls inside, every kind of address, ports
        "[{" + id + ",\"localEndpoint\":{},\"remoteEndpoint\":{\"serviceName\":\"\"}},"
            + "{" + id + ",\"localEndpoint\":{\"serviceName\":null,\"ipv4\":\"10.0.0.1\","
            + "\"port\":0},\"remoteEndpoint\":{\"ipv6\":\"2001:DB8:0:0:0:0:0:1\",\"port\":8080}},"
            + "{" + id + ",\"localEndpoint\":{\"ipv4\":\"not an ip\",\"serviceName\":\"A\"}},"
            + "{" + id + ",\"localEndpoint\":{\"ipv6\":\"::ffff:192.168.1.1\"}}]",
        // annotations out of order, repeated, with unknown fields
        "[{" + id + ",\"annotations\":[{\"timestamp\":3,\"value\":\"b\"},{\"value\":\"a\","
            + "\"timestamp\":3,\"x\":1},{\"timestamp\":1,\"value\":\"z\"},"
            + "{\"timestamp\":3,\"value\":\"b\"}]}]",
        // no timestamp: the first annotation's, or the time received
        "[{" + id + ",\"annotations\":[{\"timestamp\":9,\"value\":\"cs\"}]},{" + id + "}]",
        // whitespace everywhere
        "\n[\t{ \"traceId\" : \"1\" ,\r\n \"id\" : \"2\" , \"tags\" : { } } ]\n",
        // malformed: each must be refused as zipkin2 refuses it
        "", "[", "[{}]", "{\"not\":\"a list\"}", "[{" + id + "}", "[{" + id + "},]",
        "[{\"traceId\":\"abc\", ", "[{\"traceId\":\"XYZ\",\"id\":\"1\"}]",
        "[{\"traceId\":\"" + "a".repeat(33) + "\",\"id\":\"1\"}]",
        "[{\"traceId\":\"1\",\"id\":\"0000000000000000\"}]",
        "[{\"traceId\":\"0\",\"id\":\"1\"}]", "[{\"traceId\":\"1\",\"id\":\"\"}]",
        "[{\"traceId\":\"1\",\"id\":\"1\",\"parentId\":\"\"}]",
        "[{\"traceId\":\"1\",\"id\":\"12345678901234567\"}]",
        "[{\"traceId\":null,\"id\":\"1\"}]", "[{\"traceId\":\"1\"}]", "[{\"id\":\"1\"}]",
        "[{" + id + ",\"kind\":\"server\"}]", "[{" + id + ",\"tags\":{\"a\":null}}]",
        "[{" + id + ",\"tags\":{\"a\":true}}]", "[{" + id + ",\"tags\":[]}]",
        "[{" + id + ",\"annotations\":[{\"timestamp\":1}]}]",
        "[{" + id + ",\"annotations\":[{\"value\":\"v\"}]}]",
        "[{" + id + ",\"timestamp\":1.5}]", "[{" + id + ",\"timestamp\":\"soon\"}]",
        "[{" + id + ",\"debug\":\"true\"}]", "[{" + id + ",\"localEndpoint\":{\"port\":70000}}]",
        "[{" + id + ",\"name\":\"unterminated}]", "[{" + id + ",\"name\":\"bad\\q\"}]",
        "[{" + id + ",\"x\":01}]", "[{" + id + ",\"x\":tru}]", "[null]", "[1]")) {
      assertSame(json);
    }
  }

  @Test
  void invalidUtf8IsReplacedAsZipkinsDecoderReplacesIt() {
    byte[] json = ("[{\"traceId\":\"1\",\"id\":\"2\",\"name\":\"a?b\",\"tags\":{\"k\":\"x?y\"}}]")
        .getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < json.length; i++) {
      if (json[i] == '?') {
        json[i] = (byte) 0xC3; // a lead byte without its continuation
      }
    }
    assertSame(json);
  }

  @Test
  void refusalsSayWhatIsWrongAsZipkinDoes() {
    assertThatThrownBy(() -> ZipkinJsonV2ToOtlp.decode(
        "[{\"traceId\":\"1\",\"id\":\"0000000000000000\"}]".getBytes(StandardCharsets.UTF_8),
        RECEIVED)).hasMessageContaining("id is all zeros");
    assertThatThrownBy(() -> ZipkinJsonV2ToOtlp.decode(
        "[{\"traceId\":\"xyz\",\"id\":\"1\"}]".getBytes(StandardCharsets.UTF_8), RECEIVED))
        .hasMessageContaining("should be lower-hex encoded with no prefix");
    assertThatThrownBy(() -> ZipkinJsonV2ToOtlp.decode(
        "[{\"traceId\":\"1\",\"id\":\"1\",\"x\":".getBytes(StandardCharsets.UTF_8) , RECEIVED))
        .hasMessageContaining("at byte");
    String deep = "[{\"traceId\":\"1\",\"id\":\"1\",\"x\":" + "[".repeat(100) + "]".repeat(100)
        + "}]";
    assertThatThrownBy(() -> ZipkinJsonV2ToOtlp.decode(deep.getBytes(StandardCharsets.UTF_8),
        RECEIVED)).hasMessageContaining("nested deeper than");
  }

  /**
   * Found by ZipkinDecodersFuzzTest's comparison with zipkin2: zipkin2's reader takes JSON's
   * literals in any case ("shared":True), escapes JSON does not have (\') and a short all-zero
   * ID ("0", padded); the direct decoder refuses all three. Deliberate differences, kept.
   */
  @Test
  void literalsInAnotherCaseAreRefusedThoughZipkin2ReadsThem() {
    byte[] json = ("[{\"traceId\":\"ba67bfd5e801d355\",\"id\":\"2a06a4b23e7e9769\","
        + "\"shared\":True}]").getBytes(StandardCharsets.UTF_8);
    assertThat(SpanBytesDecoder.JSON_V2.decodeList(json)).hasSize(1);
    assertThatThrownBy(() -> ZipkinJsonV2ToOtlp.decode(json, RECEIVED))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected true or false");
    byte[] escape = ("[{\"traceId\":\"ba67bfd5e801d355\",\"id\":\"2a06a4b23e7e9769\","
        + "\"name\":\"it\\'s\"}]").getBytes(StandardCharsets.UTF_8);
    assertThat(SpanBytesDecoder.JSON_V2.decodeList(escape)).hasSize(1);
    assertThatThrownBy(() -> ZipkinJsonV2ToOtlp.decode(escape, RECEIVED))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid escape");
    // zipkin2 refuses "0000000000000000" but pads and takes "0"; both are refused here
    byte[] zero = "[{\"traceId\":\"f59c0157d00113d9\",\"id\":\"0\"}]"
        .getBytes(StandardCharsets.UTF_8);
    assertThat(SpanBytesDecoder.JSON_V2.decodeList(zero)).hasSize(1);
    assertThatThrownBy(() -> ZipkinJsonV2ToOtlp.decode(zero, RECEIVED))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("id is all zeros");
  }

  /**
   * Found the same way, the other direction: zipkin2's reader cannot skip a 25-digit number in
   * a field it does not know; the direct decoder skips it, as the JSON is valid.
   */
  @Test
  void aLongNumberInAnUnknownFieldIsSkippedThoughZipkin2CannotSkipIt() {
    byte[] json = ("[{\"traceId\":\"f59c0157d00113d9\",\"id\":\"4a38f71812ccda41\","
        + "\"annotationimestamp\":1844674407370955161699999}]").getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> SpanBytesDecoder.JSON_V2.decodeList(json))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Malformed");
    assertThat(ZipkinJsonV2ToOtlp.decode(json, RECEIVED)).hasSize(1);
  }
}
