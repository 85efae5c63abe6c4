package io.meshtrace.zipkin.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import zipkin2.codec.SpanBytesEncoder;

/** Spans that arrived over OTLP, read through the Zipkin API. */
class OtlpToZipkinTest {
  static KeyValue attr(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  @Test
  void followsOpenTelemetrysZipkinExporterRules() {
    Span span = Span.newBuilder()
        .setTraceId(ByteString.fromHex("5b8efff798038103d269b633813fc60c"))
        .setSpanId(ByteString.fromHex("eee19b7ec3c1b174"))
        .setParentSpanId(ByteString.fromHex("eee19b7ec3c1b173"))
        .setName("GET /cart")
        .setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano(1_700_000_000_000_000_123L)
        .setEndTimeUnixNano(1_700_000_000_000_000_600L) // 477 ns: rounds up to 1 µs
        .addAttributes(attr("http.response.status_code", AnyValue.newBuilder().setIntValue(200).build()))
        .addAttributes(attr("cache.hit", AnyValue.newBuilder().setBoolValue(true).build()))
        .addAttributes(attr("peer.service", AnyValue.newBuilder().setStringValue("cart-db").build()))
        .addEvents(Span.Event.newBuilder().setName("cache miss").setTimeUnixNano(1_700_000_000_000_000_500L)
            .addAttributes(attr("key", AnyValue.newBuilder().setStringValue("u:1").build())))
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK))
        .build();
    ResourceSpans trace = ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder()
            .addAttributes(attr("service.name", AnyValue.newBuilder().setStringValue("cart").build()))
            .addAttributes(attr("telemetry.sdk.language", AnyValue.newBuilder().setStringValue("java").build())))
        .addScopeSpans(ScopeSpans.newBuilder()
            .setScope(InstrumentationScope.newBuilder().setName("io.opentelemetry.vertx").setVersion("2.1"))
            .addSpans(span))
        .build();

    List<zipkin2.Span> zipkin = OtlpToZipkin.translate(List.of(trace));

    assertThat(new String(SpanBytesEncoder.JSON_V2.encodeList(zipkin), StandardCharsets.UTF_8))
        .isEqualTo("[{\"traceId\":\"5b8efff798038103d269b633813fc60c\","
            + "\"parentId\":\"eee19b7ec3c1b173\",\"id\":\"eee19b7ec3c1b174\",\"kind\":\"SERVER\","
            + "\"name\":\"get /cart\",\"timestamp\":1700000000000000,\"duration\":1,"
            + "\"localEndpoint\":{\"serviceName\":\"cart\"},"
            + "\"remoteEndpoint\":{\"serviceName\":\"cart-db\"},"
            + "\"annotations\":[{\"timestamp\":1700000000000000,"
            + "\"value\":\"\\\"cache miss\\\":{\\\"key\\\":\\\"u:1\\\"}\"}],"
            + "\"tags\":{\"cache.hit\":\"true\",\"http.response.status_code\":\"200\","
            + "\"otel.scope.name\":\"io.opentelemetry.vertx\",\"otel.scope.version\":\"2.1\","
            + "\"otel.status_code\":\"OK\"}}]");
  }
}
