package io.meshtrace.query.jaeger.v3;

import io.meshtrace.model.OtlpJson;
import io.meshtrace.model.TraceSpans;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Traces as Jaeger's v3 API returns them: {@code TracesData}, each trace's spans regrouped by
 * resource and scope, written as OTLP JSON ({@link OtlpJson}).
 */
final class OtlpJsonWriter {
  private OtlpJsonWriter() {}

  /** The traces in OTLP JSON. */
  static JsonObject toJson(List<TraceSpans> traces) {
    return OtlpJson.toJson(tracesData(traces));
  }

  /** The traces' spans regrouped by resource and scope, each group in span order. */
  static TracesData tracesData(List<TraceSpans> traces) {
    TracesData.Builder data = TracesData.newBuilder();
    for (TraceSpans trace : traces) {
      Map<Resource, Map<InstrumentationScope, ScopeSpans.Builder>> groups = new LinkedHashMap<>();
      for (TraceSpans.Entry entry : trace.spans()) {
        groups.computeIfAbsent(entry.resource(), r -> new LinkedHashMap<>())
            .computeIfAbsent(entry.scope(), s -> ScopeSpans.newBuilder().setScope(s))
            .addSpans(entry.span());
      }
      groups.forEach((resource, scopes) -> {
        ResourceSpans.Builder resourceSpans = ResourceSpans.newBuilder().setResource(resource);
        scopes.values().forEach(resourceSpans::addScopeSpans);
        data.addResourceSpans(resourceSpans);
      });
    }
    return data.build();
  }
}
