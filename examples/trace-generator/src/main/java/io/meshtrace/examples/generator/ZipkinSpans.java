package io.meshtrace.examples.generator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import zipkin2.Endpoint;
import zipkin2.Span;

/** Generated spans as Zipkin v2 spans, the way Envoy's Zipkin tracer reports them. */
public final class ZipkinSpans {
  private ZipkinSpans() {}

  public static List<Span> of(List<GeneratedTrace> traces) {
    List<Span> spans = new ArrayList<>();
    for (GeneratedTrace trace : traces) {
      for (GeneratedSpan span : trace.spans()) {
        spans.add(of(span));
      }
    }
    return spans;
  }

  public static Span of(GeneratedSpan span) {
    Span.Builder builder = Span.newBuilder()
        .traceId(span.traceId())
        .id(span.spanId())
        .parentId(span.parentId())
        .name(span.name())
        .kind(Span.Kind.valueOf(span.kind().name()))
        .timestamp(span.startMicros())
        .duration(Math.max(1, span.durationMicros()))
        .localEndpoint(Endpoint.newBuilder().serviceName(span.service()).ip(span.localIp())
            .build());
    if (span.remoteService() != null || span.remoteIp() != null) {
      Endpoint.Builder remote = Endpoint.newBuilder().serviceName(span.remoteService())
          .ip(span.remoteIp());
      if (span.remotePort() > 0) {
        remote.port(span.remotePort());
      }
      builder.remoteEndpoint(remote.build());
    }
    for (Map.Entry<String, String> tag : span.tags().entrySet()) {
      builder.putTag(tag.getKey(), tag.getValue());
    }
    if (span.error()) {
      builder.putTag("error", "true"); // what Envoy writes for a 5xx
    }
    return builder.build();
  }
}
