package io.meshtrace.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshtrace.model.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * How a record's value holds spans, named as the OpenTelemetry Collector's {@code kafka}
 * exporter and receiver name them ({@code encoding: otlp_proto}), so that either side of a
 * meshtrace topic can be an OpenTelemetry Collector.
 */
public enum SpanRecordEncoding implements SpanRecordDecoder {
  /** An {@code ExportTraceServiceRequest} in protobuf: the Collector's default. */
  OTLP_PROTO,
  /** The same in OTLP's JSON (hex IDs, numeric enums). */
  OTLP_JSON;

  /** The name in flags and the Collector's configuration: {@code otlp_proto}. */
  @Override
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static SpanRecordEncoding of(String label) {
    for (SpanRecordEncoding encoding : values()) {
      if (encoding.label().equals(label)) {
        return encoding;
      }
    }
    throw new IllegalArgumentException("unknown span encoding '" + label
        + "': use otlp_proto or otlp_json");
  }

  public byte[] encode(ExportTraceServiceRequest request) {
    return switch (this) {
      case OTLP_PROTO -> request.toByteArray();
      case OTLP_JSON -> OtlpJson.toJson(request).encode().getBytes(StandardCharsets.UTF_8);
    };
  }

  @Override
  public List<ResourceSpans> decodeSpans(byte[] value) {
    return decode(value).getResourceSpansList();
  }

  /** @throws IllegalArgumentException naming what is wrong with the value */
  public ExportTraceServiceRequest decode(byte[] value) {
    try {
      return switch (this) {
        case OTLP_PROTO -> ExportTraceServiceRequest.parseFrom(value);
        case OTLP_JSON -> OtlpJson.parseExportRequest(Buffer.buffer(value));
      };
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not an OTLP ExportTraceServiceRequest: "
          + e.getMessage(), e);
    }
  }
}
