package io.meshtrace.zipkin.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.List;
import org.junit.jupiter.api.Test;
import zipkin2.Endpoint;

/** Each row of the mapping table in this module's README. */
class ZipkinToOtlpTest {
  static KeyValue string(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  static KeyValue integer(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value))
        .build();
  }

  static KeyValue bool(String key) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setBoolValue(true))
        .build();
  }

  @Test
  void translatesEveryZipkinField() {
    zipkin2.Span zipkin = zipkin2.Span.newBuilder()
        .traceId("463ac35c9f6413ad").parentId("1").id("2")
        .kind(zipkin2.Span.Kind.SERVER) // zipkin2 keeps "shared" on server spans only
        .name("get /api")
        .timestamp(1_700_000_000_000_001L).duration(250)
        .localEndpoint(Endpoint.newBuilder().serviceName("frontend").ip("10.0.0.1")
            .ip("2001:db8::1").port(8080).build())
        .remoteEndpoint(Endpoint.newBuilder().serviceName("backend").ip("2001:db8::2").port(9000)
            .build())
        .addAnnotation(1_700_000_000_000_010L, "ws")
        .putTag("http.method", "GET")
        .putTag("error", "timeout")
        .shared(true)
        .debug(true)
        .build();

    List<ResourceSpans> otlp = ZipkinToOtlp.translate(List.of(zipkin), 0);

    assertThat(otlp).containsExactly(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder()
            .addAttributes(string("service.name", "frontend"))
            .addAttributes(string("network.local.address", "10.0.0.1"))
            .addAttributes(string("zipkin.local_endpoint.ipv6", "2001:db8::1"))
            .addAttributes(integer("network.local.port", 8080)))
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(Span.newBuilder()
            .setTraceId(ByteString.fromHex("0000000000000000463ac35c9f6413ad"))
            .setSpanId(ByteString.fromHex("0000000000000002"))
            .setParentSpanId(ByteString.fromHex("0000000000000001"))
            .setName("get /api")
            .setKind(Span.SpanKind.SPAN_KIND_SERVER)
            .setStartTimeUnixNano(1_700_000_000_000_001_000L)
            .setEndTimeUnixNano(1_700_000_000_000_251_000L)
            .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
                .setMessage("timeout"))
            .addAttributes(string("http.method", "GET"))
            .addAttributes(string("peer.service", "backend"))
            .addAttributes(string("network.peer.address", "2001:db8::2"))
            .addAttributes(integer("network.peer.port", 9000))
            .addAttributes(bool("zipkin.shared"))
            .addAttributes(bool("zipkin.debug"))
            .addEvents(Span.Event.newBuilder().setName("ws")
                .setTimeUnixNano(1_700_000_000_000_010_000L))))
        .build());
  }

  @Test
  void aSpanWithoutKindIsInternalAndWithoutDurationHasNoEnd() {
    zipkin2.Span zipkin = zipkin2.Span.newBuilder().traceId("a").id("b").timestamp(5).build();
    Span span = ZipkinToOtlp.translate(List.of(zipkin), 0).get(0).getScopeSpans(0).getSpans(0);
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_INTERNAL);
    assertThat(span.getName()).isEmpty();
    assertThat(span.getEndTimeUnixNano()).isZero();
    assertThat(span.getParentSpanId()).isEmpty();
  }

  @Test
  void aSpanWithoutTimestampStartsAtItsFirstAnnotationElseWhenReceived() {
    zipkin2.Span annotated = zipkin2.Span.newBuilder().traceId("a").id("b")
        .addAnnotation(700, "cs").addAnnotation(600, "sr").build();
    zipkin2.Span bare = zipkin2.Span.newBuilder().traceId("a").id("c").build();
    List<ResourceSpans> otlp = ZipkinToOtlp.translate(List.of(annotated, bare), 999);
    assertThat(otlp.get(0).getScopeSpans(0).getSpans(0).getStartTimeUnixNano()).isEqualTo(600_000);
    assertThat(otlp.get(0).getScopeSpans(0).getSpans(1).getStartTimeUnixNano()).isEqualTo(999_000);
  }

  @Test
  void groupsSpansByLocalEndpointInOrderOfFirstAppearance() {
    Endpoint a = Endpoint.newBuilder().serviceName("a").build();
    Endpoint b = Endpoint.newBuilder().serviceName("b").build();
    List<ResourceSpans> otlp = ZipkinToOtlp.translate(List.of(
        zipkin2.Span.newBuilder().traceId("1").id("1").timestamp(1).localEndpoint(b).build(),
        zipkin2.Span.newBuilder().traceId("1").id("2").timestamp(1).localEndpoint(a).build(),
        zipkin2.Span.newBuilder().traceId("1").id("3").timestamp(1).localEndpoint(b).build(),
        zipkin2.Span.newBuilder().traceId("1").id("4").timestamp(1).build()), 0);
    assertThat(otlp).hasSize(3);
    assertThat(otlp.get(0).getResource().getAttributes(0).getValue().getStringValue()).isEqualTo("b");
    assertThat(otlp.get(0).getScopeSpans(0).getSpansCount()).isEqualTo(2);
    assertThat(otlp.get(1).getResource().getAttributes(0).getValue().getStringValue()).isEqualTo("a");
    assertThat(otlp.get(2).getResource().getAttributesCount()).isZero();
  }

  @Test
  void an128BitTraceIdIsKeptWhole() {
    zipkin2.Span zipkin = zipkin2.Span.newBuilder().traceId("5b8efff798038103d269b633813fc60c")
        .id("1").timestamp(1).build();
    assertThat(ZipkinToOtlp.translate(List.of(zipkin), 0).get(0).getScopeSpans(0).getSpans(0)
        .getTraceId()).isEqualTo(ByteString.fromHex("5b8efff798038103d269b633813fc60c"));
  }
}
