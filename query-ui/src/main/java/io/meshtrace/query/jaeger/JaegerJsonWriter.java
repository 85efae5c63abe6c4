package io.meshtrace.query.jaeger;

import com.fasterxml.jackson.core.JsonGenerator;
import io.meshtrace.model.AttributeText;
import io.meshtrace.model.SpanIds;
import io.meshtrace.model.TraceId;
import io.meshtrace.model.TraceSpans;
import io.meshtrace.query.adjust.SpanWarnings;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes traces in the JSON of Jaeger's v1 query API (the model Grafana's Jaeger data source and
 * the Jaeger UI read), following the rules of Jaeger's own OTLP-to-Jaeger translation: the
 * resource becomes the process, the scope, span kind and status become tags, events become logs,
 * the parent and links become references.
 */
public final class JaegerJsonWriter {
  /** What Jaeger calls a process without a service name. */
  static final String NO_SERVICE_NAME = "OTLPResourceNoServiceName";
  /** The link attribute with a Jaeger reference's type (jaeger-receiver's JaegerToOtlp). */
  private static final String REF_TYPE_ATTRIBUTE = "opentracing.ref_type";
  /** Integers beyond this are written as strings, as Jaeger does, so JavaScript keeps them. */
  private static final long JS_MAX_SAFE_INTEGER = (1L << 53) - 1;

  private JaegerJsonWriter() {}

  /** Writes a trace as stored, without adjustments. */
  public static void writeTrace(JsonGenerator json, List<ResourceSpans> trace) throws IOException {
    writeTrace(json, TraceSpans.of(trace));
  }

  /** Writes a trace's spans in their order (adjusters have run); it must have at least one. */
  public static void writeTrace(JsonGenerator json, TraceSpans spans) throws IOException {
    Map<Resource, String> processIds = new LinkedHashMap<>();
    for (TraceSpans.Entry entry : spans.spans()) {
      processIds.computeIfAbsent(entry.resource(), r -> "p" + (processIds.size() + 1));
    }
    json.writeStartObject();
    json.writeStringField("traceID", traceId(spans.spans().get(0).span()));
    json.writeArrayFieldStart("spans");
    for (TraceSpans.Entry entry : spans.spans()) {
      writeSpan(json, entry.span(), entry.scope(), processIds.get(entry.resource()));
    }
    json.writeEndArray();
    json.writeObjectFieldStart("processes");
    for (Map.Entry<Resource, String> process : processIds.entrySet()) {
      json.writeFieldName(process.getValue());
      writeProcess(json, process.getKey());
    }
    json.writeEndObject();
    json.writeNullField("warnings");
    json.writeEndObject();
  }

  static String traceId(Span span) {
    return TraceId.fromBytes(span.getTraceId()).toShortestHex();
  }

  private static void writeSpan(JsonGenerator json, Span span, InstrumentationScope scope,
      String processId) throws IOException {
    String traceId = traceId(span);
    json.writeStartObject();
    json.writeStringField("traceID", traceId);
    json.writeStringField("spanID", SpanIds.toHex(SpanIds.fromBytes(span.getSpanId())));
    json.writeStringField("operationName", span.getName());
    json.writeArrayFieldStart("references");
    if (!span.getParentSpanId().isEmpty()) {
      writeReference(json, "CHILD_OF", traceId, SpanIds.fromBytes(span.getParentSpanId()));
    }
    for (Span.Link link : span.getLinksList()) {
      // OTLP senders can link to anything (OTLP JSON's non-hex IDs become empty bytes) and
      // intake keeps a span whose links are odd: such a link is no reference Jaeger can show.
      if (link.getTraceId().size() != 16 || link.getSpanId().size() != 8) {
        continue;
      }
      writeReference(json, referenceType(link),
          TraceId.fromBytes(link.getTraceId()).toShortestHex(),
          SpanIds.fromBytes(link.getSpanId()));
    }
    json.writeEndArray();
    int flags = span.getFlags() & 0xff; // W3C's trace flags, or Jaeger's (1 sampled, 2 debug)
    if (flags != 0) {
      json.writeNumberField("flags", flags);
    }
    long start = span.getStartTimeUnixNano();
    long end = span.getEndTimeUnixNano();
    json.writeNumberField("startTime", start / 1000);
    json.writeNumberField("duration", end > start ? (end - start) / 1000 : 0);
    json.writeArrayFieldStart("tags");
    if (!scope.getName().isEmpty()) {
      writeTag(json, "otel.scope.name", AnyValue.newBuilder().setStringValue(scope.getName()).build());
      if (!scope.getVersion().isEmpty()) {
        writeTag(json, "otel.scope.version",
            AnyValue.newBuilder().setStringValue(scope.getVersion()).build());
      }
    }
    for (KeyValue attribute : span.getAttributesList()) {
      if (!attribute.getKey().equals(SpanWarnings.ATTRIBUTE)) {
        writeTag(json, attribute.getKey(), attribute.getValue());
      }
    }
    String kind = JaegerSpanKinds.name(span.getKindValue());
    if (!kind.isEmpty()) {
      writeStringTag(json, "span.kind", kind);
    }
    Status status = span.getStatus();
    if (status.getCode() == Status.StatusCode.STATUS_CODE_OK) {
      writeStringTag(json, "otel.status_code", "OK");
    } else if (status.getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
      writeStringTag(json, "otel.status_code", "ERROR");
      writeTag(json, "error", AnyValue.newBuilder().setBoolValue(true).build());
    }
    if (!status.getMessage().isEmpty()) {
      writeStringTag(json, "otel.status_description", status.getMessage());
    }
    if (!span.getTraceState().isEmpty()) {
      writeStringTag(json, "w3c.tracestate", span.getTraceState());
    }
    json.writeEndArray();
    json.writeArrayFieldStart("logs");
    for (Span.Event event : span.getEventsList()) {
      json.writeStartObject();
      json.writeNumberField("timestamp", event.getTimeUnixNano() / 1000);
      json.writeArrayFieldStart("fields");
      boolean hasEventAttribute = event.getAttributesList().stream()
          .anyMatch(a -> a.getKey().equals("event"));
      if (!event.getName().isEmpty() && !hasEventAttribute) {
        writeStringTag(json, "event", event.getName());
      }
      for (KeyValue attribute : event.getAttributesList()) {
        writeTag(json, attribute.getKey(), attribute.getValue());
      }
      json.writeEndArray();
      json.writeEndObject();
    }
    json.writeEndArray();
    json.writeStringField("processID", processId);
    List<String> warnings = SpanWarnings.of(span);
    if (warnings.isEmpty()) {
      json.writeNullField("warnings"); // Go's nil slice, as Jaeger writes it
    } else {
      json.writeArrayFieldStart("warnings");
      for (String warning : warnings) {
        json.writeString(warning);
      }
      json.writeEndArray();
    }
    json.writeEndObject();
  }

  /**
   * A link is a FOLLOWS_FROM reference, unless it came from a Jaeger CHILD_OF reference that was
   * not the parent, which its {@code opentracing.ref_type} attribute says.
   */
  private static String referenceType(Span.Link link) {
    for (KeyValue attribute : link.getAttributesList()) {
      if (attribute.getKey().equals(REF_TYPE_ATTRIBUTE)) {
        return attribute.getValue().getStringValue().equals("child_of") ? "CHILD_OF"
            : "FOLLOWS_FROM";
      }
    }
    return "FOLLOWS_FROM";
  }

  private static void writeReference(JsonGenerator json, String type, String traceId, long spanId)
      throws IOException {
    json.writeStartObject();
    json.writeStringField("refType", type);
    json.writeStringField("traceID", traceId);
    json.writeStringField("spanID", SpanIds.toHex(spanId));
    json.writeEndObject();
  }

  private static void writeProcess(JsonGenerator json, Resource resource) throws IOException {
    String serviceName = NO_SERVICE_NAME;
    json.writeStartObject();
    for (KeyValue attribute : resource.getAttributesList()) {
      if (attribute.getKey().equals("service.name")) {
        serviceName = AttributeText.of(attribute.getValue());
      }
    }
    json.writeStringField("serviceName", serviceName);
    json.writeArrayFieldStart("tags");
    for (KeyValue attribute : resource.getAttributesList()) {
      if (!attribute.getKey().equals("service.name")) {
        writeTag(json, attribute.getKey(), attribute.getValue());
      }
    }
    json.writeEndArray();
    json.writeEndObject();
  }

  private static void writeStringTag(JsonGenerator json, String key, String value)
      throws IOException {
    json.writeStartObject();
    json.writeStringField("key", key);
    json.writeStringField("type", "string");
    json.writeStringField("value", value);
    json.writeEndObject();
  }

  /** A typed Jaeger tag: string, bool, int64, float64 or binary; arrays and maps as JSON text. */
  static void writeTag(JsonGenerator json, String key, AnyValue value) throws IOException {
    json.writeStartObject();
    json.writeStringField("key", key);
    switch (value.getValueCase()) {
      case BOOL_VALUE -> {
        json.writeStringField("type", "bool");
        json.writeBooleanField("value", value.getBoolValue());
      }
      case INT_VALUE -> {
        json.writeStringField("type", "int64");
        long number = value.getIntValue();
        if (number > JS_MAX_SAFE_INTEGER || number < -JS_MAX_SAFE_INTEGER) {
          json.writeStringField("value", Long.toString(number));
        } else {
          json.writeNumberField("value", number);
        }
      }
      case DOUBLE_VALUE -> {
        json.writeStringField("type", "float64");
        json.writeFieldName("value");
        AttributeText.writeDouble(json, value.getDoubleValue());
      }
      case BYTES_VALUE -> {
        json.writeStringField("type", "binary");
        json.writeStringField("value",
            Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray()));
      }
      default -> {
        json.writeStringField("type", "string");
        json.writeStringField("value", AttributeText.of(value));
      }
    }
    json.writeEndObject();
  }
}
