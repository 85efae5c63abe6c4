package io.meshtrace.otlp.receiver;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/** Parsing of OTLP protobuf requests, shared by the gRPC and HTTP receivers. */
final class OtlpProtobuf {
  private OtlpProtobuf() {}

  /**
   * With aliasing on, the trace and span IDs of every span are views into the request's bytes
   * rather than copies of them.
   */
  static ExportTraceServiceRequest parseRequest(Buffer body) throws InvalidProtocolBufferException {
    return parseRequest(body.getBytes());
  }

  static ExportTraceServiceRequest parseRequest(byte[] body) throws InvalidProtocolBufferException {
    CodedInputStream input = CodedInputStream.newInstance(body);
    input.enableAliasing(true);
    try {
      return ExportTraceServiceRequest.parseFrom(input);
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      // A byte array cannot fail to be read; anything else is a malformed message.
      throw new InvalidProtocolBufferException(e);
    }
  }
}
