package io.meshtrace.controlplane.remote;

import io.jaegertracing.api_v2.Sampling.SamplingStrategyParameters;
import io.jaegertracing.api_v2.Sampling.SamplingStrategyResponse;
import io.meshtrace.controlplane.sampling.SamplingObserver;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerRequest;

/**
 * Jaeger's remote sampling over gRPC (the collector's port 14250):
 * {@code jaeger.api_v2.SamplingManager/GetSamplingStrategy}, which the OpenTelemetry SDKs' Jaeger
 * remote samplers call. An empty {@code serviceName} is INVALID_ARGUMENT, like the HTTP 400.
 */
public final class RemoteSamplingGrpc {
  static final ServiceMethod<SamplingStrategyParameters, SamplingStrategyResponse>
      GET_SAMPLING_STRATEGY = ServiceMethod.server(
          ServiceName.create("jaeger.api_v2", "SamplingManager"), "GetSamplingStrategy",
          GrpcMessageEncoder.encoder(),
          GrpcMessageDecoder.decoder(SamplingStrategyParameters.getDefaultInstance()));
  /** A request is a service name: anything larger is not one. */
  private static final long MAX_MESSAGE_BYTES = 64 * 1024;

  private final SamplingStrategySource strategies;
  private final SamplingObserver observer;

  public RemoteSamplingGrpc(SamplingStrategySource strategies, SamplingObserver observer) {
    this.strategies = strategies;
    this.observer = observer;
  }

  /** A gRPC server for one event loop's HTTP server, serving sampling only. */
  public GrpcServer server(Vertx vertx) {
    GrpcServer server = GrpcServer.server(vertx,
        new GrpcServerOptions().setMaxMessageSize(MAX_MESSAGE_BYTES));
    register(server);
    return server;
  }

  /**
   * Adds GetSamplingStrategy to a gRPC server that serves more (Jaeger's collector port, with
   * span intake beside it).
   */
  public void register(GrpcServer server) {
    server.callHandler(GET_SAMPLING_STRATEGY, this::getSamplingStrategy);
  }

  private void getSamplingStrategy(
      GrpcServerRequest<SamplingStrategyParameters, SamplingStrategyResponse> request) {
    request.last().onComplete(parameters -> {
      if (parameters.failed()) {
        refuse(request, "cannot read SamplingStrategyParameters: "
            + parameters.cause().getMessage());
        return;
      }
      String service = parameters.result().getServiceName();
      if (service.isEmpty()) {
        refuse(request, "serviceName must not be empty");
        return;
      }
      observer.strategyRequest("grpc", service, "ok");
      request.response().end(strategies.current().forService(service));
    });
  }

  private void refuse(
      GrpcServerRequest<SamplingStrategyParameters, SamplingStrategyResponse> request,
      String reason) {
    observer.strategyRequest("grpc", null, "bad_request");
    request.response().status(GrpcStatus.INVALID_ARGUMENT).statusMessage(reason).end();
  }
}
