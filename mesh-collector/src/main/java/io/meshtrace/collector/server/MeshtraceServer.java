package io.meshtrace.collector.server;

import io.meshtrace.collector.config.InvalidConfigException;
import io.meshtrace.collector.config.MeshtraceConfig;
import io.meshtrace.collector.metrics.IngestMetrics;
import io.meshtrace.collector.metrics.Metrics;
import io.meshtrace.collector.metrics.SamplingMetrics;
import io.meshtrace.collector.metrics.XdsMetrics;
import io.meshtrace.otlp.receiver.OtlpGrpcReceiver;
import io.meshtrace.otlp.receiver.OtlpHttpReceiver;
import io.meshtrace.controlplane.file.UnusableFileException;
import io.meshtrace.controlplane.remote.RemoteSamplingGrpc;
import io.meshtrace.controlplane.remote.RemoteSamplingHttp;
import io.meshtrace.controlplane.sampling.InvalidSamplingStrategiesException;
import io.meshtrace.controlplane.sampling.ObservedTrafficPoller;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.meshtrace.controlplane.sampling.adaptive.AdaptiveProbabilitiesPoller;
import io.meshtrace.controlplane.sampling.adaptive.AdaptiveSamplingLeader;
import io.meshtrace.controlplane.sampling.adaptive.AdaptiveSamplingSettings;
import io.meshtrace.controlplane.sampling.admin.AdminStrategyVersions;
import io.meshtrace.controlplane.sampling.admin.AdminVersionPoller;
import io.meshtrace.controlplane.sampling.admin.SamplingAdminApi;
import io.meshtrace.controlplane.sampling.file.FileSamplingStrategySource;
import io.meshtrace.controlplane.sampling.file.SamplingStrategyFile;
import io.meshtrace.controlplane.sampling.served.ServedSamplingStrategies;
import io.meshtrace.controlplane.xds.EdgeGatewayXdsServer;
import io.meshtrace.controlplane.xds.GatewayRoutes;
import io.meshtrace.controlplane.xds.GatewayRoutesFile;
import io.meshtrace.controlplane.xds.InvalidGatewayRoutesException;
import io.meshtrace.ingest.IngestLimits;
import io.meshtrace.ingest.IngestPipeline;
import io.meshtrace.lifecycle.Component;
import io.meshtrace.lifecycle.ComponentStartException;
import io.meshtrace.lifecycle.Components;
import io.meshtrace.query.adjust.TraceAdjuster;
import io.meshtrace.query.adjust.TraceAdjusters;
import io.meshtrace.query.jaeger.JaegerQueryApi;
import io.meshtrace.query.jaeger.v3.JaegerApiV3;
import io.meshtrace.query.ui.BrowserUi;
import io.meshtrace.query.ui.UiAssets;
import io.meshtrace.query.zipkin.ZipkinQueryApi;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.meshtrace.storage.postgres.PostgresStorageConfig;
import io.meshtrace.storage.postgres.embedded.EmbeddedPostgres;
import io.meshtrace.zipkin.receiver.ZipkinHttpReceiver;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running meshtrace process: storage, the listeners its mode needs, and the admin endpoints.
 * The one place where the modules are wired together.
 */
public final class MeshtraceServer {
  private static final Logger LOG = LoggerFactory.getLogger(MeshtraceServer.class);

  private final MeshtraceConfig config;
  private final EmbeddedPostgres embeddedPostgres;
  private final Vertx vertx;
  private final PostgresStorage storage;
  private final PrometheusMeterRegistry metrics;
  private final List<HttpListener> listeners = new ArrayList<>();
  private IngestPipeline ingest;
  /** The control plane's parts, started in order and stopped in reverse. */
  private final Components controlPlane;
  private volatile EdgeGatewayXdsServer xds;
  private volatile boolean listenersUp;
  private volatile boolean stopped;

  private MeshtraceServer(MeshtraceConfig config, EmbeddedPostgres embeddedPostgres, Vertx vertx,
      PostgresStorage storage, PrometheusMeterRegistry metrics) {
    this.config = config;
    this.embeddedPostgres = embeddedPostgres;
    this.vertx = vertx;
    this.storage = storage;
    this.metrics = metrics;
    this.controlPlane = new Components(vertx, Duration.ofSeconds(10));
  }

  /** Starts everything and returns once every listener is up. Blocks: call from main. */
  public static MeshtraceServer start(MeshtraceConfig config) throws Exception {
    long started = System.nanoTime();
    checkSamplingStrategiesFile(config);
    checkGatewayRoutesFile(config);
    EmbeddedPostgres embedded = null;
    PgConnectOptions connect;
    if (config.storage().embedded()) {
      embedded = EmbeddedPostgres.start(config.storage().dataDir(), EmbeddedPostgres.defaultBinariesCache());
      connect = new PgConnectOptions().setHost(embedded.host()).setPort(embedded.port())
          .setUser(EmbeddedPostgres.USER).setDatabase(EmbeddedPostgres.DATABASE);
    } else {
      connect = PgConnectOptions.fromUri(config.storage().pgUrl());
    }
    PrometheusMeterRegistry metrics = Metrics.registry();
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
        .withMetrics(new MicrometerMetricsFactory(metrics))
        .build();
    PostgresStorage storage;
    try {
      storage = PostgresStorage.open(vertx, new PostgresStorageConfig(connect,
              config.storage().pgPoolSize(), config.storage().writerConcurrency(), config.storage().maxBatchSpans(),
              config.storage().partitionsAhead(), config.storage().retentionDays(),
              PostgresStorageConfig.DEFAULT_MAX_FUTURE_SKEW,
              java.util.Set.copyOf(config.storage().indexedTagKeys())))
          .toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
    } catch (Exception e) {
      vertx.close();
      if (embedded != null) {
        embedded.close();
      }
      Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
      throw new IllegalStateException("cannot open storage at " + describe(connect) + ": "
          + cause.getMessage(), cause);
    }
    MeshtraceServer server = new MeshtraceServer(config, embedded, vertx, storage, metrics);
    try {
      server.startListeners();
    } catch (Exception e) {
      server.stop();
      throw e;
    }
    LOG.info("meshtrace {} is up in {} ms: {}", config.mode().command(),
        (System.nanoTime() - started) / 1_000_000, server.ports());
    return server;
  }

  /**
   * A strategies file that is missing or invalid at start-up stops it, naming the setting; only
   * once there are good strategies to keep serving is a broken file survivable. Checked before
   * storage opens, so that the mistake is reported at once.
   */
  private static void checkSamplingStrategiesFile(MeshtraceConfig config) {
    if (config.mode().runsSampling() && config.sampling().strategiesFile() != null) {
      try {
        SamplingStrategyFile.load(config.sampling().strategiesFile(),
            config.sampling().defaultProbability());
      } catch (InvalidSamplingStrategiesException e) {
        throw invalidStrategiesFile(config, e);
      }
    }
  }

  /** As the strategies file: a bad routes file stops start-up, naming the setting. */
  private static void checkGatewayRoutesFile(MeshtraceConfig config) {
    if (!config.runsXds()) {
      return;
    }
    try {
      GatewayRoutesFile.load(config.xds().gatewayRoutes());
    } catch (InvalidGatewayRoutesException e) {
      throw invalidGatewayRoutes(config, e);
    }
  }

  private static InvalidConfigException invalidGatewayRoutes(MeshtraceConfig config,
      InvalidGatewayRoutesException problem) {
    return new InvalidConfigException("gateway-routes", config.xds().gatewayRoutes() + ": "
        + problem.getMessage());
  }

  /**
   * The xDS server for the edge-gateway Envoy, when there are routes to give it: the routes
   * decide the listener and clusters, so without a file there is nothing to serve and no port is
   * opened.
   */
  private void startXds(SamplingStrategySource sampling) throws Exception {
    if (!config.runsXds()) {
      if (config.xds().gatewayRoutes() != null) {
        LOG.warn("--gateway-routes is ignored by the {} command: the xDS server runs in "
            + "all-in-one and control-plane", config.mode().command());
      } else if (config.mode().runsSampling()) {
        LOG.info("xDS server for the edge gateway is off: no --gateway-routes file");
      }
      return;
    }
    // The edge Envoy reports to this process's Zipkin port unless the file names a collector.
    Integer zipkin = ports().get("zipkin");
    int collectorPort = zipkin != null ? zipkin
        : config.listeners().zipkinPort() != 0 ? config.listeners().zipkinPort() : 9411;
    EdgeGatewayXdsServer server = new EdgeGatewayXdsServer(vertx,
        new EdgeGatewayXdsServer.Settings(config.listeners().bind(), config.xds().port(),
            config.xds().nodeCluster(), config.xds().gatewayRoutes(),
            new GatewayRoutes.Endpoint("127.0.0.1", collectorPort), Duration.ofMillis(200),
            config.sampling().reloadInterval()),
        sampling, new XdsMetrics(metrics));
    try {
      startControlPlane(server);
    } catch (UnusableFileException e) {
      // changed between the check and now
      throw new InvalidConfigException("gateway-routes", e.getMessage());
    }
    xds = server;
    if (zipkin == null && xds.routes().collector() == null) {
      LOG.warn("The gateway routes file {} names no collector, so the edge Envoy is told to "
          + "send spans to 127.0.0.1:{}, but this {} process runs no Zipkin listener: add "
          + "collector.address (the host:port of meshtrace's collector)", config.xds().gatewayRoutes(),
          collectorPort, config.mode().command());
    }
  }

  private static InvalidConfigException invalidStrategiesFile(MeshtraceConfig config,
      Throwable problem) {
    return new InvalidConfigException("sampling-strategies", config.sampling().strategiesFile()
        + ": " + problem.getMessage());
  }

  private SamplingStrategySource openSamplingStrategies(SamplingMetrics samplingMetrics)
      throws Exception {
    if (config.sampling().strategiesFile() == null) {
      samplingMetrics.strategiesLoaded("built-in");
      return SamplingStrategySource.fixed(
          SamplingStrategies.builtIn(config.sampling().defaultProbability()),
          "built-in default (no --sampling-strategies): every service probabilistic at "
              + config.sampling().defaultProbability());
    }
    FileSamplingStrategySource samplingFile = new FileSamplingStrategySource(vertx,
        config.sampling().strategiesFile(), config.sampling().reloadInterval(),
        config.sampling().defaultProbability(), samplingMetrics);
    try {
      startControlPlane(samplingFile);
      return samplingFile;
    } catch (UnusableFileException e) {
      throw new InvalidConfigException("sampling-strategies", e.getMessage());
    }
  }

  private void startListeners() throws Exception {
    int loops = config.listeners().httpEventLoops();
    HttpServerOptions options = HttpListener.defaultOptions();
    SamplingMetrics samplingMetrics = null;
    SamplingStrategySource sampling = null;
    SamplingAdminApi samplingAdminApi = null;
    if (config.mode().runsSampling()) {
      samplingMetrics = new SamplingMetrics(metrics);
      // The file (or the built-in default), with the admin API's changes over it.
      AdminStrategyVersions store = new AdminStrategyVersions(storage.strategyDocumentLog());
      AdaptiveSamplingSettings adaptiveSettings = config.sampling().adaptive()
          ? AdaptiveSamplingSettings.jaegerDefaults(config.sampling().adaptiveTargetSamplesPerSecond())
          : null;
      if (adaptiveSettings != null) {
        startControlPlane(new AdaptiveSamplingLeader(vertx,
            storage.adaptiveSamplingLeadership(), storage.adaptiveProbabilities(),
            adaptiveSettings, storage::rootSpanThroughput, java.time.Clock.systemUTC()));
      }
      SamplingStrategySource base = openSamplingStrategies(samplingMetrics);
      AdminVersionPoller adminVersions = new AdminVersionPoller(vertx, store, samplingMetrics);
      startControlPlane(adminVersions);
      AdaptiveProbabilitiesPoller adaptive = null;
      if (adaptiveSettings != null) {
        adaptive = new AdaptiveProbabilitiesPoller(vertx, storage.adaptiveProbabilities(),
            adaptiveSettings, samplingMetrics);
        startControlPlane(adaptive);
      }
      ObservedTrafficPoller traffic = new ObservedTrafficPoller(vertx,
          storage::rootSpanThroughput, java.time.Clock.systemUTC());
      startControlPlane(traffic);
      sampling = new ServedSamplingStrategies(base, adminVersions, traffic::current,
          adaptive == null ? () -> null : adaptive::current);
      samplingAdminApi = new SamplingAdminApi(sampling, base, adminVersions, store,
          config.sampling().adminToken());
    }
    SamplingAdminApi adminApi = samplingAdminApi;
    AdminRoutes admin = new AdminRoutes(storage::ping, () -> listenersUp, metrics, sampling,
        () -> xds == null ? null : xds.status());
    await(HttpListener.start(vertx, "admin", config.listeners().bind(), config.listeners().adminPort(), 1, options,
        admin::router));

    IngestLimits limits = config.ingest().limits();
    IngestMetrics ingestMetrics = new IngestMetrics(metrics, () -> ingest == null ? 0
        : ingest.spansInFlight());
    storage.setBatchListener(ingestMetrics);
    if (config.mode().runsIngest()) {
      ingestMetrics.registerSources(ZipkinHttpReceiver.SOURCES);
      ingestMetrics.registerSources(OtlpGrpcReceiver.SOURCES);
      ingestMetrics.registerSources(OtlpHttpReceiver.SOURCES);
    }
    ingest = new IngestPipeline(storage.spanSink(), storage.spanChecker(), limits,
        ingestMetrics);

    if (config.mode().runsZipkin()) {
      ZipkinHttpReceiver zipkinReceiver = new ZipkinHttpReceiver(ingest,
          new ZipkinHttpReceiver.Limits(config.ingest().maxRequestBytes(), config.ingest().maxDecompressedBytes()));
      ZipkinQueryApi zipkinQuery = new ZipkinQueryApi(storage.spanStore());
      await(HttpListener.start(vertx, "zipkin", config.listeners().bind(), config.listeners().zipkinPort(), loops,
          options, v -> {
            Router router = Router.router(v);
            if (config.mode().runsIngest()) {
              zipkinReceiver.mount(router);
            }
            if (config.mode().runsQuery()) {
              zipkinQuery.mount(router);
            }
            return router;
          }));
    }
    if (config.mode().runsIngest()) {
      OtlpGrpcReceiver grpc = new OtlpGrpcReceiver(ingest, config.ingest().maxRequestBytes(),
          config.ingest().maxDecompressedBytes());
      // gRPC compresses messages itself; HTTP-level compression would only confuse clients.
      HttpServerOptions grpcOptions = HttpListener.defaultOptions().setCompressionSupported(false)
          .setHttp2ConnectionWindowSize(8 << 20)
          .setInitialSettings(new Http2Settings().setInitialWindowSize(4 << 20));
      await(HttpListener.start(vertx, "otlpGrpc", config.listeners().bind(), config.listeners().otlpGrpcPort(), loops,
          grpcOptions, grpc::server));
      OtlpHttpReceiver otlpHttp = new OtlpHttpReceiver(ingest, new OtlpHttpReceiver.Options(
          config.ingest().maxRequestBytes(), config.ingest().maxDecompressedBytes(), config.ingest().otlpHttpCorsOrigins()));
      await(HttpListener.start(vertx, "otlpHttp", config.listeners().bind(), config.listeners().otlpHttpPort(), loops,
          options, otlpHttp::router));
    }
    if (config.mode().runsQuery()) {
      TraceAdjuster adjuster = TraceAdjusters.standard(config.query().maxClockSkewAdjustment());
      JaegerQueryApi jaeger = new JaegerQueryApi(storage.spanStore(), adjuster,
          java.time.Clock.systemUTC());
      JaegerApiV3 jaegerV3 = new JaegerApiV3(storage.spanStore(), adjuster);
      BrowserUi ui = new BrowserUi(UiAssets.load());
      await(HttpListener.start(vertx, "query", config.listeners().bind(), config.listeners().queryPort(), loops, options,
          v -> {
            Router router = Router.router(v);
            jaeger.mount(router);
            jaegerV3.mount(router);
            if (adminApi != null) {
              // Beside the UI, which shows and edits the strategies.
              adminApi.mount(v, router);
            }
            ui.mount(router); // last: it answers the paths the APIs do not
            return router;
          }));
    }
    if (config.mode().runsSampling()) {
      // SDKs ask every minute or so: one event loop each is plenty.
      RemoteSamplingHttp samplingHttp = new RemoteSamplingHttp(sampling, samplingMetrics);
      await(HttpListener.start(vertx, "samplingHttp", config.listeners().bind(), config.listeners().samplingHttpPort(), 1,
          options, v -> {
            Router router = samplingHttp.router(v);
            adminApi.mount(v, router);
            return router;
          }));
      RemoteSamplingGrpc samplingGrpc = new RemoteSamplingGrpc(sampling, samplingMetrics);
      await(HttpListener.start(vertx, "samplingGrpc", config.listeners().bind(), config.listeners().samplingGrpcPort(), 1,
          HttpListener.defaultOptions().setCompressionSupported(false), samplingGrpc::server));
      startXds(sampling);
    }
    listenersUp = true;
    if (config.listeners().portsFile() != null) {
      PortsFile.write(config.listeners().portsFile(), ports());
    }
  }

  /** Starts a part of the control plane, for {@link #stop()} to stop in reverse order. */
  private void startControlPlane(Component component) throws Exception {
    try {
      controlPlane.start(component).toCompletionStage().toCompletableFuture()
          .get(1, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause() instanceof ComponentStartException named
          ? named.getCause() : e.getCause();
      throw cause instanceof Exception problem ? problem : e;
    }
  }

  private void await(Future<HttpListener> listener) throws Exception {
    try {
      listeners.add(listener.toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES));
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  /**
   * Bound ports by listener name: {@code zipkin}, {@code otlpGrpc}, {@code otlpHttp},
   * {@code query}, {@code samplingHttp}, {@code samplingGrpc}, {@code xds}, {@code admin}; the
   * keys of {@code --ports-file}.
   */
  public Map<String, Integer> ports() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (String name : List.of("zipkin", "otlpGrpc", "otlpHttp", "query", "samplingHttp",
        "samplingGrpc", "xds", "admin")) {
      if (name.equals("xds") && xds != null) {
        ports.put(name, xds.port());
      }
      for (HttpListener listener : listeners) {
        if (listener.name().equals(name)) {
          ports.put(name, listener.port());
        }
      }
    }
    return ports;
  }

  public PostgresStorage storage() {
    return storage;
  }

  public PrometheusMeterRegistry metrics() {
    return metrics;
  }

  /** The embedded server, or null with {@code --pg-url}. */
  public EmbeddedPostgres embeddedPostgres() {
    return embeddedPostgres;
  }

  /**
   * Stops taking requests, lets in-flight writes finish, closes storage and stops the embedded
   * PostgreSQL. Blocks; safe to call twice.
   */
  public synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    listenersUp = false;
    LOG.info("meshtrace is stopping");
    try {
      controlPlane.stop().toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
    } catch (Exception e) {
      LOG.warn("Unclean stop of the control plane: {}", e.getMessage());
    }
    try {
      Future<Void> all = Future.succeededFuture();
      for (HttpListener listener : listeners) {
        all = all.compose(v -> listener.stop(vertx));
      }
      all.compose(v -> waitForPendingWrites(Duration.ofSeconds(10)))
          .compose(v -> storage.close())
          .compose(v -> vertx.close())
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      metrics.close();
    } catch (Exception e) {
      LOG.warn("Unclean stop: {}", e.getMessage());
    } finally {
      if (embeddedPostgres != null) {
        embeddedPostgres.close();
      }
    }
    LOG.info("meshtrace stopped");
  }

  private Future<Void> waitForPendingWrites(Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    return vertx.executeBlocking(() -> {
      while (storage.pendingSpans() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      return null;
    });
  }

  private static String describe(PgConnectOptions connect) {
    return connect.getHost() + ":" + connect.getPort() + "/" + connect.getDatabase();
  }
}
