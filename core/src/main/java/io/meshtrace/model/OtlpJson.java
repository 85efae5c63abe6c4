package io.meshtrace.model;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.HexFormat;

/**
 * OTLP's JSON encoding of spans both ways ({@code ExportTraceServiceRequest}, {@code TracesData}:
 * anything with {@code resourceSpans} at the top). It is protobuf's JSON mapping with two
 * differences that {@link JsonFormat} alone gets wrong: trace and span IDs are hex strings, not
 * base64, and enums are numbers. Read: field names may be lowerCamelCase or the proto names,
 * enums names or numbers, unknown fields are ignored, as the OTLP specification requires of
 * receivers. Written: lowerCamelCase, enums as numbers, hex IDs.
 */
public final class OtlpJson {
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .omittingInsignificantWhitespace()
      .printingEnumsAsInts();

  private OtlpJson() {}

  /** @throws IllegalArgumentException saying what is malformed */
  public static ExportTraceServiceRequest parseExportRequest(Buffer json) {
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    parse(json, request, "an ExportTraceServiceRequest");
    return request.build();
  }

  /** @throws IllegalArgumentException saying what is malformed */
  public static TracesData parseTracesData(Buffer json) {
    TracesData.Builder data = TracesData.newBuilder();
    parse(json, data, "a TracesData");
    return data.build();
  }

  /** Spans in OTLP JSON, as a JSON object to embed or encode. */
  public static JsonObject toJson(MessageOrBuilder spans) {
    JsonObject json;
    try {
      json = new JsonObject(PRINTER.print(spans));
    } catch (InvalidProtocolBufferException e) {
      // Only Any fields fail to print, and span messages have none.
      throw new IllegalStateException("cannot print OTLP JSON", e);
    }
    forEachIdHolder(json, OtlpJson::base64ToHex);
    return json;
  }

  private static void parse(Buffer body, Message.Builder into, String what) {
    JsonObject root;
    try {
      if (!(Json.decodeValue(body) instanceof JsonObject object)) {
        throw new IllegalArgumentException(
            "malformed OTLP JSON: the body must be " + what + " object");
      }
      root = object;
    } catch (DecodeException e) {
      throw new IllegalArgumentException("malformed OTLP JSON: " + e.getMessage(), e);
    }
    forEachIdHolder(root, OtlpJson::hexToBase64);
    try {
      PARSER.merge(root.encode(), into);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new IllegalArgumentException("malformed OTLP JSON: " + e.getMessage(), e);
    }
  }

  private interface IdRewrite {
    void apply(Object holder, String camelName, String protoName);
  }

  /** The spans and links under {@code resourceSpans}, whose IDs are hex in OTLP JSON. */
  private static void forEachIdHolder(JsonObject root, IdRewrite rewrite) {
    for (Object resourceSpans : array(root, "resourceSpans", "resource_spans")) {
      for (Object scopeSpans : array(resourceSpans, "scopeSpans", "scope_spans")) {
        for (Object span : array(scopeSpans, "spans", "spans")) {
          rewrite.apply(span, "traceId", "trace_id");
          rewrite.apply(span, "spanId", "span_id");
          rewrite.apply(span, "parentSpanId", "parent_span_id");
          for (Object link : array(span, "links", "links")) {
            rewrite.apply(link, "traceId", "trace_id");
            rewrite.apply(link, "spanId", "span_id");
          }
        }
      }
    }
  }

  private static JsonArray array(Object parent, String camelName, String protoName) {
    if (parent instanceof JsonObject object) {
      Object value = object.getValue(camelName);
      if (value == null) {
        value = object.getValue(protoName);
      }
      if (value instanceof JsonArray array) {
        return array;
      }
    }
    return new JsonArray();
  }

  /**
   * Rewrites a hex ID as the base64 that {@link JsonFormat} expects for bytes. A value that is
   * not hex becomes empty bytes, so that the span is refused on its own for a missing ID rather
   * than failing the whole request.
   */
  private static void hexToBase64(Object parent, String camelName, String protoName) {
    if (!(parent instanceof JsonObject object)) {
      return;
    }
    String key = object.containsKey(camelName) ? camelName
        : object.containsKey(protoName) ? protoName : null;
    if (key == null || !(object.getValue(key) instanceof String hex)) {
      return;
    }
    byte[] bytes;
    try {
      bytes = hex.length() % 2 == 0 ? HexFormat.of().parseHex(hex) : new byte[0];
    } catch (IllegalArgumentException notHex) {
      bytes = new byte[0];
    }
    object.put(key, Base64.getEncoder().encodeToString(bytes));
  }

  /** Only ID fields: attribute {@code bytesValue}s stay base64, as OTLP JSON wants them. */
  private static void base64ToHex(Object parent, String camelName, String protoName) {
    if (parent instanceof JsonObject object && object.getValue(camelName) instanceof String b64) {
      object.put(camelName, HexFormat.of().formatHex(Base64.getDecoder().decode(b64)));
    }
  }
}
