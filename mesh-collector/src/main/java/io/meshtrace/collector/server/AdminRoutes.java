package io.meshtrace.collector.server;

import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.meshtrace.controlplane.slo.ObjectivesStatus;
import io.meshtrace.metrics.SpanMetricsExport;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin listener: {@code /healthz} says the process is alive and can recover by itself (503
 * when it cannot, for example when the embedded PostgreSQL stays down: then only a restart of
 * the process helps), {@code /readyz} that it can do its work (storage answers and commits,
 * every listener is up, it is not stopping), {@code /metrics} is for Prometheus.
 *
 * <p>{@code /readyz} also describes the sampling strategies' source. A strategies file that broke
 * after start-up does not make the process unready, since the last good strategies are still
 * served, but the detail says it is broken and why.
 */
final class AdminRoutes {
  private final Supplier<String> unhealthy;
  private final Supplier<Future<Void>> storagePing;
  private final BooleanSupplier listenersUp;
  private final PrometheusMeterRegistry metrics;
  private final Supplier<SamplingStrategySource.Status> sampling;
  private final Supplier<SamplingStrategySource.Status> xds;
  /** What an ingester holds, or null in other processes. */
  private final Supplier<String> kafkaPartitions;
  /** The RED metrics of the spans this process stored; returns null when none are exported. */
  private final Supplier<SpanMetricsExport> spanMetrics;
  private final Supplier<ObjectivesStatus> slo;

  /**
   * @param unhealthy why the process cannot recover by itself, or null when it can
   * @param storagePing succeeds when storage answers (fails while it is not open)
   * @param listenersUp whether every component of the process has started and none is stopping
   * @param sampling the served strategies' status; returns null when this process serves none
   * @param xds the xDS server's status; returns null when none runs
   * @param spanMetrics the spanmetrics series to add to /metrics; returns null for none
   * @param slo the service level objectives' status; returns null when none are served
   */
  AdminRoutes(Supplier<String> unhealthy, Supplier<Future<Void>> storagePing,
      BooleanSupplier listenersUp,
      PrometheusMeterRegistry metrics, Supplier<SamplingStrategySource.Status> sampling,
      Supplier<SamplingStrategySource.Status> xds, Supplier<String> kafkaPartitions,
      Supplier<SpanMetricsExport> spanMetrics, Supplier<ObjectivesStatus> slo) {
    this.unhealthy = unhealthy;
    this.storagePing = storagePing;
    this.listenersUp = listenersUp;
    this.metrics = metrics;
    this.sampling = sampling;
    this.xds = xds;
    this.kafkaPartitions = kafkaPartitions;
    this.spanMetrics = spanMetrics;
    this.slo = slo;
  }

  Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.get("/healthz").handler(ctx -> {
      String problem = unhealthy.get();
      if (problem == null) {
        ctx.json(new JsonObject().put("status", "ok"));
      } else {
        ctx.response().setStatusCode(503);
        ctx.json(new JsonObject().put("status", "unhealthy").put("reason", problem));
      }
    });
    router.get("/readyz").handler(this::ready);
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(scrape()));
    return router;
  }

  private String scrape() {
    SpanMetricsExport export = spanMetrics.get();
    if (export == null) {
      return metrics.scrape();
    }
    StringBuilder text = new StringBuilder(metrics.scrape());
    export.write(text);
    return text.toString();
  }

  private void ready(RoutingContext ctx) {
    boolean listeners = listenersUp.getAsBoolean();
    storagePing.get()
        .timeout(2, java.util.concurrent.TimeUnit.SECONDS)
        .onComplete(ping -> {
          JsonObject checks = new JsonObject()
              .put("listeners", listeners ? "up" : "not serving (starting or stopping)")
              .put("storage", ping.succeeded() ? "ok" : "unreachable: " + ping.cause().getMessage());
          SamplingStrategySource.Status status = sampling.get();
          if (status != null) {
            checks.put("samplingStrategies", (status.degraded() ? "degraded: " : "ok: ")
                + status.detail());
          }
          SamplingStrategySource.Status xdsStatus = xds.get();
          if (xdsStatus != null) {
            checks.put("xds", (xdsStatus.degraded() ? "degraded: " : "ok: ")
                + xdsStatus.detail());
          }
          ObjectivesStatus objectives = slo.get();
          if (objectives != null) {
            checks.put("slo", (objectives.degraded() ? "degraded: " : "ok: ")
                + objectives.detail());
          }
          String partitions = kafkaPartitions.get();
          if (partitions != null) {
            checks.put("kafkaPartitions", partitions);
          }
          boolean ready = listeners && ping.succeeded();
          ctx.response().setStatusCode(ready ? 200 : 503);
          ctx.json(new JsonObject().put("status", ready ? "ready" : "not ready")
              .put("checks", checks));
        });
  }
}
