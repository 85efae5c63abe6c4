package io.meshtrace.controlplane.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.jaegertracing.api_v2.Sampling.SamplingStrategyParameters;
import io.jaegertracing.api_v2.Sampling.SamplingStrategyResponse;
import io.jaegertracing.api_v2.Sampling.SamplingStrategyType;
import io.meshtrace.controlplane.sampling.SamplingObserver;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.controlplane.sampling.SamplingStrategiesJson;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code SamplingManager/GetSamplingStrategy} through a real gRPC client. */
class RemoteSamplingGrpcTest {
  static final ServiceMethod<SamplingStrategyResponse, SamplingStrategyParameters> GET =
      ServiceMethod.client(ServiceName.create("jaeger.api_v2", "SamplingManager"),
          "GetSamplingStrategy", GrpcMessageEncoder.encoder(),
          GrpcMessageDecoder.decoder(SamplingStrategyResponse.getDefaultInstance()));

  static Vertx vertx;
  static HttpServer server;
  static GrpcClient client;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    SamplingStrategySource source = SamplingStrategySource.fixed(SamplingStrategies.resolve(
        SamplingStrategiesJson.parse(RemoteSamplingHttpTest.DOCUMENT).document(), 0.001), "test");
    server = vertx.createHttpServer(new HttpServerOptions())
        .requestHandler(new RemoteSamplingGrpc(source, SamplingObserver.NONE).server(vertx))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    client = GrpcClient.client(vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void answersTheServicesStrategy() throws Exception {
    SamplingStrategyResponse checkout = call("checkout").await(10, TimeUnit.SECONDS);
    assertThat(checkout.getStrategyType()).isEqualTo(SamplingStrategyType.PROBABILISTIC);
    assertThat(checkout.getProbabilisticSampling().getSamplingRate()).isEqualTo(0.8);
    assertThat(checkout.getOperationSampling().getPerOperationStrategies(0).getOperation())
        .isEqualTo("GET /health");
    SamplingStrategyResponse edge = call("edge").await(10, TimeUnit.SECONDS);
    assertThat(edge.getStrategyType()).isEqualTo(SamplingStrategyType.RATE_LIMITING);
    assertThat(edge.getRateLimitingSampling().getMaxTracesPerSecond()).isEqualTo(5);
    assertThat(call("other").await(10, TimeUnit.SECONDS).getProbabilisticSampling()
        .getSamplingRate()).isEqualTo(0.5);
  }

  @Test
  void anEmptyServiceNameIsInvalidArgument() throws Exception {
    GrpcClientResponse<SamplingStrategyParameters, SamplingStrategyResponse> response =
        client.request(address(), GET)
            .compose(request -> request.send(SamplingStrategyParameters.getDefaultInstance()))
            .await(10, TimeUnit.SECONDS);
    response.end().transform(done -> Future.succeededFuture()).await(10, TimeUnit.SECONDS);
    assertThat(response.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
    assertThat(response.statusMessage()).isEqualTo("serviceName must not be empty");
  }

  @Test
  void otherMethodsAreUnimplemented() throws Exception {
    ServiceMethod<Buffer, Buffer> other = ServiceMethod.client(
        ServiceName.create("jaeger.api_v2", "CollectorService"), "PostSpans",
        GrpcMessageEncoder.IDENTITY, GrpcMessageDecoder.IDENTITY);
    GrpcClientResponse<Buffer, Buffer> response = client.request(address(), other)
        .compose(request -> request.send(Buffer.buffer()))
        .await(10, TimeUnit.SECONDS);
    response.end().transform(done -> Future.succeededFuture()).await(10, TimeUnit.SECONDS);
    assertThat(response.status()).isEqualTo(GrpcStatus.UNIMPLEMENTED);
  }

  static Future<SamplingStrategyResponse> call(String service) {
    return client.request(address(), GET)
        .compose(request -> request.send(SamplingStrategyParameters.newBuilder()
            .setServiceName(service).build()))
        .compose(GrpcClientResponse::last);
  }

  static SocketAddress address() {
    return SocketAddress.inetSocketAddress(server.actualPort(), "127.0.0.1");
  }
}
