package io.meshtrace.query.adjust;

import io.meshtrace.model.SpanIds;
import io.meshtrace.model.TraceId;
import io.meshtrace.model.TraceSpans;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;

/** Small builders for adjuster tests: times in microseconds, IDs as longs. */
final class Spans {
  static final TraceId TRACE = TraceId.fromHex("00000000000000000000000000000abc");

  private Spans() {}

  static Resource host(String service, String hostName) {
    Resource.Builder resource = Resource.newBuilder().addAttributes(KeyValue.newBuilder()
        .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue(service)));
    if (hostName != null) {
      resource.addAttributes(KeyValue.newBuilder().setKey("host.name")
          .setValue(AnyValue.newBuilder().setStringValue(hostName)));
    }
    return resource.build();
  }

  static Span span(long id, Long parent, Span.SpanKind kind, long startMicros, long durationMicros) {
    Span.Builder span = Span.newBuilder().setTraceId(TRACE.toBytes()).setSpanId(SpanIds.toBytes(id))
        .setName("op-" + id).setKind(kind)
        .setStartTimeUnixNano(startMicros * 1000)
        .setEndTimeUnixNano((startMicros + durationMicros) * 1000);
    if (parent != null) {
      span.setParentSpanId(SpanIds.toBytes(parent));
    }
    return span.build();
  }

  static TraceSpans.Entry on(Resource resource, Span span) {
    return new TraceSpans.Entry(span, resource, InstrumentationScope.getDefaultInstance());
  }

  static TraceSpans trace(TraceSpans.Entry... entries) {
    return new TraceSpans(List.of(entries));
  }

  static long id(TraceSpans.Entry entry) {
    return SpanIds.fromBytes(entry.span().getSpanId());
  }

  static Long parent(TraceSpans.Entry entry) {
    return entry.span().getParentSpanId().isEmpty() ? null
        : SpanIds.fromBytes(entry.span().getParentSpanId());
  }

  static long startMicros(TraceSpans.Entry entry) {
    return entry.span().getStartTimeUnixNano() / 1000;
  }
}
