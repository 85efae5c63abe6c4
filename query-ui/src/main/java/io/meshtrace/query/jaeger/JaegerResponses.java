package io.meshtrace.query.jaeger;

import com.fasterxml.jackson.core.JsonGenerator;
import io.meshtrace.model.TraceId;
import io.meshtrace.query.HttpResponses;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.List;

/**
 * The envelope of Jaeger's v1 JSON API, {@code {data, total, limit, offset, errors}}, written as
 * Jaeger's query service writes it: {@code errors} is null when there are none, an error has
 * {@code code} (omitted when zero) and {@code msg}, and a trace not found among several asked
 * for by ID is an error with its {@code traceID}.
 */
public final class JaegerResponses {
  /** One entry of {@code errors}. */
  record StructuredError(int code, String msg, TraceId traceId) {}

  private JaegerResponses() {}

  /** 200 with {@code data} written by {@code data}. */
  static void sendData(RoutingContext ctx, int total, HttpResponses.JsonBody data,
      List<StructuredError> errors) {
    HttpResponses.sendJson(ctx, 200, HttpResponses.json(json -> {
      json.writeStartObject();
      json.writeFieldName("data");
      data.write(json);
      writeTail(json, total, errors);
      json.writeEndObject();
    }));
  }

  /** A failed request: {@code data} null, one error with the status as its code. */
  public static void sendError(RoutingContext ctx, int status, String message) {
    HttpResponses.sendJson(ctx, status, HttpResponses.json(json -> {
      json.writeStartObject();
      json.writeNullField("data");
      writeTail(json, 0, List.of(new StructuredError(status, message, null)));
      json.writeEndObject();
    }));
  }

  private static void writeTail(JsonGenerator json, int total, List<StructuredError> errors)
      throws IOException {
    json.writeNumberField("total", total);
    json.writeNumberField("limit", 0);
    json.writeNumberField("offset", 0);
    if (errors.isEmpty()) {
      json.writeNullField("errors");
      return;
    }
    json.writeArrayFieldStart("errors");
    for (StructuredError error : errors) {
      json.writeStartObject();
      if (error.code() != 0) {
        json.writeNumberField("code", error.code());
      }
      json.writeStringField("msg", error.msg());
      if (error.traceId() != null) {
        json.writeStringField("traceID", error.traceId().toShortestHex());
      }
      json.writeEndObject();
    }
    json.writeEndArray();
  }
}
