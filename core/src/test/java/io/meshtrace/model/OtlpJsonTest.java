package io.meshtrace.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class OtlpJsonTest {
  static final String TRACE = "5b8efff798038103d269b633813fc60c";
  static final String SPAN = "eee19b7ec3c1b174";

  @Test
  void readsHexIdsNumericOrNamedEnumsAndEitherFieldNameStyle() {
    ExportTraceServiceRequest request = OtlpJson.parseExportRequest(Buffer.buffer("""
        {"resource_spans": [{"scopeSpans": [{"spans": [
          {"traceId": "%s", "span_id": "%s", "name": "a", "kind": 2, "unknownField": 1,
           "links": [{"traceId": "%s", "spanId": "%s"}]},
          {"traceId": "%s", "spanId": "%s", "parentSpanId": "%s", "name": "b",
           "kind": "SPAN_KIND_CLIENT"}]}]}]}""".formatted(TRACE, SPAN, TRACE, SPAN, TRACE,
        "0000000000000001", SPAN)));
    ScopeSpans scope = request.getResourceSpans(0).getScopeSpans(0);
    Span first = scope.getSpans(0);
    assertThat(TraceId.fromBytes(first.getTraceId()).toHex128()).isEqualTo(TRACE);
    assertThat(SpanIds.toHex(SpanIds.fromBytes(first.getSpanId()))).isEqualTo(SPAN);
    assertThat(first.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(first.getLinks(0).getSpanId()).isEqualTo(first.getSpanId());
    assertThat(scope.getSpans(1).getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(scope.getSpans(1).getParentSpanId()).isEqualTo(first.getSpanId());
  }

  @Test
  void anIdThatIsNotHexBecomesEmptySoThatOnlyItsSpanIsRefused() {
    Span span = OtlpJson.parseExportRequest(Buffer.buffer(
            "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"xyz\"}]}]}]}"))
        .getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(span.getTraceId()).isEmpty();
  }

  @Test
  void writesHexIdsAndNumericEnumsAndKeepsBytesAttributesInBase64() {
    TracesData data = TracesData.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(Span.newBuilder()
            .setTraceId(TraceId.fromHex(TRACE).toBytes())
            .setSpanId(SpanIds.toBytes(SpanIds.fromHex(SPAN)))
            .setKind(Span.SpanKind.SPAN_KIND_CONSUMER)
            .addAttributes(KeyValue.newBuilder().setKey("b").setValue(AnyValue.newBuilder()
                .setBytesValue(ByteString.copyFromUtf8("hi")))))))
        .build();
    JsonObject span = OtlpJson.toJson(data).getJsonArray("resourceSpans").getJsonObject(0)
        .getJsonArray("scopeSpans").getJsonObject(0).getJsonArray("spans").getJsonObject(0);
    assertThat(span.getString("traceId")).isEqualTo(TRACE);
    assertThat(span.getString("spanId")).isEqualTo(SPAN);
    assertThat(span.getInteger("kind")).isEqualTo(5);
    assertThat(span.getJsonArray("attributes").getJsonObject(0).getJsonObject("value")
        .getString("bytesValue")).isEqualTo("aGk=");
    assertThat(OtlpJson.parseTracesData(Buffer.buffer(OtlpJson.toJson(data).encode())))
        .isEqualTo(data);
  }

  @Test
  void malformedJsonIsRefusedWithWhatIsWrong() {
    assertThatThrownBy(() -> OtlpJson.parseExportRequest(Buffer.buffer("[1]")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("malformed OTLP JSON: the body must be an ExportTraceServiceRequest object");
    assertThatThrownBy(() -> OtlpJson.parseExportRequest(Buffer.buffer("{\"resourceSpans\": 3")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("malformed OTLP JSON");
    assertThatThrownBy(() -> OtlpJson.parseExportRequest(
            Buffer.buffer("{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"kind\": {}}]}]}]}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("malformed OTLP JSON");
  }

  @Test
  void everyFieldOfASpanRoundTripsThroughTheOnePassReader() {
    AnyValue nested = AnyValue.newBuilder().setArrayValue(
        io.opentelemetry.proto.common.v1.ArrayValue.newBuilder()
            .addValues(AnyValue.newBuilder().setDoubleValue(1.5))
            .addValues(AnyValue.newBuilder().setBoolValue(true))
            .addValues(AnyValue.newBuilder().setKvlistValue(
                io.opentelemetry.proto.common.v1.KeyValueList.newBuilder().addValues(
                    KeyValue.newBuilder().setKey("k").setValue(
                        AnyValue.newBuilder().setIntValue(Long.MIN_VALUE)))))).build();
    Span span = Span.newBuilder()
        .setTraceId(TraceId.fromHex(TRACE).toBytes())
        .setSpanId(SpanIds.toBytes(SpanIds.fromHex(SPAN)))
        .setParentSpanId(SpanIds.toBytes(SpanIds.fromHex("0000000000000001")))
        .setTraceState("a=b").setFlags(0xFFFF_FFFF).setName("op")
        .setKind(Span.SpanKind.SPAN_KIND_PRODUCER)
        .setStartTimeUnixNano(-1L).setEndTimeUnixNano(Long.MAX_VALUE)
        .addAttributes(KeyValue.newBuilder().setKey("nested").setValue(nested))
        .addAttributes(KeyValue.newBuilder().setKey("b").setValue(
            AnyValue.newBuilder().setBytesValue(ByteString.copyFrom(new byte[] {0, -1, 7}))))
        .setDroppedAttributesCount(3)
        .addEvents(Span.Event.newBuilder().setTimeUnixNano(5).setName("e")
            .addAttributes(KeyValue.newBuilder().setKey("s").setValue(
                AnyValue.newBuilder().setStringValue("\u00e9\n\"x\""))))
        .setDroppedEventsCount(1)
        .addLinks(Span.Link.newBuilder().setTraceId(TraceId.fromHex(TRACE).toBytes())
            .setSpanId(SpanIds.toBytes(SpanIds.fromHex(SPAN))).setTraceState("c=d").setFlags(1))
        .setDroppedLinksCount(2)
        .setStatus(io.opentelemetry.proto.trace.v1.Status.newBuilder().setMessage("bad")
            .setCode(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR))
        .build();
    TracesData data = TracesData.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder()
            .addAttributes(KeyValue.newBuilder().setKey("service.name")
                .setValue(AnyValue.newBuilder().setStringValue("svc"))))
        .setSchemaUrl("https://schema")
        .addScopeSpans(ScopeSpans.newBuilder()
            .setScope(io.opentelemetry.proto.common.v1.InstrumentationScope.newBuilder()
                .setName("lib").setVersion("1"))
            .addSpans(span)))
        .build();
    assertThat(OtlpJson.parseTracesData(Buffer.buffer(OtlpJson.toJson(data).encode())))
        .isEqualTo(data);
  }

  @Test
  void numbersMayBeStringsAndNullsAndUnknownEnumNamesAreDefaults() {
    Span span = OtlpJson.parseExportRequest(("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":"
            + "[{\"startTimeUnixNano\":\"1700000000000000000\",\"endTimeUnixNano\":1.7e18,"
            + "\"name\":null,\"kind\":\"SPAN_KIND_NOT_A_KIND\",\"flags\":\"4294967295\","
            + "\"unknown\":{\"deep\":[1,{\"x\":[]}]}}]}]}]}").getBytes())
        .getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(span.getStartTimeUnixNano()).isEqualTo(1_700_000_000_000_000_000L);
    assertThat(span.getEndTimeUnixNano()).isEqualTo(1_700_000_000_000_000_000L);
    assertThat(span.getName()).isEmpty();
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_UNSPECIFIED);
    assertThat(span.getFlags()).isEqualTo(-1);
  }

  @Test
  void overDeepOrOutOfRangeValuesAreRefusedWithWhatIsWrong() {
    String deep = "{\"arrayValue\":{\"values\":[".repeat(60) + "{}" + "]}}".repeat(60);
    assertThatThrownBy(() -> OtlpJson.parseExportRequest(("{\"resourceSpans\":[{\"resource\":"
            + "{\"attributes\":[{\"key\":\"k\",\"value\":" + deep + "}]}}]}").getBytes()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("levels deep");
    assertThatThrownBy(() -> OtlpJson.parseExportRequest(("{\"resourceSpans\":[{\"scopeSpans\":"
            + "[{\"spans\":[{\"droppedLinksCount\":4294967296}]}]}]}").getBytes()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
    assertThatThrownBy(() -> OtlpJson.parseExportRequest("{} {}".getBytes()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after the object");
  }

  /**
   * Found by OtlpJsonFuzzTest: an event time of "170000000021391e99961677" hung the decoding
   * thread (BigDecimal.toBigIntegerExact of a 100-million-digit number, in protobuf's JsonFormat
   * and then in the one-pass reader, where a bare 1e99999999 did too). Every integer field with
   * such a value is refused at once. (The bound is a hang detector: before the fix each of these
   * ran for minutes.)
   */
  @Test
  void anIntegerFieldWithAHugeExponentIsRefusedAtOnce() {
    String[] spans = {
        "{\"events\": [{\"timeUnixNano\": \"170000000021391e99961677\"}]}",
        "{\"startTimeUnixNano\": \"1e99999999\"}",
        "{\"startTimeUnixNano\": 1e99999999}",
        "{\"end_time_unix_nano\": \"1E+99999999\"}",
        "{\"flags\": \"1e999999\"}",
        "{\"droppedAttributesCount\": \"1e999999\"}",
        "{\"links\": [{\"droppedAttributesCount\": \"1e999999\"}]}",
        "{\"attributes\": [{\"key\": \"k\", \"value\": {\"intValue\": \"1e999999\"}}]}",
        "{\"startTimeUnixNano\": \"" + "1".repeat(100_000) + "\"}"};
    for (String span : spans) {
      String body = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[" + span + "]}]}]}";
      org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
          () -> assertThatThrownBy(() -> OtlpJson.parseExportRequest(Buffer.buffer(body)))
              .as(span).isInstanceOf(IllegalArgumentException.class)
              .hasMessageContaining("must be an integer"));
    }
  }

  @Test
  void integerFieldsInAnyFormProtobufAcceptsStillParse() {
    Span span = OtlpJson.parseExportRequest(Buffer.buffer("""
        {"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano": "1700000000000000001",
         "endTimeUnixNano": "1.7e18", "flags": 769,
         "events": [{"timeUnixNano": 1700000000000000002}]}]}]}]}"""))
        .getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(span.getStartTimeUnixNano()).isEqualTo(1_700_000_000_000_000_001L);
    assertThat(span.getEndTimeUnixNano()).isEqualTo(1_700_000_000_000_000_000L);
    assertThat(span.getFlags()).isEqualTo(769);
    assertThat(span.getEvents(0).getTimeUnixNano()).isEqualTo(1_700_000_000_000_000_002L);
  }
}
