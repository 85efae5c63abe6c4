package io.meshtrace.zipkin.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.fuzz.FuzzInputs;
import io.meshtrace.fuzz.FuzzTarget;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import zipkin2.Span;
import zipkin2.codec.SpanBytesDecoder;
import zipkin2.codec.SpanBytesEncoder;

/**
 * Fuzzing of the Zipkin intake's decoders, as the receiver calls them: v2 JSON through {@link
 * ZipkinJsonV2ToOtlp}, v1 JSON and proto3 through zipkin2's decoders and {@link ZipkinToOtlp}.
 * Inputs are mutations of real encodings of varied spans and random bytes; each must decode or
 * be refused with IllegalArgumentException (the receiver's 400), within the deadline. The v2
 * decoder must also agree with zipkin2's decoder, the reference it replaces.
 */
class ZipkinDecodersFuzzTest {
  static final long RECEIVED = 1_700_000_000_000_000L;
  static final FuzzTarget JSON_V2 = new FuzzTarget("zipkin-json-v2",
      IllegalArgumentException.class);
  static final FuzzTarget JSON_V1 = new FuzzTarget("zipkin-json-v1",
      IllegalArgumentException.class);
  static final FuzzTarget PROTO3 = new FuzzTarget("zipkin-proto3",
      IllegalArgumentException.class);
  static final String TRAILING_CONTENT = "unexpected content after the list of spans";
  static final String NOT_A_JSON_ESCAPE = "invalid escape";
  static final String ALL_ZEROS = "is all zeros";
  static final FuzzTarget JSON_V2_AGAINST_ZIPKIN2 = new FuzzTarget("zipkin-json-v2-vs-zipkin2");

  @Property
  void jsonV2DecodesOrIsRefused(@ForAll("jsonV2") byte[] body) {
    JSON_V2.check(body, () -> ZipkinJsonV2ToOtlp.decode(body, RECEIVED));
  }

  /**
   * Where zipkin2 refuses, so does the direct decoder; where both accept, the spans are equal.
   * Four differences are deliberate, the direct decoder being strict where zipkin2 is lenient
   * (all found by the long run): zipkin2 ignores whatever follows the list of spans, reads
   * {@code True} or {@code nULL} as JSON's literals, which are lowercase (RFC 8259), and takes
   * escapes JSON does not have ({@code \'}), and refuses an all-zero ID of 16 digits but takes
   * a shorter one ({@code "id":"0"}, padded), which the direct decoder refuses as well; each is
   * a client's bug worth a 400. And one the
   * other way: zipkin2 cannot skip a number of more than 20 digits in a field it does not
   * know ({@link #zipkin2CannotSkipLongNumber}), valid JSON the direct decoder skips.
   * Compared as serialized ({@link #serialized}).
   */
  @Property
  void jsonV2AgreesWithZipkin2(@ForAll("jsonV2") byte[] body) {
    JSON_V2_AGAINST_ZIPKIN2.check(body, () -> {
      List<ResourceSpans> expected = null;
      String zipkin2Refusal = null;
      try {
        expected = ZipkinToOtlp.translate(SpanBytesDecoder.JSON_V2.decodeList(body), RECEIVED);
      } catch (IllegalArgumentException refused) {
        zipkin2Refusal = String.valueOf(refused.getMessage());
      }
      List<ResourceSpans> actual;
      try {
        actual = ZipkinJsonV2ToOtlp.decode(body, RECEIVED);
      } catch (IllegalArgumentException refused) {
        assertThat(zipkin2Refusal != null
            || String.valueOf(refused.getMessage()).startsWith(TRAILING_CONTENT)
            || caseVariantLiteralAt(body, String.valueOf(refused.getMessage()))
            || String.valueOf(refused.getMessage()).startsWith(NOT_A_JSON_ESCAPE)
            || String.valueOf(refused.getMessage()).contains(ALL_ZEROS))
            .as("refused (%s) what zipkin2 accepts", refused.getMessage()).isTrue();
        return;
      }
      assertThat(zipkin2Refusal == null || zipkin2CannotSkipLongNumber(body, zipkin2Refusal))
          .as("accepted what zipkin2 refuses (%s)", zipkin2Refusal).isTrue();
      assertThat(serialized(actual)).isEqualTo(serialized(expected));
    });
  }

  /**
   * zipkin2's reader refuses a number of more than about 20 digits even in a field it skips
   * ("Malformed reading List<Span>"); such a number is valid JSON, and the direct decoder skips
   * an unknown field's value whatever it is (found by the long run).
   */
  static boolean zipkin2CannotSkipLongNumber(byte[] body, String zipkin2Refusal) {
    return zipkin2Refusal.startsWith("Malformed reading") && java.util.regex.Pattern
        .compile("[0-9]{21,}").matcher(new String(body, java.nio.charset.StandardCharsets.UTF_8))
        .find();
  }

  /** Whether the refusal points at true, false or null written in another case. */
  static boolean caseVariantLiteralAt(byte[] body, String message) {
    java.util.regex.Matcher at = java.util.regex.Pattern.compile(" at byte (\\d+)$")
        .matcher(message);
    if (!at.find()) {
      return false;
    }
    int position = Integer.parseInt(at.group(1));
    for (String literal : List.of("true", "false", "null")) {
      if (position + literal.length() <= body.length) {
        String text = new String(body, position, literal.length(),
            java.nio.charset.StandardCharsets.ISO_8859_1);
        if (text.equalsIgnoreCase(literal) && !text.equals(literal)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * As serialized, with span attributes in the order of their serialized keys and events in
   * time order, then of their serialized names: a lone surrogate escape is '?' in the direct
   * decoder's strings and becomes one when zipkin2's are encoded, as everything downstream
   * encodes them; zipkin2 sorts tags and annotations before that, so such a key or an
   * annotation at the same time may sort elsewhere.
   */
  static List<String> serialized(List<ResourceSpans> spans) {
    List<String> out = new ArrayList<>();
    for (ResourceSpans resourceSpans : spans) {
      ResourceSpans.Builder copy;
      try {
        copy = ResourceSpans.parseFrom(resourceSpans.toByteString()).toBuilder();
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
      for (var scope : copy.getScopeSpansBuilderList()) {
        for (var span : scope.getSpansBuilderList()) {
          List<io.opentelemetry.proto.common.v1.KeyValue> attributes =
              new ArrayList<>(span.getAttributesList());
          attributes.sort(java.util.Comparator.comparing(
              io.opentelemetry.proto.common.v1.KeyValue::getKeyBytes,
              com.google.protobuf.ByteString.unsignedLexicographicalComparator()));
          span.clearAttributes().addAllAttributes(attributes);
          List<io.opentelemetry.proto.trace.v1.Span.Event> events =
              new ArrayList<>(span.getEventsList());
          events.sort(java.util.Comparator.comparingLong(
                  io.opentelemetry.proto.trace.v1.Span.Event::getTimeUnixNano)
              .thenComparing(io.opentelemetry.proto.trace.v1.Span.Event::getNameBytes,
                  com.google.protobuf.ByteString.unsignedLexicographicalComparator()));
          span.clearEvents().addAllEvents(events);
        }
      }
      out.add(copy.build().toString());
    }
    return out;
  }

  @Property
  void jsonV1DecodesOrIsRefused(@ForAll("jsonV1") byte[] body) {
    JSON_V1.check(body, () ->
        ZipkinToOtlp.translate(SpanBytesDecoder.JSON_V1.decodeList(body), RECEIVED));
  }

  @Property
  void proto3DecodesOrIsRefused(@ForAll("proto3") byte[] body) {
    PROTO3.check(body, () ->
        ZipkinToOtlp.translate(SpanBytesDecoder.PROTO3.decodeList(body), RECEIVED));
  }

  @AfterContainer
  static void report() {
    JSON_V2.report();
    JSON_V2_AGAINST_ZIPKIN2.report();
    JSON_V1.report();
    PROTO3.report();
  }

  @Provide
  Arbitrary<byte[]> jsonV2() {
    return FuzzInputs.mutationsOf(encoded(SpanBytesEncoder.JSON_V2));
  }

  @Provide
  Arbitrary<byte[]> jsonV1() {
    return FuzzInputs.mutationsOf(encoded(SpanBytesEncoder.JSON_V1));
  }

  @Provide
  Arbitrary<byte[]> proto3() {
    return FuzzInputs.mutationsOf(encoded(SpanBytesEncoder.PROTO3));
  }

  /** Lists of 1 to 4 varied spans (every field, shared, IPv6...), as Envoy and zipkin2 write. */
  static List<byte[]> encoded(SpanBytesEncoder encoder) {
    Random random = new Random(17);
    List<byte[]> seeds = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      List<Span> spans = new ArrayList<>();
      for (int j = 0, n = 1 + random.nextInt(4); j < n; j++) {
        spans.add(ZipkinJsonV2ToOtlpTest.randomSpan(random));
      }
      seeds.add(encoder.encodeList(spans));
    }
    return seeds;
  }
}
