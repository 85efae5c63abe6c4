package io.meshtrace.collector;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

/** Hand-built OTLP requests for tests of limits and refusals. */
public final class OtlpPayloads {
  private OtlpPayloads() {}

  public static ByteString randomTraceId() {
    byte[] id = new byte[16];
    ThreadLocalRandom.current().nextBytes(id);
    id[0] |= 1;
    return ByteString.copyFrom(id);
  }

  public static long nowNanos() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now()) * 1000;
  }

  public static Span span(ByteString traceId, int index) {
    long start = nowNanos();
    return Span.newBuilder()
        .setTraceId(traceId)
        .setSpanId(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, (byte) (index >> 8),
            (byte) (index + 1)}))
        .setName("op-" + index)
        .setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano(start)
        .setEndTimeUnixNano(start + 1_000_000)
        .addAttributes(KeyValue.newBuilder().setKey("i")
            .setValue(AnyValue.newBuilder().setIntValue(index)))
        .build();
  }

  /** One trace of {@code spans} spans from service {@code service}. */
  public static ExportTraceServiceRequest trace(ByteString traceId, int spans, String service) {
    return trace(traceId, spans, service, UnaryOperator.identity());
  }

  public static ExportTraceServiceRequest trace(ByteString traceId, int spans, String service,
      UnaryOperator<Span> change) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = 0; i < spans; i++) {
      scope.addSpans(change.apply(span(traceId, i)));
    }
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
            .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder()
                .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue(service))))
            .addScopeSpans(scope))
        .build();
  }
}
