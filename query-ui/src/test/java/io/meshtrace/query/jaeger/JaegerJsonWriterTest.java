package io.meshtrace.query.jaeger;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshtrace.query.HttpResponses;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class JaegerJsonWriterTest {
  static KeyValue attr(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  static AnyValue str(String value) {
    return AnyValue.newBuilder().setStringValue(value).build();
  }

  static String envelope(List<ResourceSpans> trace) {
    return HttpResponses.json(json -> {
      json.writeStartObject();
      json.writeArrayFieldStart("data");
      JaegerJsonWriter.writeTrace(json, trace);
      json.writeEndArray();
      json.writeNumberField("total", 0);
      json.writeNumberField("limit", 0);
      json.writeNumberField("offset", 0);
      json.writeNullField("errors");
      json.writeEndObject();
    }).toString();
  }

  /**
   * Jaeger's own fixture: the v1 JSON its query service writes for an OTLP trace of
   * telemetrygen spans (two identical spans); the OTLP input is rebuilt from what the fixture
   * shows.
   */
  @Test
  void matchesJaegersOwnOtlpToJaegerOutput() throws Exception {
    Path fixture = Path.of(System.getProperty("meshtrace.fixtures"), "jaeger",
        "jaeger_otlp2jaeger-out.json");
    long start = 1706678909209712L * 1000;
    Span span = Span.newBuilder()
        .setTraceId(ByteString.fromHex("83a9efd15c1c98a977e0711cc93ee28b"))
        .setSpanId(ByteString.fromHex("e127af99e3b3e074"))
        .setParentSpanId(ByteString.fromHex("909541b92cf05311"))
        .setName("okey-dokey-0")
        .setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano(start)
        .setEndTimeUnixNano(start + 123_000)
        .addAttributes(attr("net.peer.ip", str("1.2.3.4")))
        .addAttributes(attr("peer.service", str("telemetrygen-client")))
        .build();
    ResourceSpans trace = ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(attr("service.name", str("telemetrygen"))))
        .addScopeSpans(ScopeSpans.newBuilder()
            .setScope(InstrumentationScope.newBuilder().setName("telemetrygen"))
            .addSpans(span).addSpans(span))
        .build();

    assertThat(new JsonObject(envelope(List.of(trace))))
        .isEqualTo(new JsonObject(Files.readString(fixture)));
  }

  @Test
  void typesTagsLinksEventsAndStatusLikeJaeger() {
    Span span = Span.newBuilder()
        .setTraceId(ByteString.fromHex("0000000000000000000000000000abcd"))
        .setSpanId(ByteString.fromHex("0000000000000002"))
        .setName("op")
        .setKind(Span.SpanKind.SPAN_KIND_UNSPECIFIED)
        .setStartTimeUnixNano(1_000_000_000L)
        .setEndTimeUnixNano(1_000_005_500L)
        .setTraceState("vendor=x")
        .addAttributes(attr("flag", AnyValue.newBuilder().setBoolValue(false).build()))
        .addAttributes(attr("count", AnyValue.newBuilder().setIntValue(42).build()))
        .addAttributes(attr("huge", AnyValue.newBuilder().setIntValue(9223372036854775222L).build()))
        .addAttributes(attr("ratio", AnyValue.newBuilder().setDoubleValue(72.5).build()))
        .addAttributes(attr("blob", AnyValue.newBuilder()
            .setBytesValue(ByteString.copyFrom(new byte[] {0, 0, 48, 57})).build()))
        .addAttributes(attr("list", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
            .addValues(str("a")).addValues(AnyValue.newBuilder().setIntValue(1))).build()))
        .addLinks(Span.Link.newBuilder().setTraceId(ByteString.fromHex("00000000000000ff00000000000000ff"))
            .setSpanId(ByteString.fromHex("00000000000000ff")))
        .addEvents(Span.Event.newBuilder().setName("exception").setTimeUnixNano(1_000_002_000L)
            .addAttributes(attr("exception.message", str("boom"))))
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("bad"))
        .build();
    ResourceSpans trace = ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(attr("host.name", str("node-1"))))
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span)).build();

    JsonObject written = new JsonObject(envelope(List.of(trace)))
        .getJsonArray("data").getJsonObject(0);
    assertThat(written).isEqualTo(new JsonObject("""
        {"traceID": "000000000000abcd",
         "spans": [{
           "traceID": "000000000000abcd", "spanID": "0000000000000002", "operationName": "op",
           "references": [{"refType": "FOLLOWS_FROM", "traceID": "00000000000000ff00000000000000ff",
                           "spanID": "00000000000000ff"}],
           "startTime": 1000000, "duration": 5,
           "tags": [
             {"key": "flag", "type": "bool", "value": false},
             {"key": "count", "type": "int64", "value": 42},
             {"key": "huge", "type": "int64", "value": "9223372036854775222"},
             {"key": "ratio", "type": "float64", "value": 72.5},
             {"key": "blob", "type": "binary", "value": "AAAwOQ=="},
             {"key": "list", "type": "string", "value": "[\\"a\\",1]"},
             {"key": "otel.status_code", "type": "string", "value": "ERROR"},
             {"key": "error", "type": "bool", "value": true},
             {"key": "otel.status_description", "type": "string", "value": "bad"},
             {"key": "w3c.tracestate", "type": "string", "value": "vendor=x"}],
           "logs": [{"timestamp": 1000002, "fields": [
             {"key": "event", "type": "string", "value": "exception"},
             {"key": "exception.message", "type": "string", "value": "boom"}]}],
           "processID": "p1", "warnings": null}],
         "processes": {"p1": {"serviceName": "OTLPResourceNoServiceName",
                              "tags": [{"key": "host.name", "type": "string", "value": "node-1"}]}},
         "warnings": null}
        """));
  }

  /**
   * Found by HttpApisFuzzTest: an OTLP JSON span linking to a trace ID that is not hex (empty
   * bytes once decoded) was stored, and every search that found its trace answered 500. The
   * link is left out; the span and its good links are written.
   */
  @Test
  void aLinkWhoseIdsAreNotIdsIsLeftOut() throws Exception {
    ByteString trace = ByteString.fromHex("83a9efd15c1c98a977e0711cc93ee28b");
    Span span = Span.newBuilder().setTraceId(trace)
        .setSpanId(ByteString.fromHex("e127af99e3b3e074")).setName("linked")
        .setStartTimeUnixNano(1_706_678_909_209_712_000L)
        .setEndTimeUnixNano(1_706_678_909_209_812_000L)
        .addLinks(Span.Link.newBuilder().setSpanId(ByteString.fromHex("909541b92cf05311")))
        .addLinks(Span.Link.newBuilder().setTraceId(trace).setSpanId(ByteString.fromHex("0102")))
        .addLinks(Span.Link.newBuilder().setTraceId(trace)
            .setSpanId(ByteString.fromHex("909541b92cf05311")))
        .build();
    ResourceSpans resource = ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder()
            .addAttributes(attr("service.name", str("svc"))))
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))
        .build();
    JsonObject written = new JsonObject(
        envelope(List.of(resource)));
    io.vertx.core.json.JsonArray references = written.getJsonArray("data").getJsonObject(0)
        .getJsonArray("spans").getJsonObject(0).getJsonArray("references");
    assertThat(references).hasSize(1);
    assertThat(references.getJsonObject(0).getString("spanID")).isEqualTo("909541b92cf05311");
  }
}
