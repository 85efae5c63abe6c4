package io.meshtrace.model;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.vertx.core.buffer.Buffer;
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
 * receivers; read in one pass into the builders ({@link OtlpJsonReader}), where it was parsed
 * into a tree, written out and parsed again. Written: lowerCamelCase, enums as numbers, hex IDs.
 */
public final class OtlpJson {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .omittingInsignificantWhitespace()
      .printingEnumsAsInts();

  private OtlpJson() {}

  /** @throws IllegalArgumentException saying what is malformed */
  public static ExportTraceServiceRequest parseExportRequest(Buffer json) {
    return parseExportRequest(json.getBytes());
  }

  /**
   * Read in one pass ({@link OtlpJsonReader}).
   *
   * @throws IllegalArgumentException saying what is malformed
   */
  public static ExportTraceServiceRequest parseExportRequest(byte[] json) {
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    OtlpJsonReader.merge(json, request, "an ExportTraceServiceRequest");
    return request.build();
  }

  /** @throws IllegalArgumentException saying what is malformed */
  public static TracesData parseTracesData(Buffer json) {
    TracesData.Builder data = TracesData.newBuilder();
    OtlpJsonReader.merge(json.getBytes(), data, "a TracesData");
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

  /** Only ID fields: attribute {@code bytesValue}s stay base64, as OTLP JSON wants them. */
  private static void base64ToHex(Object parent, String camelName, String protoName) {
    if (parent instanceof JsonObject object && object.getValue(camelName) instanceof String b64) {
      object.put(camelName, HexFormat.of().formatHex(Base64.getDecoder().decode(b64)));
    }
  }
}
