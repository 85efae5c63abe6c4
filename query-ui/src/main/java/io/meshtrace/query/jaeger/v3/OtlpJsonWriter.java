package io.meshtrace.query.jaeger.v3;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.meshtrace.model.TraceSpans;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Traces as OTLP JSON ({@code TracesData}), as Jaeger's v3 API returns them: protobuf's JSON
 * mapping (lowerCamelCase names, 64-bit integers as strings, default values left out) with the
 * two differences OTLP JSON makes: enums are numbers and trace and span IDs are hex, not base64.
 */
final class OtlpJsonWriter {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .omittingInsignificantWhitespace()
      .printingEnumsAsInts();

  private OtlpJsonWriter() {}

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

  /** {@code TracesData} in OTLP JSON. */
  static JsonObject toJson(TracesData data) {
    JsonObject json;
    try {
      json = new JsonObject(PRINTER.print(data));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print OTLP JSON", e); // no Any fields: cannot happen
    }
    for (Object resourceSpans : array(json, "resourceSpans")) {
      for (Object scopeSpans : array(resourceSpans, "scopeSpans")) {
        for (Object span : array(scopeSpans, "spans")) {
          base64ToHex(span, "traceId");
          base64ToHex(span, "spanId");
          base64ToHex(span, "parentSpanId");
          for (Object link : array(span, "links")) {
            base64ToHex(link, "traceId");
            base64ToHex(link, "spanId");
          }
        }
      }
    }
    return json;
  }

  private static JsonArray array(Object parent, String name) {
    if (parent instanceof JsonObject object && object.getValue(name) instanceof JsonArray array) {
      return array;
    }
    return new JsonArray();
  }

  /** Only ID fields: attribute {@code bytesValue}s stay base64, as OTLP JSON wants them. */
  private static void base64ToHex(Object parent, String name) {
    if (parent instanceof JsonObject object && object.getValue(name) instanceof String base64) {
      object.put(name, HexFormat.of().formatHex(Base64.getDecoder().decode(base64)));
    }
  }
}
