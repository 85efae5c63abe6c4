package io.meshtrace.jaeger.receiver;

import com.google.protobuf.InvalidProtocolBufferException;
import io.jaegertracing.api_v2.Collector.PostSpansRequest;
import io.jaegertracing.api_v2.Collector.PostSpansResponse;
import io.meshtrace.ingest.GrpcUnaryMessage;
import io.meshtrace.ingest.IngestException;
import io.meshtrace.ingest.IngestSource;
import io.meshtrace.ingest.LargeBodyDecoding;
import io.meshtrace.ingest.MemoryBudget;
import io.meshtrace.ingest.ProblemLog;
import io.meshtrace.ingest.RequestBodies;
import io.meshtrace.ingest.SpanIngest;
import io.meshtrace.tenant.RequestTenant;
import io.meshtrace.tenant.Tenant;
import io.meshtrace.jaeger.codec.InvalidBatchException;
import io.meshtrace.jaeger.codec.JaegerProtoDecoder;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.common.WireFormat;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Jaeger collector's gRPC intake, {@code jaeger.api_v2.CollectorService/PostSpans}, which
 * OpenTelemetry's Jaeger gRPC exporters call. It is served on the sampling gRPC port (14250)
 * beside {@code SamplingManager}, as Jaeger's collector serves both. Messages are taken raw and
 * inflated here with a bound, as the OTLP receiver does; OK once the spans are committed, a
 * malformed batch INVALID_ARGUMENT naming the problem, storage trouble UNAVAILABLE or
 * RESOURCE_EXHAUSTED.
 */
public final class JaegerGrpcReceiver {
  private static final Logger LOG = LoggerFactory.getLogger(JaegerGrpcReceiver.class);
  static final ServiceMethod<Buffer, Buffer> POST_SPANS = ServiceMethod.server(
      ServiceName.create("jaeger.api_v2", "CollectorService"), "PostSpans",
      GrpcMessageEncoder.IDENTITY, GrpcMessageDecoder.IDENTITY);
  static final IngestSource SOURCE = new IngestSource("jaeger_grpc", "protobuf", false);
  /** Every source this receiver reports, so that their metrics exist from start-up. */
  public static final List<IngestSource> SOURCES = List.of(SOURCE);
  private static final Buffer EMPTY_RESPONSE =
      Buffer.buffer(PostSpansResponse.getDefaultInstance().toByteArray());

  private final SpanIngest ingest;
  /** Whose spans a request sends: never a header read here. */
  private final RequestTenant tenants;
  private final long maxMessageBytes;
  private final long maxDecompressedBytes;
  private final MemoryBudget budget;
  private final ProblemLog problems = new ProblemLog(LOG);

  /**
   * @param maxMessageBytes the largest message accepted as sent; the gRPC server it is added to
   *     must allow at least this much
   */
  public JaegerGrpcReceiver(SpanIngest ingest, long maxMessageBytes, long maxDecompressedBytes) {
    this(ingest, maxMessageBytes, maxDecompressedBytes, MemoryBudget.unbounded());
  }

  /** @param budget the process's bytes in flight, which every call reserves from */
  public JaegerGrpcReceiver(SpanIngest ingest, long maxMessageBytes, long maxDecompressedBytes,
      MemoryBudget budget) {
    this(ingest, maxMessageBytes, maxDecompressedBytes, budget, RequestTenant.NONE);
  }

  public JaegerGrpcReceiver(SpanIngest ingest, long maxMessageBytes, long maxDecompressedBytes,
      MemoryBudget budget, RequestTenant tenants) {
    this.ingest = ingest;
    this.tenants = tenants;
    this.maxMessageBytes = maxMessageBytes;
    this.maxDecompressedBytes = maxDecompressedBytes;
    this.budget = budget;
  }

  /** Adds PostSpans to a gRPC server (one event loop's). */
  public void register(GrpcServer server) {
    server.callHandler(POST_SPANS, this::postSpans);
  }

  private void postSpans(GrpcServerRequest<Buffer, Buffer> request) {
    GrpcServerResponse<Buffer, Buffer> response = request.response();
    // The gRPC server buffers a message whole before it is handed over, so the budget can only
    // count it then; a call that starts while the budget is spent is refused before that.
    if (budget.spent()) {
      refuse(response, budget.refuse(MemoryBudget.Stage.GRPC_CALL));
      return;
    }
    Tenant tenant = tenants.of(request);
    GrpcUnaryMessage.read(request, maxMessageBytes, "PostSpans", "PostSpansRequest")
        .onSuccess(message -> post(message, response, tenant))
        .onFailure(failure -> refuse(response, IngestException.of(failure)));
  }

  /**
   * Inflate and decode (on a worker when the message is large), holding the message's bytes in
   * the budget until its spans are committed or refused; every path releases them.
   */
  private void post(GrpcMessage message, GrpcServerResponse<Buffer, Buffer> response,
      Tenant tenant) {
    MemoryBudget.Reservation reservation = budget.open();
    Future<List<ResourceSpans>> decoded;
    try {
      reservation.grow(message.payload().length(), MemoryBudget.Stage.GRPC_MESSAGE);
      decoded = LargeBodyDecoding.run(Vertx.currentContext(), message.payload().length(),
          message.encoding() != null && !message.encoding().equals("identity"),
          () -> decode(message, reservation));
    } catch (IngestException refused) {
      decoded = Future.failedFuture(refused);
    }
    decoded.onComplete(spans -> {
      if (spans.failed()) {
        reservation.release();
        Throwable failure = spans.cause();
        if (failure instanceof InvalidProtocolBufferException e) {
          invalid(response, "malformed PostSpansRequest: " + e.getMessage());
        } else if (failure instanceof InvalidBatchException e) {
          invalid(response, "invalid Jaeger batch: " + e.getMessage());
        } else {
          refuse(response, IngestException.of(failure));
        }
        return;
      }
      ingest.accept(spans.result(), SOURCE, tenant)
          .onComplete(done -> reservation.release())
          .onSuccess(result -> response.end(EMPTY_RESPONSE))
          .onFailure(failure -> fail(response, IngestException.of(failure)));
    });
  }

  /** Runs on a worker for a large message: touches nothing of the call but its bytes. */
  private List<ResourceSpans> decode(GrpcMessage message, MemoryBudget.Reservation reservation)
      throws InvalidProtocolBufferException, InvalidBatchException {
    if (message.format() != WireFormat.PROTOBUF) {
      throw new IngestException(IngestException.Reason.UNSUPPORTED_MEDIA_TYPE,
          "only protobuf-encoded gRPC messages are read");
    }
    byte[] payload = RequestBodies.decode(message.payload().getBytes(), message.encoding(),
        maxDecompressedBytes, reservation);
    List<ResourceSpans> spans = JaegerProtoDecoder.decode(
        PostSpansRequest.parseFrom(payload).getBatch());
    reservation.holdDecoded(payload.length);
    return spans;
  }

  private void invalid(GrpcServerResponse<Buffer, Buffer> response, String problem) {
    problems.warn("invalid", "Refused a Jaeger PostSpans request: " + problem);
    refuse(response, new IngestException(IngestException.Reason.INVALID, problem));
  }

  private void refuse(GrpcServerResponse<Buffer, Buffer> response, IngestException refusal) {
    ingest.requestRefused(SOURCE, refusal.reason());
    fail(response, refusal);
  }

  private static void fail(GrpcServerResponse<Buffer, Buffer> response, IngestException refusal) {
    response.status(status(refusal.reason())).statusMessage(refusal.getMessage()).end();
  }

  /** The gRPC status of a refusal, as the OTLP specification maps them and Jaeger answers. */
  static GrpcStatus status(IngestException.Reason reason) {
    return switch (reason) {
      case INVALID -> GrpcStatus.INVALID_ARGUMENT;
      case TOO_LARGE, OVERLOADED -> GrpcStatus.RESOURCE_EXHAUSTED;
      case UNSUPPORTED_MEDIA_TYPE -> GrpcStatus.UNIMPLEMENTED;
      case UNAVAILABLE -> GrpcStatus.UNAVAILABLE;
      case INTERNAL -> GrpcStatus.INTERNAL;
    };
  }
}
