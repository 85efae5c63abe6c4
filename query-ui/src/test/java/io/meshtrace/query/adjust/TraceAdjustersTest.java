package io.meshtrace.query.adjust;

import static io.meshtrace.query.adjust.Spans.host;
import static io.meshtrace.query.adjust.Spans.on;
import static io.meshtrace.query.adjust.Spans.span;
import static io.meshtrace.query.adjust.Spans.trace;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.model.TraceSpans;
import io.meshtrace.model.ZipkinAttributes;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TraceAdjustersTest {
  @Test
  void spanOrderIsStartTimeThenUnsignedSpanId() {
    TraceSpans trace = trace(
        on(host("a", null), span(-1L, null, Span.SpanKind.SPAN_KIND_SERVER, 5, 1)),
        on(host("a", null), span(9, null, Span.SpanKind.SPAN_KIND_SERVER, 5, 1)),
        on(host("b", null), span(3, null, Span.SpanKind.SPAN_KIND_SERVER, 1, 1)));
    assertThat(new SpanOrder().adjust(trace).spans()).extracting(Spans::id)
        .containsExactly(3L, 9L, -1L);
  }

  @Test
  void aZipkinSpanWithoutTimestampGetsAWarningInsteadOfItsMarker() {
    Span untimed = span(1, null, Span.SpanKind.SPAN_KIND_SERVER, 5, 10).toBuilder()
        .addAttributes(KeyValue.newBuilder()
            .setKey(ZipkinAttributes.TIMESTAMP_ABSENT)
            .setValue(AnyValue.newBuilder().setBoolValue(true)))
        .build();
    Span timed = span(2, 1L, Span.SpanKind.SPAN_KIND_CLIENT, 6, 1);
    TraceSpans adjusted = TraceAdjusters.standard(Duration.ZERO)
        .adjust(trace(on(host("a", null), untimed), on(host("a", null), timed)));
    assertThat(adjusted.spans().get(0).span().getAttributesList())
        .extracting(KeyValue::getKey)
        .containsExactly(SpanWarnings.ATTRIBUTE);
    assertThat(SpanWarnings.of(adjusted.spans().get(0).span()))
        .containsExactly(ZipkinTimestampWarning.WARNING);
    assertThat(adjusted.spans().get(1).span()).isEqualTo(timed);
  }

  @Test
  void standardChainUniquifiesThenCorrectsSkewThenSorts() {
    // A Zipkin shared pair across two hosts whose server half claims to start early.
    TraceSpans trace = trace(
        on(host("edge", "node-a"), span(7, null, Span.SpanKind.SPAN_KIND_CLIENT, 1_000, 1_000)),
        on(host("backend", "node-b"), span(7, null, Span.SpanKind.SPAN_KIND_SERVER, 500, 600)));
    TraceSpans adjusted = TraceAdjusters.standard(Duration.ofSeconds(1)).adjust(trace);
    // Unique IDs let clock skew find the parent; the shifted server half now sorts second.
    assertThat(adjusted.spans()).extracting(Spans::id).containsExactly(7L, 1L);
    assertThat(adjusted.spans()).extracting(Spans::startMicros).containsExactly(1_000L, 1_200L);
    assertThat(SpanWarnings.of(adjusted.spans().get(1).span()))
        .containsExactly("This span's timestamps were adjusted by 700µs");
  }
}
