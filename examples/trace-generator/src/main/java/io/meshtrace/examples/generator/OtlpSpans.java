package io.meshtrace.examples.generator;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generated spans as one OTLP export request: a resource per service, a scope per
 * instrumentation (Envoy, JDBC, ...), as an OpenTelemetry collector in the mesh would send them.
 */
public final class OtlpSpans {
  private static final HexFormat HEX = HexFormat.of();

  private OtlpSpans() {}

  public static ExportTraceServiceRequest of(List<GeneratedTrace> traces) {
    Map<String, Map<String, ScopeSpans.Builder>> byService = new LinkedHashMap<>();
    Map<String, String> ipOf = new LinkedHashMap<>();
    for (GeneratedTrace trace : traces) {
      for (GeneratedSpan span : trace.spans()) {
        ipOf.putIfAbsent(span.service(), span.localIp());
        byService.computeIfAbsent(span.service(), s -> new LinkedHashMap<>())
            .computeIfAbsent(span.instrumentation(), scope -> ScopeSpans.newBuilder()
                .setScope(InstrumentationScope.newBuilder().setName(scope)))
            .addSpans(of(span));
      }
    }
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    for (Map.Entry<String, Map<String, ScopeSpans.Builder>> service : byService.entrySet()) {
      ResourceSpans.Builder resource = ResourceSpans.newBuilder().setResource(Resource.newBuilder()
          .addAttributes(attribute("service.name", service.getKey()))
          .addAttributes(attribute("k8s.namespace.name", Topology.NAMESPACE))
          .addAttributes(attribute("host.ip", ipOf.get(service.getKey()))));
      for (ScopeSpans.Builder scope : service.getValue().values()) {
        resource.addScopeSpans(scope);
      }
      request.addResourceSpans(resource);
    }
    return request.build();
  }

  /**
   * Fails when an OTLP export answer (HTTP or gRPC, the same message) reports rejected spans or
   * is not an answer at all: a 2xx/OK alone does not mean every span was kept.
   *
   * @param request what was sent where, for the message ("POST http://...")
   */
  static void checkPartialSuccess(byte[] answer, String request, int retry)
      throws SendFailure {
    ExportTraceServiceResponse response;
    try {
      response = ExportTraceServiceResponse.parseFrom(answer);
    } catch (InvalidProtocolBufferException e) {
      throw new SendFailure(request + " answered with a body that is not an OTLP "
          + "ExportTraceServiceResponse: " + e.getMessage(), retry);
    }
    if (response.hasPartialSuccess() && response.getPartialSuccess().getRejectedSpans() > 0) {
      throw new SendFailure(request + " rejected "
          + response.getPartialSuccess().getRejectedSpans() + " spans: "
          + response.getPartialSuccess().getErrorMessage(), retry);
    }
  }

  static Span of(GeneratedSpan span) {
    Span.Builder builder = Span.newBuilder()
        .setTraceId(ByteString.copyFrom(HEX.parseHex(span.traceId())))
        .setSpanId(ByteString.copyFrom(HEX.parseHex(span.spanId())))
        .setName(span.name())
        .setKind(switch (span.kind()) {
          case SERVER -> Span.SpanKind.SPAN_KIND_SERVER;
          case CLIENT -> Span.SpanKind.SPAN_KIND_CLIENT;
          case PRODUCER -> Span.SpanKind.SPAN_KIND_PRODUCER;
        })
        .setStartTimeUnixNano(span.startMicros() * 1000)
        .setEndTimeUnixNano(span.endMicros() * 1000);
    if (span.parentId() != null) {
      builder.setParentSpanId(ByteString.copyFrom(HEX.parseHex(span.parentId())));
    }
    for (Map.Entry<String, String> tag : span.tags().entrySet()) {
      builder.addAttributes(attribute(tag.getKey(), tag.getValue()));
    }
    if (span.remoteService() != null) {
      builder.addAttributes(attribute("peer.service", span.remoteService()));
    }
    if (span.error()) {
      builder.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
          .setMessage(span.errorMessage()));
    }
    return builder.build();
  }

  private static KeyValue attribute(String key, String value) {
    return KeyValue.newBuilder().setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }
}
