package io.meshtrace.collector.server;

import io.meshtrace.collector.auth.Authentication;
import io.meshtrace.collector.config.MeshtraceConfig;
import io.meshtrace.collector.config.TcpListener;
import io.meshtrace.collector.config.TlsConfig;
import io.meshtrace.collector.metrics.IntakeMemoryMetrics;
import io.meshtrace.collector.metrics.TlsMetrics;
import io.meshtrace.collector.config.Mode;
import io.meshtrace.controlplane.remote.RemoteSamplingGrpc;
import io.meshtrace.controlplane.remote.RemoteSamplingHttp;
import io.meshtrace.controlplane.sampling.SamplingObserver;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.meshtrace.controlplane.sampling.admin.SamplingAdminApi;
import io.meshtrace.controlplane.slo.admin.SloAdminApi;
import io.meshtrace.ingest.MemoryBudget;
import io.meshtrace.ingest.SpanIngest;
import io.meshtrace.jaeger.codec.JaegerThriftDecoder;
import io.meshtrace.jaeger.receiver.JaegerGrpcReceiver;
import io.meshtrace.jaeger.receiver.JaegerHttpReceiver;
import io.meshtrace.jaeger.receiver.JaegerUdpReceiver;
import io.meshtrace.jaeger.receiver.UdpPacketObserver;
import io.meshtrace.otlp.receiver.OtlpGrpcReceiver;
import io.meshtrace.otlp.receiver.OtlpHttpReceiver;
import io.meshtrace.query.adjust.TraceAdjuster;
import io.meshtrace.query.adjust.TraceAdjusters;
import io.meshtrace.metrics.SpanMetricsStore;
import io.meshtrace.query.jaeger.JaegerMetricsApi;
import io.meshtrace.query.jaeger.JaegerArchiveApi;
import io.meshtrace.query.jaeger.JaegerQueryApi;
import io.meshtrace.query.jaeger.JaegerTransformApi;
import io.meshtrace.storage.archive.TraceArchives;
import io.meshtrace.query.jaeger.v3.JaegerApiV3;
import io.meshtrace.query.ui.BrowserUi;
import io.meshtrace.query.ui.UiAssets;
import io.meshtrace.query.zipkin.ZipkinQueryApi;
import io.meshtrace.collector.tenant.HeaderTenant;
import io.meshtrace.collector.tenant.TenantGuard;
import io.meshtrace.storage.SpanStores;
import io.meshtrace.tenant.RequestTenant;
import io.meshtrace.zipkin.receiver.ZipkinHttpReceiver;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import java.time.Clock;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The HTTP and gRPC listeners of a process, each with what it serves mounted. The names are the
 * keys of {@code --ports-file}. With tenancy on, each listener's requests that act for a tenant
 * pass a {@link TenantGuard} first, and receivers and query APIs get their tenant from {@link
 * #tenants}.
 */
final class Listeners {
  private final Vertx vertx;
  private final MeshtraceConfig config;
  /** One for the process: every HTTP and gRPC receiver reserves from it. */
  private final MemoryBudget budget;
  private final IntakeMemoryMetrics metrics;
  private final TlsMetrics tlsMetrics;
  private final Authentication authentication;
  /** Every request's tenant: the header's with tenancy on, else the default tenant. */
  private final RequestTenant tenants;

  /** Requests that act for a tenant, by listener: whatever does not is mesh-wide. */
  private static final Predicate<HttpServerRequest> EVERY_REQUEST = request -> true;
  private static final Predicate<HttpServerRequest> NO_REQUEST = request -> false;
  /** Remote sampling and the strategies' admin API are mesh-wide. */
  private static final Predicate<HttpServerRequest> BUT_SAMPLING =
      request -> !request.path().startsWith("/api/sampling");
  /**
   * The objectives' admin API is mesh-wide as the strategies' is: an objective names its tenant
   * in its own field. {@code GET /api/slo} is per tenant. Matched on the path as the router
   * normalises it, so that no spelling of {@code /api/slo} passes without a tenant.
   */
  private static final Predicate<HttpServerRequest> SLO_ADMIN = request -> {
    String path = io.meshtrace.collector.auth.EndpointAccess.normalize(request.path());
    return path.startsWith(SloAdminApi.OBJECTIVES + "/") || path.equals(SloAdminApi.HISTORY);
  };
  /** On the query port: the APIs; the UI's pages and assets need no tenant. */
  private static final Predicate<HttpServerRequest> QUERY_APIS =
      request -> request.path().startsWith("/api/") && BUT_SAMPLING.test(request)
          && !SLO_ADMIN.test(request);
  /** On Jaeger's gRPC port: PostSpans, not remote sampling. */
  private static final Predicate<HttpServerRequest> JAEGER_SPAN_INTAKE =
      request -> request.path().startsWith("/jaeger.api_v2.CollectorService/");

  Listeners(Vertx vertx, MeshtraceConfig config, MeterRegistry registry,
      Authentication authentication) {
    this.vertx = vertx;
    this.config = config;
    this.authentication = authentication;
    this.tenants = config.tenancy().enabled() ? new HeaderTenant(config.tenancy().header())
        : RequestTenant.NONE;
    this.budget = new MemoryBudget(config.ingest().maxBytesInFlight());
    this.metrics = new IntakeMemoryMetrics(registry);
    this.tlsMetrics = new TlsMetrics(registry);
    metrics.registerBudget(budget);
  }

  /**
   * The TLS of a listener, as the settings give it ({@link TlsConfig#forListener}); null when
   * that listener is plain. The xDS server gets its own here too.
   */
  ServerTls tls(TcpListener listener) {
    TlsConfig.ListenerTls settings = config.tls().forListener(listener);
    return settings == null ? null
        : new ServerTls(vertx, settings, config.tls().reloadInterval(), tlsMetrics);
  }

  /** Every request's tenant, as the query APIs read it. */
  RequestTenant tenants() {
    return tenants;
  }

  /** The bytes requests hold in flight, all receivers together. */
  MemoryBudget budget() {
    return budget;
  }

  /**
   * Zipkin's port: intake in the modes that ingest, the Zipkin v2 query API in those that
   * query, both in all-in-one (as Zipkin's own server does).
   */
  HttpListener zipkin(SpanIngest ingest, SpanStores stores) {
    Mode mode = config.mode();
    ZipkinHttpReceiver receiver = new ZipkinHttpReceiver(ingest, new ZipkinHttpReceiver.Limits(
        config.ingest().maxRequestBytes(), config.ingest().maxDecompressedBytes()), budget,
        tenants);
    ZipkinQueryApi query = mode.runsQuery()
        ? new ZipkinQueryApi(stores, tenants, config.query().autocompleteKeys()) : null;
    return http("zipkin", config.listeners().zipkinPort(), config.listeners().httpEventLoops(),
        HttpListener.defaultOptions(), EVERY_REQUEST, v -> {
          Router router = ApiResponseHeaders.on(MalformedRequests.answeredOn(Router.router(v)),
              "/*");
          if (mode.runsIngest()) {
            receiver.mount(router);
          }
          if (mode.runsQuery()) {
            query.mount(router);
          }
          return router;
        });
  }

  HttpListener otlpGrpc(SpanIngest ingest) {
    OtlpGrpcReceiver receiver = new OtlpGrpcReceiver(ingest, config.ingest().maxRequestBytes(),
        config.ingest().maxDecompressedBytes(), budget, tenants);
    return http("otlpGrpc", config.listeners().otlpGrpcPort(),
        config.listeners().httpEventLoops(), grpcOptions()
            // Exporters send large messages back to back: let them, within the in-flight bound.
            .setHttp2ConnectionWindowSize(8 << 20)
            .setInitialSettings(new Http2Settings().setInitialWindowSize(4 << 20)),
        EVERY_REQUEST, receiver::server);
  }

  HttpListener otlpHttp(SpanIngest ingest) {
    OtlpHttpReceiver receiver = new OtlpHttpReceiver(ingest, new OtlpHttpReceiver.Options(
        config.ingest().maxRequestBytes(), config.ingest().maxDecompressedBytes(),
        config.ingest().otlpHttpCorsOrigins()), budget, tenants);
    return http("otlpHttp", config.listeners().otlpHttpPort(),
        config.listeners().httpEventLoops(), HttpListener.defaultOptions(), EVERY_REQUEST,
        v -> ApiResponseHeaders.on(receiver.router(v), "/*"));
  }

  /**
   * Jaeger's collector HTTP port: span intake ({@code POST /api/traces}), and
   * {@code GET /api/sampling} where this process serves sampling.
   *
   * @param sampling null when this process serves no sampling
   */
  HttpListener jaegerHttp(SpanIngest ingest, SamplingStrategySource sampling,
      SamplingObserver observer) {
    JaegerHttpReceiver receiver = new JaegerHttpReceiver(ingest, new JaegerHttpReceiver.Limits(
        config.ingest().maxRequestBytes(), config.ingest().maxDecompressedBytes()), budget,
        tenants);
    RemoteSamplingHttp remote = sampling == null ? null : new RemoteSamplingHttp(sampling,
        observer);
    return http("jaegerHttp", config.listeners().jaegerHttpPort(),
        config.listeners().httpEventLoops(), HttpListener.defaultOptions(), BUT_SAMPLING, v -> {
          Router router = ApiResponseHeaders.on(MalformedRequests.answeredOn(Router.router(v)),
              "/*");
          receiver.mount(router);
          if (remote != null) {
            remote.mountApiSampling(router);
          }
          return router;
        });
  }

  /** One of the Jaeger agent's UDP ports. */
  JaegerUdpReceiver jaegerUdp(SpanIngest ingest, JaegerThriftDecoder.Protocol protocol,
      UdpPacketObserver observer) {
    int port = protocol == JaegerThriftDecoder.Protocol.COMPACT
        ? config.listeners().jaegerCompactPort() : config.listeners().jaegerBinaryPort();
    return new JaegerUdpReceiver(vertx, new JaegerUdpReceiver.Settings(config.listeners().bind(),
        port, protocol, config.jaegerUdp().sockets(), config.jaegerUdp().queuePackets(),
        config.jaegerUdp().maxPacketBytes(), config.jaegerUdp().socketBufferBytes(),
        config.listeners().httpEventLoops()), ingest, observer, config.tenancy().jaegerUdpTenant());
  }

  /**
   * The Jaeger APIs (v1, v3, SPM) and the browser UI; the sampling admin API too when this
   * process serves sampling, beside the UI that shows and edits the strategies; the service
   * level objectives ({@code /api/slo} and their admin API).
   *
   * @param adminApi null when this process serves no sampling
   * @param slo null when this process serves no objectives
   */
  HttpListener query(SpanStores stores, TraceArchives archives, SpanMetricsStore spanMetrics,
      SamplingAdminApi adminApi, ServiceLevelObjectives slo) {
    TraceAdjuster adjuster = TraceAdjusters.standard(config.query().maxClockSkewAdjustment());
    JaegerQueryApi jaeger = new JaegerQueryApi(stores, tenants, adjuster, Clock.systemUTC());
    JaegerMetricsApi jaegerMetrics = new JaegerMetricsApi(spanMetrics, tenants,
        Clock.systemUTC());
    JaegerApiV3 jaegerV3 = new JaegerApiV3(stores, tenants, adjuster);
    JaegerArchiveApi archive = new JaegerArchiveApi(stores, archives, tenants);
    // A trace file is as large as an ingest request of the same spans may be.
    JaegerTransformApi transform = new JaegerTransformApi(config.ingest().maxRequestBytes(),
        Clock.systemUTC());
    BrowserUi ui = new BrowserUi(UiAssets.load());
    return http("query", config.listeners().queryPort(), config.listeners().httpEventLoops(),
        HttpListener.defaultOptions(), QUERY_APIS, v -> {
          Router router = ApiResponseHeaders.on(MalformedRequests.answeredOn(Router.router(v)),
              "/api/*");
          jaeger.mount(router);
          jaegerMetrics.mount(router);
          jaegerV3.mount(router);
          archive.mount(router);
          transform.mount(router);
          if (adminApi != null) {
            adminApi.mount(v, router);
          }
          if (slo != null) {
            slo.mount(router);
          }
          ui.mount(router); // last: it answers the paths the APIs do not
          return router;
        });
  }

  /** SDKs ask every minute or so: one event loop is plenty. */
  HttpListener samplingHttp(SamplingStrategySource served, SamplingAdminApi adminApi,
      SamplingObserver observer) {
    RemoteSamplingHttp remote = new RemoteSamplingHttp(served, observer);
    return http("samplingHttp", config.listeners().samplingHttpPort(), 1,
        HttpListener.defaultOptions(), NO_REQUEST, v -> {
          Router router = ApiResponseHeaders.on(MalformedRequests.answeredOn(remote.router(v)),
              "/*");
          adminApi.mount(v, router);
          return router;
        });
  }

  /**
   * Jaeger's collector gRPC port, as Jaeger's collector serves it: remote sampling where this
   * process serves sampling, {@code PostSpans} where it ingests, both in all-in-one.
   *
   * @param sampling null when this process serves no sampling
   * @param ingest null when this process ingests nothing
   */
  HttpListener samplingGrpc(SamplingStrategySource sampling, SamplingObserver observer,
      SpanIngest ingest) {
    RemoteSamplingGrpc remote = sampling == null ? null
        : new RemoteSamplingGrpc(sampling, observer);
    JaegerGrpcReceiver receiver = ingest == null ? null : new JaegerGrpcReceiver(ingest,
        config.ingest().maxRequestBytes(), config.ingest().maxDecompressedBytes(), budget,
        tenants);
    if (receiver == null) {
      return http("samplingGrpc", config.listeners().samplingGrpcPort(), 1, grpcOptions(),
          NO_REQUEST, remote::server);
    }
    return http("samplingGrpc", config.listeners().samplingGrpcPort(),
        config.listeners().httpEventLoops(), grpcOptions(), JAEGER_SPAN_INTAKE, v -> {
          GrpcServer server = GrpcServer.server(v,
              new GrpcServerOptions().setMaxMessageSize(config.ingest().maxRequestBytes()));
          receiver.register(server);
          if (remote != null) {
            remote.register(server);
          }
          return server;
        });
  }

  HttpListener admin(AdminRoutes routes) {
    return http("admin", config.listeners().adminPort(), 1, HttpListener.defaultOptions(),
        NO_REQUEST, v -> ApiResponseHeaders.on(routes.router(v), "/*"));
  }

  /** gRPC compresses messages itself; HTTP-level compression would only confuse clients. */
  private static HttpServerOptions grpcOptions() {
    return HttpListener.defaultOptions().setCompressionSupported(false);
  }

  /**
   * Every listener with the connection limit and, for HTTP/2 (gRPC, h2c), the stream limit in
   * its initial settings: together they bound the requests a listener can have in flight; with
   * TLS when the settings give it a certificate. Its guard sees each request first ({@link
   * Authentication#guard}): credentials and roles, before any router or gRPC server; it
   * overwrites the tenant header for a caller bound to a tenant. Then, with tenancy on, the
   * requests {@code needsTenant} says act for a tenant pass a {@link TenantGuard}.
   */
  private HttpListener http(String name, int port, int eventLoops, HttpServerOptions options,
      Predicate<HttpServerRequest> needsTenant, Function<Vertx, Handler<HttpServerRequest>> routes) {
    Function<Vertx, Handler<HttpServerRequest>> handler = !config.tenancy().enabled() ? routes
        : v -> new TenantGuard(config.tenancy().header(), needsTenant, routes.apply(v));
    Http2Settings settings = options.getInitialSettings() == null ? new Http2Settings()
        : options.getInitialSettings();
    options.setInitialSettings(settings.setMaxConcurrentStreams(
        config.listeners().maxConcurrentStreams()));
    ConnectionLimit connections = new ConnectionLimit(config.listeners().maxConnections());
    metrics.registerConnections(name, connections::open, connections::refused);
    ServerTls tls = tls(TcpListener.ofKey(name));
    if (tls != null) {
      tls.apply(options);
    }
    return new HttpListener(vertx, name, config.listeners().bind(), port, eventLoops, options,
        v -> authentication.guard(name, handler.apply(v), config.tenancy().header()),
        connections, tls);
  }
}
