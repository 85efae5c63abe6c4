package io.meshtrace.examples.services;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

/** One running example service: its HTTP server and its telemetry. */
public final class ExampleService {
  private final ServiceConfig config;
  private final Telemetry telemetry;
  private final HttpServer server;
  private final WebClient client;

  private ExampleService(ServiceConfig config, Telemetry telemetry, HttpServer server,
      WebClient client) {
    this.config = config;
    this.telemetry = telemetry;
    this.server = server;
    this.client = client;
  }

  /** Starts the service {@code config.service()} on {@code vertx}. */
  public static Future<ExampleService> start(Vertx vertx, ServiceConfig config) {
    // payments reports Zipkin v2 to :9411 as Envoy does; the others OTLP.
    Telemetry telemetry = Telemetry.create(config, "payments".equals(config.service())
        ? Telemetry.Export.ZIPKIN : Telemetry.Export.OTLP_HTTP);
    HttpTracing tracing = new HttpTracing(telemetry);
    WebClient client = WebClient.create(vertx, new WebClientOptions()
        .setUserAgent("meshtrace-example-" + config.service()));
    Router router = Router.router(vertx);
    String entryOperation = switch (config.service()) {
      case "shop" -> "GET " + ShopRoutes.CHECKOUT;
      case "cart" -> "GET " + CartRoutes.CHECKOUT;
      default -> "POST " + PaymentsRoutes.CHARGE;
    };
    // Untraced. Says which strategy a trace starting here gets now: run-demo.sh waits for the
    // one meshtrace serves before sending requests.
    router.get("/health").handler(request -> {
      JsonObject health = new JsonObject().put("status", "ok").put("service", config.service());
      telemetry.samplingStrategy(entryOperation).ifPresent(strategy -> health.put("sampling",
          new JsonObject().put("operation", entryOperation).put("type", strategy.type())
              .put("param", strategy.param())));
      request.response().putHeader("content-type", "application/json").end(health.encode());
    });
    switch (config.service()) {
      case "shop" -> ShopRoutes.mount(router, tracing, client, config.downstreamUrl());
      case "cart" -> CartRoutes.mount(router, tracing, client, config.downstreamUrl());
      case "payments" -> PaymentsRoutes.mount(router, tracing, config.declineFraction());
      default -> throw new IllegalArgumentException("no service " + config.service());
    }
    return vertx.createHttpServer().requestHandler(router)
        .listen(config.port(), config.bind())
        .map(server -> new ExampleService(config, telemetry, server, client))
        .onFailure(failure -> {
          client.close();
          telemetry.close();
        });
  }

  public ServiceConfig config() {
    return config;
  }

  public int port() {
    return server.actualPort();
  }

  public Telemetry telemetry() {
    return telemetry;
  }

  /** Stops serving, then exports what is left. */
  public Future<Void> stop() {
    return server.close().eventually(() -> {
      client.close();
      telemetry.close();
      return Future.succeededFuture();
    });
  }
}
