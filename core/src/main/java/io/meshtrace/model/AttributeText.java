package io.meshtrace.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Base64;

/**
 * OTLP attribute values as text: what Zipkin tags and Jaeger string tags carry, and what tag
 * search compares with ({@code http.status_code=503} matches the string "503" and the integer
 * 503 alike).
 */
public final class AttributeText {
  private static final JsonFactory JSON = new JsonFactory();

  private AttributeText() {}

  /**
   * Strings as they are, booleans as {@code true}/{@code false}, numbers in plain decimal,
   * bytes in base64, arrays and maps as JSON, as OpenTelemetry's Zipkin exporter writes them.
   */
  public static String of(AnyValue value) {
    return switch (value.getValueCase()) {
      case STRING_VALUE -> value.getStringValue();
      case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
      case INT_VALUE -> Long.toString(value.getIntValue());
      case DOUBLE_VALUE -> formatDouble(value.getDoubleValue());
      case BYTES_VALUE -> Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray());
      case ARRAY_VALUE, KVLIST_VALUE -> toJson(value);
      case VALUE_NOT_SET -> "";
    };
  }

  public static String formatDouble(double d) {
    if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    return Double.toString(d);
  }

  public static String toJson(AnyValue value) {
    StringWriter out = new StringWriter();
    try (JsonGenerator json = JSON.createGenerator(out)) {
      writeJson(json, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** The value as a JSON value of its natural type. */
  public static void writeJson(JsonGenerator json, AnyValue value) throws IOException {
    switch (value.getValueCase()) {
      case STRING_VALUE -> json.writeString(value.getStringValue());
      case BOOL_VALUE -> json.writeBoolean(value.getBoolValue());
      case INT_VALUE -> json.writeNumber(value.getIntValue());
      case DOUBLE_VALUE -> writeDouble(json, value.getDoubleValue());
      case BYTES_VALUE -> json.writeString(
          Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray()));
      case ARRAY_VALUE -> {
        json.writeStartArray();
        for (AnyValue element : value.getArrayValue().getValuesList()) {
          writeJson(json, element);
        }
        json.writeEndArray();
      }
      case KVLIST_VALUE -> {
        json.writeStartObject();
        for (KeyValue entry : value.getKvlistValue().getValuesList()) {
          json.writeFieldName(entry.getKey());
          writeJson(json, entry.getValue());
        }
        json.writeEndObject();
      }
      case VALUE_NOT_SET -> json.writeNull();
    }
  }

  /** JSON has no NaN or infinity; write those as strings rather than produce invalid JSON. */
  public static void writeDouble(JsonGenerator json, double d) throws IOException {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      json.writeString(Double.toString(d));
    } else {
      json.writeNumber(d);
    }
  }
}
