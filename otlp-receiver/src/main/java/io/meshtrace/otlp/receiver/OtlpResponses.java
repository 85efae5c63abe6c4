package io.meshtrace.otlp.receiver;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import com.google.rpc.Status;
import io.meshtrace.ingest.IngestException;
import io.meshtrace.ingest.IngestResult;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.time.Duration;

/** What both OTLP receivers answer, in protobuf terms. */
final class OtlpResponses {
  private OtlpResponses() {}

  /** Empty on full success; with {@code partial_success} when spans were refused. */
  static ExportTraceServiceResponse success(IngestResult result) {
    ExportTraceServiceResponse.Builder response = ExportTraceServiceResponse.newBuilder();
    if (result.rejectedSpans() > 0) {
      response.setPartialSuccess(ExportTracePartialSuccess.newBuilder()
          .setRejectedSpans(result.rejectedSpans())
          .setErrorMessage(result.errorMessage()));
    }
    return response.build();
  }

  /**
   * The gRPC code for a refusal. Per the OTLP specification RESOURCE_EXHAUSTED is retried only
   * when it carries RetryInfo: an overload does, a request that is too large does not.
   */
  static Code code(IngestException refused) {
    return switch (refused.reason()) {
      case INVALID -> Code.INVALID_ARGUMENT;
      case TOO_LARGE, OVERLOADED -> Code.RESOURCE_EXHAUSTED;
      case UNSUPPORTED_MEDIA_TYPE -> Code.UNIMPLEMENTED;
      case UNAVAILABLE -> Code.UNAVAILABLE;
      case INTERNAL -> Code.INTERNAL;
    };
  }

  /** google.rpc.Status with RetryInfo when the client should retry after a pause. */
  static Status status(IngestException refused) {
    Status.Builder status = Status.newBuilder()
        .setCode(code(refused).getNumber())
        .setMessage(refused.getMessage());
    Duration retryAfter = refused.retryAfter();
    if (retryAfter != null) {
      status.addDetails(Any.pack(RetryInfo.newBuilder()
          .setRetryDelay(com.google.protobuf.Duration.newBuilder()
              .setSeconds(retryAfter.getSeconds()).setNanos(retryAfter.getNano()))
          .build()));
    }
    return status.build();
  }
}
