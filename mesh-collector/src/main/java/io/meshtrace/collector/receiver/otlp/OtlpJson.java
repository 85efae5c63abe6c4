package io.meshtrace.collector.receiver.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.RetryInfo;
import io.meshtrace.ingest.IngestException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.HexFormat;

/**
 * OTLP's JSON encoding, which is proto3 JSON with two differences that {@link JsonFormat} alone
 * gets wrong: trace and span IDs are hex strings, not base64, and enums may be numbers (which the
 * parser accepts). Field names may be lowerCamelCase or the proto names; unknown fields are
 * ignored, as the OTLP specification requires of receivers.
 */
final class OtlpJson {
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .omittingInsignificantWhitespace()
      .usingTypeRegistry(TypeRegistry.newBuilder().add(RetryInfo.getDescriptor()).build());

  private OtlpJson() {}

  static ExportTraceServiceRequest parseRequest(Buffer body) {
    JsonObject root;
    try {
      Object parsed = io.vertx.core.json.Json.decodeValue(body);
      if (!(parsed instanceof JsonObject object)) {
        throw new IngestException(IngestException.Reason.INVALID,
            "malformed OTLP JSON: the body must be an ExportTraceServiceRequest object");
      }
      root = object;
    } catch (DecodeException e) {
      throw new IngestException(IngestException.Reason.INVALID,
          "malformed OTLP JSON: " + e.getMessage());
    }
    for (Object resourceSpans : array(root, "resourceSpans", "resource_spans")) {
      for (Object scopeSpans : array(resourceSpans, "scopeSpans", "scope_spans")) {
        for (Object span : array(scopeSpans, "spans", "spans")) {
          hexToBase64(span, "traceId", "trace_id");
          hexToBase64(span, "spanId", "span_id");
          hexToBase64(span, "parentSpanId", "parent_span_id");
          for (Object link : array(span, "links", "links")) {
            hexToBase64(link, "traceId", "trace_id");
            hexToBase64(link, "spanId", "span_id");
          }
        }
      }
    }
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    try {
      PARSER.merge(root.encode(), request);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new IngestException(IngestException.Reason.INVALID,
          "malformed OTLP JSON: " + e.getMessage());
    }
    return request.build();
  }

  /** Any OTLP response message or a google.rpc.Status, in OTLP JSON. */
  static Buffer print(Message message) {
    try {
      return Buffer.buffer(PRINTER.print(message));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
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
}
