package io.meshtrace.controlplane.remote;

import io.jaegertracing.api_v2.Sampling.SamplingStrategyResponse;
import io.meshtrace.controlplane.sampling.SamplingObserver;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Function;

/**
 * Jaeger's remote sampling over HTTP (the agent's and collector's port 5778):
 *
 * <ul>
 *   <li>{@code GET /sampling?service=X} and {@code GET /api/sampling?service=X}: the proto3 JSON
 *       of {@code SamplingStrategyResponse}, enums as strings, as Jaeger serves it today and the
 *       OpenTelemetry SDKs read it;
 *   <li>{@code GET /?service=X}: the same strategy in the JSON that Jaeger's Thrift-era clients
 *       (jaeger-client-java, -go, ...) parse, with integer enums.
 * </ul>
 *
 * <p>{@code service} must be given exactly once and not be empty, else 400. Other paths are 404,
 * other methods on these paths 405.
 */
public final class RemoteSamplingHttp {
  private final SamplingStrategySource strategies;
  private final SamplingObserver observer;

  public RemoteSamplingHttp(SamplingStrategySource strategies, SamplingObserver observer) {
    this.strategies = strategies;
    this.observer = observer;
  }

  /** A router for one event loop's HTTP server. */
  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.get("/sampling").handler(ctx -> serve(ctx, "sampling", SamplingStrategyJson::proto));
    router.get("/api/sampling").handler(ctx -> serve(ctx, "sampling",
        SamplingStrategyJson::proto));
    router.get("/").handler(ctx -> serve(ctx, "legacy",
        response -> SamplingStrategyJson.legacy(response).encode()));
    return router;
  }

  /**
   * Mounts {@code GET /api/sampling} on another router: Jaeger's collector serves it on its HTTP
   * intake port (14268) too, with the same answers.
   */
  public void mountApiSampling(Router router) {
    router.get("/api/sampling").handler(ctx -> serve(ctx, "sampling",
        SamplingStrategyJson::proto));
  }

  private void serve(RoutingContext ctx, String endpoint,
      Function<SamplingStrategyResponse, String> encoding) {
    List<String> services = ctx.queryParam("service");
    String problem = services.size() != 1
        ? "'service' parameter must be provided once (it was given " + services.size() + " times)"
        : services.get(0).isEmpty() ? "'service' parameter must not be empty" : null;
    if (problem != null) {
      observer.strategyRequest(endpoint, null, "bad_request");
      ctx.response().setStatusCode(400).putHeader("Content-Type", "text/plain; charset=utf-8")
          .end(problem + "\n");
      return;
    }
    observer.strategyRequest(endpoint, services.get(0), "ok");
    ctx.response().putHeader("Content-Type", "application/json")
        .end(encoding.apply(strategies.current().forService(services.get(0))));
  }
}
