package io.meshtrace.otlp.receiver;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshtrace.ingest.GrpcUnaryMessage;
import io.meshtrace.ingest.IngestException;
import io.meshtrace.ingest.IngestSource;
import io.meshtrace.ingest.LargeBodyDecoding;
import io.meshtrace.ingest.MemoryBudget;
import io.meshtrace.ingest.RequestBodies;
import io.meshtrace.ingest.SpanIngest;
import io.meshtrace.tenant.RequestTenant;
import io.meshtrace.tenant.Tenant;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.WireFormat;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.Base64;
import java.util.List;

/**
 * OTLP/gRPC: {@code opentelemetry.proto.collector.trace.v1.TraceService/Export}. Messages are
 * taken raw and inflated here with a bound, because the gRPC server's own gzip decoding would
 * inflate a compressed message whatever its size. OK is answered once the spans are committed;
 * refusals carry the status the OTLP specification asks for, with RetryInfo in
 * {@code grpc-status-details-bin} when the client should retry after a pause.
 */
public final class OtlpGrpcReceiver {
  static final String EXPORT = "opentelemetry.proto.collector.trace.v1.TraceService/Export";
  private static final IngestSource SOURCE = new IngestSource("otlp_grpc", "protobuf", true);
  /** Every source this receiver reports, so that their metrics exist from start-up. */
  public static final List<IngestSource> SOURCES = List.of(SOURCE);

  private final SpanIngest ingest;
  /** Whose spans a request sends: never a header read here. */
  private final RequestTenant tenants;
  private final long maxMessageBytes;
  private final long maxDecompressedBytes;
  private final MemoryBudget budget;

  public OtlpGrpcReceiver(SpanIngest ingest, long maxMessageBytes, long maxDecompressedBytes) {
    this(ingest, maxMessageBytes, maxDecompressedBytes, MemoryBudget.unbounded());
  }

  /** @param budget the process's bytes in flight, which every call reserves from */
  public OtlpGrpcReceiver(SpanIngest ingest, long maxMessageBytes, long maxDecompressedBytes,
      MemoryBudget budget) {
    this(ingest, maxMessageBytes, maxDecompressedBytes, budget, RequestTenant.NONE);
  }

  public OtlpGrpcReceiver(SpanIngest ingest, long maxMessageBytes, long maxDecompressedBytes,
      MemoryBudget budget, RequestTenant tenants) {
    this.ingest = ingest;
    this.tenants = tenants;
    this.maxMessageBytes = maxMessageBytes;
    this.maxDecompressedBytes = maxDecompressedBytes;
    this.budget = budget;
  }

  public GrpcServer server(Vertx vertx) {
    GrpcServer server = GrpcServer.server(vertx,
        new GrpcServerOptions().setMaxMessageSize(maxMessageBytes));
    server.callHandler(this::call);
    return server;
  }

  private void call(GrpcServerRequest<Buffer, Buffer> request) {
    GrpcServerResponse<Buffer, Buffer> response = request.response();
    if (!EXPORT.equals(request.fullMethodName())) {
      response.status(GrpcStatus.UNIMPLEMENTED)
          .statusMessage("meshtrace serves " + EXPORT + " only").end();
      return;
    }
    // The gRPC server buffers a message whole before it is handed over, so the budget can only
    // count it then; a call that starts while the budget is spent is refused before that.
    if (budget.spent()) {
      refuse(response, budget.refuse(MemoryBudget.Stage.GRPC_CALL));
      return;
    }
    Tenant tenant = tenants.of(request);
    GrpcUnaryMessage.read(request, maxMessageBytes, "Export", "ExportTraceServiceRequest")
        .onSuccess(message -> export(message, response, tenant))
        .onFailure(failure -> refuse(response, IngestException.of(failure)));
  }

  /**
   * Inflate and parse (on a worker when the message is large), holding the message's bytes in
   * the budget until its spans are committed or refused; every path releases them.
   */
  private void export(GrpcMessage message, GrpcServerResponse<Buffer, Buffer> response,
      Tenant tenant) {
    MemoryBudget.Reservation reservation = budget.open();
    Future<ExportTraceServiceRequest> parsed;
    try {
      reservation.grow(message.payload().length(), MemoryBudget.Stage.GRPC_MESSAGE);
      parsed = LargeBodyDecoding.run(Vertx.currentContext(), message.payload().length(),
          message.encoding() != null && !message.encoding().equals("identity"),
          () -> parse(message, reservation));
    } catch (IngestException refused) {
      parsed = Future.failedFuture(refused);
    }
    parsed.onComplete(request -> {
      if (request.failed()) {
        reservation.release();
        refuse(response, IngestException.of(request.cause()));
        return;
      }
      ingest.accept(request.result().getResourceSpansList(), SOURCE, tenant)
          .onComplete(done -> reservation.release())
          .onSuccess(result -> response.end(
              Buffer.buffer(OtlpResponses.success(result).toByteArray())))
          .onFailure(failure -> fail(response, IngestException.of(failure)));
    });
  }

  /** Runs on a worker for a large message: touches nothing of the call but its bytes. */
  private ExportTraceServiceRequest parse(GrpcMessage message,
      MemoryBudget.Reservation reservation) {
    if (message.format() != WireFormat.PROTOBUF) {
      throw new IngestException(IngestException.Reason.UNSUPPORTED_MEDIA_TYPE,
          "only protobuf-encoded gRPC messages are read");
    }
    byte[] payload = RequestBodies.decode(message.payload().getBytes(), message.encoding(),
        maxDecompressedBytes, reservation);
    try {
      ExportTraceServiceRequest request = OtlpProtobuf.parseRequest(payload);
      reservation.holdDecoded(payload.length);
      return request;
    } catch (InvalidProtocolBufferException e) {
      throw new IngestException(IngestException.Reason.INVALID,
          "malformed ExportTraceServiceRequest: " + e.getMessage());
    }
  }

  private void refuse(GrpcServerResponse<Buffer, Buffer> response, IngestException refusal) {
    ingest.requestRefused(SOURCE, refusal.reason());
    fail(response, refusal);
  }

  private static void fail(GrpcServerResponse<Buffer, Buffer> response, IngestException refusal) {
    com.google.rpc.Status status = OtlpResponses.status(refusal);
    if (status.getDetailsCount() > 0) {
      response.trailers().set("grpc-status-details-bin",
          Base64.getEncoder().withoutPadding().encodeToString(status.toByteArray()));
    }
    response.status(GrpcStatus.valueOf(status.getCode()))
        .statusMessage(refusal.getMessage())
        .end();
  }
}
