package io.meshtrace.collector;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/** Raw OTLP/gRPC Export calls, to see status codes and trailers as a client sees them. */
public final class OtlpGrpcCalls implements AutoCloseable {
  static final ServiceMethod<Buffer, Buffer> EXPORT = ServiceMethod.client(
      ServiceName.create("opentelemetry.proto.collector.trace.v1.TraceService"), "Export",
      GrpcMessageEncoder.IDENTITY, GrpcMessageDecoder.IDENTITY);

  /** What came back. */
  public record Reply(GrpcStatus status, String message, MultiMap trailers, Buffer body) {
    public ExportTraceServiceResponse response() throws InvalidProtocolBufferException {
      return ExportTraceServiceResponse.parseFrom(body.getBytes());
    }

    /** The RetryInfo delay in {@code grpc-status-details-bin}, or null. */
    public Duration retryDelay() throws InvalidProtocolBufferException {
      String details = trailers.get("grpc-status-details-bin");
      if (details == null) {
        return null;
      }
      com.google.rpc.Status status = com.google.rpc.Status.parseFrom(Base64.getDecoder()
          .decode(details));
      for (com.google.protobuf.Any any : status.getDetailsList()) {
        if (any.is(RetryInfo.class)) {
          com.google.protobuf.Duration delay = any.unpack(RetryInfo.class).getRetryDelay();
          return Duration.ofSeconds(delay.getSeconds(), delay.getNanos());
        }
      }
      return null;
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final GrpcClient client = GrpcClient.client(vertx);
  private final int port;

  public OtlpGrpcCalls(int port) {
    this.port = port;
  }

  /** Sends one message as is; {@code gzipPayload} says the bytes are already gzip-compressed. */
  public Reply export(byte[] message, boolean gzipPayload) throws Exception {
    return export(message, gzipPayload, MultiMap.caseInsensitiveMultiMap());
  }

  /** As {@link #export(byte[], boolean)}, with this metadata ({@code authorization}, ...). */
  public Reply export(byte[] message, boolean gzipPayload, MultiMap metadata) throws Exception {
    return client.request(SocketAddress.inetSocketAddress(port, "127.0.0.1"), EXPORT)
        .compose(request -> {
          request.headers().addAll(metadata);
          if (gzipPayload) {
            request.encoding("gzip");
          }
          return request.endMessage(GrpcMessage.message(gzipPayload ? "gzip" : "identity",
                  Buffer.buffer(message)))
              .compose(v -> request.response());
        })
        .compose(this::collect)
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** Calls another method of the server. */
  public Reply call(String service, String method, byte[] message) throws Exception {
    ServiceMethod<Buffer, Buffer> other = ServiceMethod.client(ServiceName.create(service), method,
        GrpcMessageEncoder.IDENTITY, GrpcMessageDecoder.IDENTITY);
    return client.request(SocketAddress.inetSocketAddress(port, "127.0.0.1"), other)
        .compose(request -> request.send(Buffer.buffer(message)))
        .compose(this::collect)
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private io.vertx.core.Future<Reply> collect(GrpcClientResponse<Buffer, Buffer> response) {
    Buffer body = Buffer.buffer();
    response.handler(body::appendBuffer);
    // A "trailers-only" answer (an error before any message) carries its trailers in the
    // HTTP/2 headers, where gRPC clients look for them too.
    return response.end().transform(done -> {
      io.vertx.core.MultiMap trailers = io.vertx.core.MultiMap.caseInsensitiveMultiMap()
          .addAll(response.headers()).addAll(response.trailers());
      return io.vertx.core.Future.succeededFuture(
          new Reply(response.status(), response.statusMessage(), trailers, body));
    });
  }

  @Override
  public void close() {
    client.close().await();
    vertx.close().await();
  }
}
