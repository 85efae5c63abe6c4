package io.meshtrace.examples.generator;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import zipkin2.codec.SpanBytesDecoder;
import zipkin2.codec.SpanBytesEncoder;

class EncodingTest {
  final List<GeneratedTrace> traces = TraceGeneratorTest.traces(
      new WorkloadOptions(8, 4, 3, 0.5, 0.1, 9), 20);
  final List<GeneratedSpan> spans = traces.stream().flatMap(t -> t.spans().stream()).toList();

  @Test
  void zipkinJsonAndProto3RoundTrip() {
    List<zipkin2.Span> zipkin = ZipkinSpans.of(traces);
    assertThat(SpanBytesDecoder.JSON_V2.decodeList(SpanBytesEncoder.JSON_V2.encodeList(zipkin)))
        .isEqualTo(zipkin);
    assertThat(SpanBytesDecoder.PROTO3.decodeList(SpanBytesEncoder.PROTO3.encodeList(zipkin)))
        .isEqualTo(zipkin);
    for (int i = 0; i < spans.size(); i++) {
      GeneratedSpan span = spans.get(i);
      zipkin2.Span encoded = zipkin.get(i);
      assertThat(encoded.id()).isEqualTo(span.spanId());
      assertThat(encoded.parentId()).isEqualTo(span.parentId());
      assertThat(encoded.localServiceName()).isEqualTo(span.service());
      assertThat(encoded.timestampAsLong()).isEqualTo(span.startMicros());
      assertThat(encoded.tags()).containsAllEntriesOf(span.tags());
      assertThat(encoded.tags().containsKey("error")).isEqualTo(span.error());
    }
  }

  @Test
  void otlpGroupsSpansByServiceAndMarksErrorsInTheStatus() {
    ExportTraceServiceRequest request = OtlpSpans.of(traces);
    assertThat(request.getResourceSpansList().stream()
        .mapToInt(r -> r.getScopeSpansList().stream().mapToInt(s -> s.getSpansCount()).sum())
        .sum()).isEqualTo(spans.size());
    for (ResourceSpans resource : request.getResourceSpansList()) {
      String service = resource.getResource().getAttributes(0).getValue().getStringValue();
      for (var scope : resource.getScopeSpansList()) {
        for (Span span : scope.getSpansList()) {
          GeneratedSpan generated = spans.stream().filter(s -> s.spanId().equals(
              HexFormat.of().formatHex(span.getSpanId().toByteArray()))).findFirst().orElseThrow();
          assertThat(generated.service()).isEqualTo(service);
          assertThat(scope.getScope().getName()).isEqualTo(generated.instrumentation());
          assertThat(span.getStartTimeUnixNano()).isEqualTo(generated.startMicros() * 1000);
          assertThat(span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR)
              .isEqualTo(generated.error());
          assertThat(span.getParentSpanId().isEmpty()).isEqualTo(generated.parentId() == null);
        }
      }
    }
  }
}
