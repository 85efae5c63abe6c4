package io.meshtrace.query.adjust;

import static io.meshtrace.query.adjust.Spans.host;
import static io.meshtrace.query.adjust.Spans.id;
import static io.meshtrace.query.adjust.Spans.on;
import static io.meshtrace.query.adjust.Spans.parent;
import static io.meshtrace.query.adjust.Spans.span;
import static io.meshtrace.query.adjust.Spans.trace;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.model.TraceSpans;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;

class SharedSpanIdUniquifierTest {
  final Resource edge = host("edge", null);
  final Resource backend = host("backend", null);
  final SharedSpanIdUniquifier uniquifier = new SharedSpanIdUniquifier();

  @Test
  void serverHalfOfASharedSpanGetsTheLowestFreeIdAndBecomesTheClientsChild() {
    TraceSpans adjusted = uniquifier.adjust(trace(
        on(edge, span(1, null, Span.SpanKind.SPAN_KIND_SERVER, 0, 100)),
        on(edge, span(7, 1L, Span.SpanKind.SPAN_KIND_CLIENT, 10, 80)),
        on(backend, span(7, 1L, Span.SpanKind.SPAN_KIND_SERVER, 20, 60)),
        // The server half's own work names the shared ID as its parent.
        on(backend, span(3, 7L, Span.SpanKind.SPAN_KIND_CLIENT, 30, 10))));

    // 1 is taken, so the server half becomes 2, child of the client half 7.
    assertThat(adjusted.spans()).extracting(Spans::id).containsExactly(1L, 7L, 2L, 3L);
    assertThat(adjusted.spans()).extracting(Spans::parent).containsExactly(null, 1L, 7L, 2L);
  }

  @Test
  void withoutAClientHalfNothingChanges() {
    TraceSpans trace = trace(
        on(edge, span(1, null, Span.SpanKind.SPAN_KIND_SERVER, 0, 100)),
        on(backend, span(2, 1L, Span.SpanKind.SPAN_KIND_SERVER, 20, 60)),
        // Same ID, but neither is a client span: not a Zipkin shared pair.
        on(backend, span(2, 1L, Span.SpanKind.SPAN_KIND_INTERNAL, 20, 60)));
    assertThat(uniquifier.adjust(trace)).isEqualTo(trace);
  }

  @Test
  void severalSharedPairsGetDistinctIds() {
    TraceSpans adjusted = uniquifier.adjust(trace(
        on(edge, span(5, null, Span.SpanKind.SPAN_KIND_CLIENT, 0, 100)),
        on(backend, span(5, null, Span.SpanKind.SPAN_KIND_SERVER, 1, 90)),
        on(backend, span(6, 5L, Span.SpanKind.SPAN_KIND_CLIENT, 2, 50)),
        on(edge, span(6, 5L, Span.SpanKind.SPAN_KIND_SERVER, 3, 40))));
    assertThat(adjusted.spans()).extracting(Spans::id).containsExactly(5L, 1L, 6L, 2L);
    // The client 6 was called by the server half of 5, which is now span 1.
    assertThat(adjusted.spans()).extracting(Spans::parent).containsExactly(null, 5L, 1L, 6L);
    assertThat(id(adjusted.spans().get(1))).isNotEqualTo(id(adjusted.spans().get(0)));
    assertThat(parent(adjusted.spans().get(3))).isEqualTo(6L);
  }
}
