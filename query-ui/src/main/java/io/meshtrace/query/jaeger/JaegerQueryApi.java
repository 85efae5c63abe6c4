package io.meshtrace.query.jaeger;

import io.meshtrace.query.HttpResponses;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.TraceId;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jaeger's v1 JSON query API, the one Grafana's Jaeger data source calls: every answer is the
 * envelope {@code {data, total, limit, offset, errors}}, errors carry {@code {code, msg}}.
 */
public final class JaegerQueryApi {
  private static final Logger LOG = LoggerFactory.getLogger(JaegerQueryApi.class);

  private final SpanStore store;

  public JaegerQueryApi(SpanStore store) {
    this.store = store;
  }

  public void mount(Router router) {
    router.get("/api/traces/:traceID").handler(this::getTrace);
  }

  private void getTrace(RoutingContext ctx) {
    TraceId traceId;
    try {
      traceId = TraceId.fromHex(ctx.pathParam("traceID"));
    } catch (IllegalArgumentException e) {
      sendError(ctx, 400, "malformed trace ID: " + e.getMessage());
      return;
    }
    store.getTrace(traceId)
        .onSuccess(trace -> {
          if (trace.isEmpty()) {
            sendError(ctx, 404, "trace not found");
          } else {
            sendTraces(ctx, List.of(trace));
          }
        })
        .onFailure(failure -> {
          LOG.warn("Reading trace {} failed: {}", traceId, failure.getMessage());
          sendError(ctx, HttpResponses.statusOf(failure), failure.getMessage());
        });
  }

  private static void sendTraces(RoutingContext ctx, List<List<ResourceSpans>> traces) {
    HttpResponses.sendJson(ctx, 200, HttpResponses.json(json -> {
      json.writeStartObject();
      json.writeArrayFieldStart("data");
      for (List<ResourceSpans> trace : traces) {
        JaegerJsonWriter.writeTrace(json, trace);
      }
      json.writeEndArray();
      writeEnvelopeTail(json, null, 0);
      json.writeEndObject();
    }));
  }

  /** Jaeger's error envelope: {@code data} null, one entry in {@code errors}. */
  static void sendError(RoutingContext ctx, int status, String message) {
    HttpResponses.sendJson(ctx, status, HttpResponses.json(json -> {
      json.writeStartObject();
      json.writeNullField("data");
      writeEnvelopeTail(json, message, status);
      json.writeEndObject();
    }));
  }

  private static void writeEnvelopeTail(com.fasterxml.jackson.core.JsonGenerator json,
      String error, int code) throws java.io.IOException {
    json.writeNumberField("total", 0);
    json.writeNumberField("limit", 0);
    json.writeNumberField("offset", 0);
    if (error == null) {
      json.writeNullField("errors");
    } else {
      json.writeArrayFieldStart("errors");
      json.writeStartObject();
      json.writeNumberField("code", code);
      json.writeStringField("msg", error);
      json.writeEndObject();
      json.writeEndArray();
    }
  }
}
