package io.meshtrace.storage.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceUnionTest {
  static final ByteString TRACE = ByteString.fromHex("0af7651916cd43dd8448eb211c80319c");

  static Span span(int id, long start, Span.SpanKind kind) {
    return Span.newBuilder().setTraceId(TRACE)
        .setSpanId(ByteString.fromHex(String.format("%016x", id))).setName("op-" + id)
        .setKind(kind).setStartTimeUnixNano(start).setEndTimeUnixNano(start + 10).build();
  }

  static ResourceSpans source(String service, String scope, Span... spans) {
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder()
            .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue(service))))
        .addScopeSpans(ScopeSpans.newBuilder()
            .setScope(InstrumentationScope.newBuilder().setName(scope)).addAllSpans(List.of(spans)))
        .build();
  }

  @Test
  void keepsASpanBothHoldOnceAndAddsTheOthersInStartOrder() {
    Span root = span(1, 100, Span.SpanKind.SPAN_KIND_SERVER);
    Span early = span(2, 50, Span.SpanKind.SPAN_KIND_CLIENT);
    Span late = span(3, 300, Span.SpanKind.SPAN_KIND_CLIENT);
    List<ResourceSpans> union = TraceUnion.of(List.of(source("a", "s", root, late)),
        List.of(source("a", "s", early, root)));
    assertThat(union).containsExactly(source("a", "s", early, root, late));
    assertThat(TraceUnion.spanCount(union)).isEqualTo(3);
  }

  @Test
  void aSharedSpansHalvesDifferInKindAndAreBothKept() {
    Span client = span(7, 100, Span.SpanKind.SPAN_KIND_CLIENT);
    Span server = span(7, 100, Span.SpanKind.SPAN_KIND_SERVER);
    List<ResourceSpans> union = TraceUnion.of(List.of(source("a", "s", client)),
        List.of(source("a", "s", server)));
    assertThat(TraceUnion.spanCount(union)).isEqualTo(2);
  }

  @Test
  void theSameSpanUnderAnotherResourceOrScopeIsAnotherSpan() {
    Span span = span(1, 100, Span.SpanKind.SPAN_KIND_SERVER);
    List<ResourceSpans> union = TraceUnion.of(List.of(source("a", "s", span)),
        List.of(source("b", "s", span), source("a", "t", span)));
    assertThat(union).containsExactly(source("a", "s", span), source("b", "s", span),
        source("a", "t", span));
  }

  @Test
  void anEmptySideGivesTheOther() {
    List<ResourceSpans> trace = List.of(source("a", "s", span(1, 1, Span.SpanKind.SPAN_KIND_SERVER)));
    assertThat(TraceUnion.of(trace, List.of())).isSameAs(trace);
    assertThat(TraceUnion.of(List.of(), trace)).isSameAs(trace);
  }
}
