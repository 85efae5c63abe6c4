package io.meshtrace.examples.generator;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * OTLP/gRPC over Vert.x's gRPC client (h2c): the JDK HttpClient cannot read gRPC trailers.
 * The calling thread waits for each answer; the generator sends one request at a time.
 */
final class OtlpGrpcSender implements SpanSender {
  private static final ServiceMethod<Buffer, Buffer> EXPORT = ServiceMethod.client(
      ServiceName.create("opentelemetry.proto.collector.trace.v1.TraceService"), "Export",
      GrpcMessageEncoder.IDENTITY, GrpcMessageDecoder.IDENTITY);

  private record Reply(GrpcStatus status, String message, MultiMap trailers, Buffer body) {}

  private final URI endpoint;
  private final SocketAddress address;
  private final RetryPolicy retries;
  private final Vertx vertx = Vertx.vertx();
  private final GrpcClient client = GrpcClient.client(vertx);

  OtlpGrpcSender(URI endpoint, RetryPolicy retries) {
    this.endpoint = endpoint;
    this.address = SocketAddress.inetSocketAddress(endpoint.getPort() < 0 ? 80
        : endpoint.getPort(), endpoint.getHost());
    this.retries = retries;
  }

  @Override
  public URI endpoint() {
    return endpoint;
  }

  @Override
  public Delivery send(List<GeneratedTrace> traces) throws SendFailure, InterruptedException {
    byte[] message = OtlpSpans.of(traces).toByteArray();
    for (int retry = 0; ; retry++) {
      Reply reply;
      try {
        reply = client.request(address, EXPORT)
            .compose(request -> request.send(Buffer.buffer(message)))
            .compose(OtlpGrpcSender::collect)
            .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new SendFailure("cannot send to " + endpoint + " (OTLP/gRPC): "
            + HttpSpanSender.describe(e) + " (is meshtrace running? java -jar meshtrace.jar "
            + "all-in-one)", retry);
      }
      if (reply.status() == GrpcStatus.OK) {
        OtlpSpans.checkPartialSuccess(reply.body().getBytes(), "OTLP/gRPC Export to "
            + endpoint, retry);
        return new Delivery(message.length, retry);
      }
      if ((reply.status() == GrpcStatus.RESOURCE_EXHAUSTED
          || reply.status() == GrpcStatus.UNAVAILABLE) && retry < retries.maxRetries()) {
        Thread.sleep(retries.delay(retry, retryDelay(reply.trailers())).toMillis());
        continue;
      }
      throw new SendFailure("OTLP/gRPC Export to " + endpoint + " answered " + reply.status()
          + (retry > 0 ? " after " + retry + " retries" : "") + ": "
          + (reply.message() == null ? "(no message)" : reply.message()), retry);
    }
  }

  private static Future<Reply> collect(GrpcClientResponse<Buffer, Buffer> response) {
    Buffer body = Buffer.buffer();
    response.handler(body::appendBuffer);
    // A "trailers-only" answer (an error before any message) carries its trailers in the
    // HTTP/2 headers.
    return response.end().transform(done -> Future.succeededFuture(new Reply(response.status(),
        response.statusMessage(), MultiMap.caseInsensitiveMultiMap().addAll(response.headers())
            .addAll(response.trailers()), body)));
  }

  /** The RetryInfo delay in {@code grpc-status-details-bin}, or null. */
  private static Duration retryDelay(MultiMap trailers) {
    String details = trailers.get("grpc-status-details-bin");
    if (details == null) {
      return null;
    }
    try {
      com.google.rpc.Status status = com.google.rpc.Status.parseFrom(
          Base64.getDecoder().decode(details));
      for (com.google.protobuf.Any any : status.getDetailsList()) {
        if (any.is(RetryInfo.class)) {
          com.google.protobuf.Duration delay = any.unpack(RetryInfo.class).getRetryDelay();
          return Duration.ofSeconds(delay.getSeconds(), delay.getNanos());
        }
      }
    } catch (InvalidProtocolBufferException | IllegalArgumentException unreadable) {
      // no usable hint: back off
    }
    return null;
  }

  @Override
  public void close() {
    client.close().await();
    vertx.close().await();
  }
}
