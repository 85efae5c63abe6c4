package io.meshtrace.otlp.receiver;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.RetryInfo;
import io.meshtrace.ingest.IngestException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.vertx.core.buffer.Buffer;

/**
 * OTLP/HTTP's JSON: requests read with the model's {@link io.meshtrace.model.OtlpJson} codec,
 * answers (an ExportTraceServiceResponse or a google.rpc.Status with its RetryInfo) printed here.
 */
final class OtlpJson {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .omittingInsignificantWhitespace()
      .usingTypeRegistry(TypeRegistry.newBuilder().add(RetryInfo.getDescriptor()).build());

  private OtlpJson() {}

  static ExportTraceServiceRequest parseRequest(byte[] body) {
    try {
      return io.meshtrace.model.OtlpJson.parseExportRequest(body);
    } catch (IllegalArgumentException malformed) {
      throw new IngestException(IngestException.Reason.INVALID, malformed.getMessage());
    }
  }

  /** Any OTLP response message or a google.rpc.Status, in OTLP JSON. */
  static Buffer print(Message message) {
    try {
      return Buffer.buffer(PRINTER.print(message));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
