package io.meshtrace.collector.server;

import io.meshtrace.collector.auth.Authentication;
import io.meshtrace.collector.config.AuthConfig;
import io.meshtrace.collector.config.InvalidConfigException;
import io.meshtrace.collector.config.ListenerConfig;
import io.meshtrace.collector.config.MeshtraceConfig;
import io.meshtrace.collector.config.Mode;
import io.meshtrace.collector.config.TcpListener;
import io.meshtrace.collector.config.XdsConfig;
import io.meshtrace.collector.metrics.AuthMetrics;
import io.meshtrace.collector.metrics.DependencyLinkingMetrics;
import io.meshtrace.collector.metrics.IngestMetrics;
import io.meshtrace.collector.metrics.KafkaMetrics;
import io.meshtrace.collector.metrics.Metrics;
import io.meshtrace.collector.metrics.PartitionAnalyseMetrics;
import io.meshtrace.collector.metrics.SpanMetricsMetrics;
import io.meshtrace.collector.metrics.SamplingMetrics;
import io.meshtrace.collector.metrics.SloMetrics;
import io.meshtrace.collector.metrics.StorageHealthMetrics;
import io.meshtrace.collector.metrics.UdpMetrics;
import io.meshtrace.collector.metrics.XdsMetrics;
import io.meshtrace.controlplane.xds.EdgeGatewayXdsServer;
import io.meshtrace.controlplane.xds.GatewayRoutes;
import io.meshtrace.ingest.IngestPipeline;
import io.meshtrace.jaeger.codec.JaegerThriftDecoder;
import io.meshtrace.jaeger.receiver.JaegerGrpcReceiver;
import io.meshtrace.jaeger.receiver.JaegerHttpReceiver;
import io.meshtrace.jaeger.receiver.JaegerUdpReceiver;
import io.meshtrace.kafka.KafkaSpanIngester;
import io.meshtrace.kafka.KafkaSpanSink;
import io.meshtrace.lifecycle.Component;
import io.meshtrace.lifecycle.ComponentStartException;
import io.meshtrace.lifecycle.Components;
import io.meshtrace.lifecycle.Listener;
import io.meshtrace.lifecycle.PeriodicTask;
import io.meshtrace.otlp.receiver.OtlpGrpcReceiver;
import io.meshtrace.otlp.receiver.OtlpHttpReceiver;
import io.meshtrace.query.dependencies.HourlyDependencyLinker;
import io.meshtrace.storage.StorableSpanChecker;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.meshtrace.storage.postgres.embedded.EmbeddedPostgres;
import io.meshtrace.zipkin.receiver.ZipkinHttpReceiver;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running meshtrace process: the components its command needs, started in order and stopped
 * in reverse ({@link Components}). The one place where the modules are wired together.
 *
 * <p>The order: the admin listener first, so that probes are answered from the first moment
 * ({@code /readyz} stays 503 until everything has started); PostgreSQL and storage; the
 * sampling control plane's followers and pollers; the listeners; the xDS server last, as it
 * tells the edge Envoy the bound Zipkin port. Stopping runs the other way: listeners close
 * before storage, which commits the writes in flight before it closes.
 */
public final class MeshtraceServer {
  private static final Logger LOG = LoggerFactory.getLogger(MeshtraceServer.class);
  /** How long one component may take to stop before the next is stopped. */
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  /** Beyond the write timeout, for an answer to be written once its write is decided. */
  private static final Duration ANSWER_MARGIN = Duration.ofSeconds(1);
  /** How long starting may take, PostgreSQL's initdb included. */
  private static final long START_TIMEOUT_MINUTES = 3;

  private final MeshtraceConfig config;
  private final PrometheusMeterRegistry metrics;
  private final Vertx vertx;
  private final Components components;
  private final Authentication authentication;
  private final Listeners listeners;
  /** By their {@code --ports-file} key. */
  private final Map<String, Listener> listening = new LinkedHashMap<>();
  private EmbeddedPostgresServer embedded;
  private StorageComponent storage;
  /** With --span-sink kafka, instead of storage. */
  private KafkaSpanSink kafkaSink;
  private volatile KafkaSpanIngester ingester;
  private IngestPipeline ingest;
  private volatile SamplingControlPlane sampling;
  private volatile ServiceLevelObjectives slo;
  private volatile EdgeGatewayXdsServer xds;
  private volatile boolean started;
  private volatile boolean stopped;

  private MeshtraceServer(MeshtraceConfig config) {
    this.config = config;
    this.metrics = Metrics.registry();
    this.vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
        .withMetrics(new MicrometerMetricsFactory(metrics))
        .build();
    this.components = new Components(vertx, STOP_TIMEOUT);
    this.authentication = new Authentication(vertx, config.auth(),
        config.sampling().adminToken(), config.sampling().reloadInterval(),
        new AuthMetrics(metrics));
    this.listeners = new Listeners(vertx, config, metrics, authentication);
  }

  /**
   * Starts everything and returns once every component is up. Blocks: call from main.
   *
   * @throws InvalidConfigException a setting names a file that cannot be used
   * @throws ComponentStartException naming the component that could not start, and why
   */
  public static MeshtraceServer start(MeshtraceConfig config) throws Exception {
    long begun = System.nanoTime();
    // Before anything starts, so that the mistake is reported at once.
    ConfigurationFiles.check(config);
    MeshtraceServer server = new MeshtraceServer(config);
    try {
      server.await(server.components.start(server.storageComponents()));
      server.await(server.components.start(server.serviceComponents()));
      server.await(server.components.start(server.edgeGatewayComponents()));
      server.warnIfTheEdgeHasNoCollector();
    } catch (Exception e) {
      server.stop();
      throw e;
    }
    server.started = true;
    if (config.listeners().portsFile() != null) {
      PortsFile.write(config.listeners().portsFile(), server.ports());
    }
    LOG.info("meshtrace {} is up in {} ms: {}", config.mode().command(),
        (System.nanoTime() - begun) / 1_000_000, server.ports());
    return server;
  }

  /**
   * Authentication, the admin listener, then PostgreSQL (the embedded server, unless --pg-url)
   * and storage.
   */
  private List<Component> storageComponents() {
    List<Component> list = new ArrayList<>();
    // First: the admin listener's /metrics is checked against the credentials file too.
    list.add(ConfiguredFile.of(authentication, AuthConfig.AUTH_FILE));
    list.add(listen(listeners.admin(new AdminRoutes(
        () -> embedded == null ? null : embedded.unhealthy(), this::pingStorage,
        () -> started && !stopped, metrics,
        () -> sampling == null ? null : sampling.served().status(),
        () -> xds == null ? null : xds.status(), this::kafkaPartitions,
        () -> storage == null || storage.storage() == null ? null
            : storage.storage().spanMetricsExport(),
        () -> slo == null ? null : slo.status()))));
    if (!config.usesPostgres()) {
      kafkaSink = new KafkaSpanSink(vertx, config.kafka().sinkSettings(),
          KafkaMetrics.producer(metrics));
      list.add(kafkaSink);
      return list;
    }
    if (config.storage().embedded()) {
      embedded = new EmbeddedPostgresServer(vertx, config.storage().dataDir(),
          config.embeddedPostgres().settings(), config.storageTimeouts().embeddedRecoveryTimeout());
      StorageHealthMetrics.embeddedPostgres(metrics, embedded,
          server -> server.supervisor() == null ? 0 : server.supervisor().restarts(),
          server -> server.server() != null && server.server().isRunning() ? 1 : 0);
      list.add(embedded);
    }
    storage = new StorageComponent(vertx, config.storage(), config.storageTimeouts(),
        config.spanMetrics(),
        embedded != null
        ? embedded::connectOptions : config.storage()::pgConnectOptions);
    list.add(storage);
    return list;
  }

  /**
   * On open storage: what keeps it in shape (partition maintenance, the counts gathered at
   * ingest), the control plane's parts and the listeners of this command.
   */
  private List<Component> serviceComponents() {
    Mode mode = config.mode();
    PostgresStorage store = storage == null ? null : storage.storage();
    IngestMetrics ingestMetrics = new IngestMetrics(metrics,
        () -> ingest == null ? 0 : ingest.spansInFlight());
    List<Component> list = new ArrayList<>();
    if (store != null) {
      store.setBatchListener(ingestMetrics);
      StorageHealthMetrics.writeTimeouts(metrics, store, PostgresStorage::timedOutWrites);
      PartitionAnalyseMetrics.register(metrics, store);
      SpanMetricsMetrics.register(metrics, store);
      ingest = new IngestPipeline(store.spanSink(), store.spanChecker(),
          config.ingest().limits(), ingestMetrics);
      list.addAll(store.components());
    } else {
      // The rules PostgreSQL applies, applied before Kafka: what is acknowledged can be stored.
      ingest = new IngestPipeline(kafkaSink, new StorableSpanChecker(Clock.systemUTC(),
          Duration.ofDays(config.storage().retentionDays()),
          StorableSpanChecker.DEFAULT_MAX_FUTURE_SKEW), config.ingest().limits(), ingestMetrics);
    }
    if (mode.runsIngester()) {
      ingester = new KafkaSpanIngester(config.kafka().ingesterSettings(),
          store.positionedSpanSink(), store.spanChecker());
      MultiGauge lag = KafkaMetrics.ingester(metrics, ingester);
      list.add(ingester);
      // The lag's rows follow the partitions held; a scrape every few seconds is plenty.
      list.add(new PeriodicTask(vertx, "Kafka lag gauge", Duration.ofSeconds(5),
          () -> {
            KafkaMetrics.refresh(lag, ingester);
            return Future.succeededFuture();
          }, false));
    }
    SamplingMetrics samplingMetrics = null;
    if (mode.runsSampling()) {
      samplingMetrics = new SamplingMetrics(metrics);
      sampling = new SamplingControlPlane(vertx, config.sampling(), store, samplingMetrics,
          config.auth().enabled());
      list.addAll(sampling.components());
    }
    if (mode.runsIngest()) {
      ingestMetrics.registerSources(ZipkinHttpReceiver.SOURCES);
      ingestMetrics.registerSources(OtlpGrpcReceiver.SOURCES);
      ingestMetrics.registerSources(OtlpHttpReceiver.SOURCES);
      ingestMetrics.registerSources(JaegerUdpReceiver.SOURCES);
      ingestMetrics.registerSources(JaegerHttpReceiver.SOURCES);
      ingestMetrics.registerSources(JaegerGrpcReceiver.SOURCES);
    }
    if (mode.runsZipkin()) {
      list.add(listen(listeners.zipkin(ingest, store == null ? null : store.spanStores())));
    }
    if (mode.runsIngest()) {
      list.add(listen(listeners.otlpGrpc(ingest)));
      list.add(listen(listeners.otlpHttp(ingest)));
      list.addAll(jaegerListeners(samplingMetrics));
    }
    if (mode.runsQuery()) {
      slo = new ServiceLevelObjectives(vertx, config.slo(), store, listeners.tenants(),
          config.tenancy().enabled(), config.auth().enabled(), config.sampling().adminToken(),
          new SloMetrics(metrics));
      list.addAll(slo.components());
      if (config.query().hourlyDependencyLinks()) {
        HourlyDependencyLinker linker = new HourlyDependencyLinker(vertx,
            store.dependencyLinkHours(), store.spanStores(), store.dependencyLinkingLeadership(),
            store::keptSince, Clock.systemUTC());
        DependencyLinkingMetrics.register(metrics, linker);
        list.add(linker);
      }
      list.add(listen(listeners.query(store.spanStores(), store.traceArchives(), store.spanMetrics(),
          sampling == null ? null : sampling.adminApi(), slo)));
    } else if (config.slo().file() != null) {
      LOG.warn("--slo is ignored by the {} command: objectives are served with the query port, "
          + "by all-in-one and query", mode.command());
    }
    if (mode.runsSampling()) {
      list.add(listen(listeners.samplingHttp(sampling.served(), sampling.adminApi(),
          samplingMetrics)));
    }
    if (mode.runsSampling() || mode.runsIngest()) {
      list.add(listen(listeners.samplingGrpc(mode.runsSampling() ? sampling.served() : null,
          samplingMetrics, mode.runsIngest() ? ingest : null)));
    }
    return list;
  }

  /** The Jaeger agent's UDP ports and the collector's HTTP port, those not turned off. */
  private List<Component> jaegerListeners(SamplingMetrics samplingMetrics) {
    List<Component> list = new ArrayList<>();
    UdpMetrics udpMetrics = new UdpMetrics(metrics);
    ListenerConfig ports = config.listeners();
    if (ports.jaegerCompactPort() != ListenerConfig.OFF) {
      JaegerUdpReceiver compact = listeners.jaegerUdp(ingest,
          JaegerThriftDecoder.Protocol.COMPACT, udpMetrics);
      listening.put("jaegerCompact", compact);
      list.add(compact);
    }
    if (ports.jaegerBinaryPort() != ListenerConfig.OFF) {
      JaegerUdpReceiver binary = listeners.jaegerUdp(ingest, JaegerThriftDecoder.Protocol.BINARY,
          udpMetrics);
      listening.put("jaegerBinary", binary);
      list.add(binary);
    }
    if (ports.jaegerHttpPort() != ListenerConfig.OFF) {
      list.add(listen(listeners.jaegerHttp(ingest,
          sampling == null ? null : sampling.served(), samplingMetrics)));
    }
    return list;
  }

  /**
   * The xDS server for the edge-gateway Envoy, when there are routes to give it: the routes
   * decide the listener and clusters, so without a file there is nothing to serve and no port is
   * opened. The Envoy reports to this process's Zipkin port unless the file names a collector.
   */
  private List<Component> edgeGatewayComponents() {
    XdsConfig settings = config.xds();
    if (!config.runsXds()) {
      if (settings.gatewayRoutes() != null) {
        LOG.warn("--gateway-routes is ignored by the {} command: the xDS server runs in "
            + "all-in-one and control-plane", config.mode().command());
      } else if (config.mode().runsSampling()) {
        LOG.info("xDS server for the edge gateway is off: no --gateway-routes file");
      }
      return List.of();
    }
    Listener zipkin = listening.get("zipkin");
    int collectorPort = zipkin != null ? zipkin.port()
        : config.listeners().zipkinPort() != 0 ? config.listeners().zipkinPort() : 9411;
    ServerTls tls = listeners.tls(TcpListener.XDS);
    EdgeGatewayXdsServer.Security security = tls == null
        ? EdgeGatewayXdsServer.Security.PLAINTEXT
        : new EdgeGatewayXdsServer.Security(tls.served(),
            tls.served().mutual() ? settings.nodeIdentities() : null);
    xds = new EdgeGatewayXdsServer(vertx, new EdgeGatewayXdsServer.Settings(
        config.listeners().bind(), settings.port(), settings.nodeCluster(),
        settings.gatewayRoutes(), new GatewayRoutes.Endpoint("127.0.0.1", collectorPort),
        Duration.ofMillis(200), config.sampling().reloadInterval(), security),
        sampling.served(), new XdsMetrics(metrics));
    listening.put("xds", xds);
    List<Component> list = new ArrayList<>();
    if (tls != null) {
      list.add(tls); // before the server, which serves from it
    }
    list.add(ConfiguredFile.of(xds, XdsConfig.GATEWAY_ROUTES));
    return list;
  }

  private void warnIfTheEdgeHasNoCollector() {
    if (xds != null && listening.get("zipkin") == null && xds.routes().collector() == null) {
      LOG.warn("The gateway routes file {} names no collector, so the edge Envoy is told to "
          + "send spans to 127.0.0.1:{}, but this {} process runs no Zipkin listener: add "
          + "collector.address (the host:port of meshtrace's collector)",
          config.xds().gatewayRoutes(), config.listeners().zipkinPort(), config.mode().command());
    }
  }

  private Listener listen(HttpListener listener) {
    listening.put(listener.key(), listener);
    return listener;
  }

  /**
   * For an ingester's /readyz: the partitions it holds. Holding none is not unready (a group
   * may have more members than partitions), but it is said.
   */
  private String kafkaPartitions() {
    KafkaSpanIngester running = ingester;
    if (running == null) {
      return null;
    }
    List<Integer> held = running.assignment().stream().map(p -> p.partition()).sorted().toList();
    return held.isEmpty() ? "none held (waiting for an assignment)" : "holding " + held;
  }

  private Future<Void> pingStorage() {
    if (kafkaSink != null) {
      return kafkaSink.ready();
    }
    StorageComponent component = storage;
    PostgresStorage open = component == null ? null : component.storage();
    return open == null ? Future.failedFuture("not open yet") : open.ping();
  }

  /** Waits for a start; a start-up failure is thrown as the setting or component it names. */
  private void await(Future<Void> start) throws Exception {
    try {
      start.toCompletionStage().toCompletableFuture().get(START_TIMEOUT_MINUTES,
          TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ComponentStartException failed
          && failed.getCause() instanceof InvalidConfigException invalid) {
        throw invalid;
      }
      throw cause instanceof Exception problem ? problem : e;
    }
  }

  /**
   * Bound ports by listener: {@code zipkin}, {@code otlpGrpc}, {@code otlpHttp},
   * {@code jaegerCompact}, {@code jaegerBinary} (UDP), {@code jaegerHttp}, {@code query},
   * {@code samplingHttp}, {@code samplingGrpc}, {@code xds}, {@code admin}; the keys of
   * {@code --ports-file}. Only the listeners that run, once they listen.
   */
  public Map<String, Integer> ports() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (String key : List.of("zipkin", "otlpGrpc", "otlpHttp", "jaegerCompact", "jaegerBinary",
        "jaegerHttp", "query", "samplingHttp",
        "samplingGrpc", "xds", "admin")) {
      Listener listener = listening.get(key);
      int port = listener == null ? 0 : listener.port();
      if (port > 0) {
        ports.put(key, port);
      }
    }
    return ports;
  }

  /** The PostgreSQL storage; null for a collector that writes to Kafka. */
  public PostgresStorage storage() {
    return storage == null ? null : storage.storage();
  }

  public PrometheusMeterRegistry metrics() {
    return metrics;
  }

  /** The embedded server, or null with {@code --pg-url}. */
  public EmbeddedPostgres embeddedPostgres() {
    return embedded == null ? null : embedded.server();
  }

  /**
   * Stops as an orchestrator expects: {@code /readyz} turns 503 at once while every listener
   * keeps serving for {@code --shutdown-drain} (telling HTTP/1.1 clients to reconnect), then the
   * components stop in the reverse order of their start: listeners close, answering every
   * request in progress, storage commits the writes in flight and closes, the embedded
   * PostgreSQL stops. Blocks; safe to call twice.
   */
  public void stop() {
    synchronized (this) {
      if (stopped) {
        return;
      }
      stopped = true;
    }
    Duration drain = config.shutdown().drain();
    if (started && !drain.isZero()) {
      LOG.info("meshtrace is stopping: unready, still serving for {} ms", drain.toMillis());
      // A request in progress is answered within the write timeout (committed, or 503).
      Duration answerWithin = config.storageTimeouts().writeTimeout().plus(ANSWER_MARGIN);
      listening.values().forEach(listener -> listener.drain(answerWithin));
      try {
        Thread.sleep(drain.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } else {
      LOG.info("meshtrace is stopping");
    }
    try {
      components.stop().compose(v -> vertx.close())
          .toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
    } catch (Exception e) {
      LOG.warn("Unclean stop: {}", e.toString());
    }
    metrics.close();
    LOG.info("meshtrace stopped");
  }
}
