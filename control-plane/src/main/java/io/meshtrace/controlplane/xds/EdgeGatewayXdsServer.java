package io.meshtrace.controlplane.xds;

import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.meshtrace.controlplane.file.FollowedFile;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.meshtrace.lifecycle.Listener;
import io.meshtrace.tls.ServedTls;
import io.meshtrace.tls.TlsMaterial;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Aggregated discovery (ADS) for the edge-gateway Envoy: envoy-control-plane's
 * {@link V3DiscoveryServer} over the cache of {@link EdgeGatewaySnapshots}, which holds a
 * snapshot for one node cluster only (nodes of other clusters get nothing), with
 * {@link NackTracker}'s corrections. The routes file is a {@link FollowedFile}: a file that turns
 * bad keeps the last good routes in service.
 *
 * <p>Hosted on grpc-java's Netty transport (grpc-netty-shaded), which envoy-control-plane is
 * built and tested on, rather than bridged into Vert.x: the discovery server is a grpc-java
 * {@code BindableService} with long-lived bidirectional streams and its own executors, and its
 * shaded Netty cannot collide with the one Vert.x uses.
 *
 * <p>With {@link Security#tls()} the port serves TLS from the {@link ServedTls}'s swapping key
 * manager (a rotated certificate is served from the next handshake), and with client
 * certificates, {@link Security#identities()} decides which may claim which node cluster
 * ({@link NodeIdentityGate}).
 */
public final class EdgeGatewayXdsServer implements Listener {
  private static final Logger LOG = LoggerFactory.getLogger(EdgeGatewayXdsServer.class);

  /**
   * @param port 0 for a free port
   * @param defaultCollector the collector when the routes file names none
   * @param pollInterval how often sampling is re-resolved
   * @param routesReloadInterval how often the routes file is re-read whatever the watch of its
   *     directory reports; zero for the watch alone
   */
  public record Settings(String bind, int port, String nodeCluster, Path routesFile,
      GatewayRoutes.Endpoint defaultCollector, Duration pollInterval,
      Duration routesReloadInterval, Security security) {
    public Settings {
      Objects.requireNonNull(nodeCluster, "nodeCluster");
      Objects.requireNonNull(routesFile, "routesFile");
      Objects.requireNonNull(security, "security");
    }

    /** A plain-text port. */
    public Settings(String bind, int port, String nodeCluster, Path routesFile,
        GatewayRoutes.Endpoint defaultCollector, Duration pollInterval,
        Duration routesReloadInterval) {
      this(bind, port, nodeCluster, routesFile, defaultCollector, pollInterval,
          routesReloadInterval, Security.PLAINTEXT);
    }
  }

  /**
   * How the port is secured.
   *
   * @param tls what it serves TLS from, started and stopped by its owner; null for plain text
   * @param identities with client certificates ({@link ServedTls#mutual()}), which may claim
   *     which node cluster; required then, and null otherwise
   */
  public record Security(ServedTls tls, NodeIdentities identities) {
    public static final Security PLAINTEXT = new Security(null, null);

    public Security {
      boolean mutual = tls != null && tls.mutual();
      if (mutual != (identities != null)) {
        throw new IllegalArgumentException(mutual ? "client certificates need node identities"
            : "node identities need client certificates");
      }
    }
  }

  private final Vertx vertx;
  private final Settings settings;
  private final FollowedFile<GatewayRoutes> routesFile;
  private final EdgeGatewaySnapshots snapshots;
  private final NackTracker streams;
  private final XdsObserver observer;
  private volatile Server server;

  /**
   * @param strategies what is served; the edge gateway is served as a client that cannot
   *     rate-limit ({@link EdgeSampling})
   */
  public EdgeGatewayXdsServer(Vertx vertx, Settings settings, SamplingStrategySource strategies,
      XdsObserver observer) {
    this.vertx = vertx;
    this.settings = settings;
    this.routesFile = new FollowedFile<>(vertx, "gateway routes file", settings.routesFile(),
        settings.routesReloadInterval(), GatewayRoutesFile::parse, new FollowedFile.Listener<>() {
          @Override
          public void loaded(GatewayRoutes routes, boolean reloaded) {
            if (reloaded) {
              LOG.info("Gateway routes file {} reloaded: {} routes, {} clusters",
                  settings.routesFile(), routes.routes().size(), routes.clusters().size());
              snapshots.refreshSoon();
            }
          }

          @Override
          public void failed(String problem) {
            LOG.error("Gateway routes file {} not reloaded, the last good routes are still "
                + "served (snapshot version {}): {}", settings.routesFile(), version(), problem);
          }
        });
    this.snapshots = new EdgeGatewaySnapshots(settings.nodeCluster(),
        settings.defaultCollector(), settings.pollInterval(), routesFile::current, strategies,
        observer);
    this.streams = new NackTracker(settings.nodeCluster(), observer);
    this.observer = observer;
  }

  @Override
  public String name() {
    return "xds server";
  }

  /**
   * Reads the routes file, sets the first snapshot and starts serving.
   *
   * @return fails with {@link io.meshtrace.controlplane.file.UnusableFileException} when the
   *     routes file is missing or invalid, with an IOException when the port cannot be bound
   */
  @Override
  public Future<Void> start() {
    return routesFile.start()
        .compose(v -> snapshots.start())
        .compose(v -> listen())
        .recover(failure -> stopFollowing().transform(stopped -> Future.failedFuture(failure)));
  }

  private Future<Void> listen() {
    V3DiscoveryServer discovery = new V3DiscoveryServer(streams,
        streams.correcting(snapshots.cache()));
    Security security = settings.security();
    ServerServiceDefinition ads = discovery.getAggregatedDiscoveryServiceImpl().bindService();
    if (security.identities() != null) {
      ads = ServerInterceptors.intercept(ads, new NodeIdentityGate(security.identities(),
          observer));
    }
    ServerServiceDefinition service = ads;
    // Binding blocks, briefly.
    return vertx.executeBlocking(() -> {
      try {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(
                settings.bind(), settings.port()))
            .addService(service)
            // Envoy keeps its ADS stream open for hours: ping it so dead peers are noticed.
            .keepAliveTime(30, TimeUnit.SECONDS)
            .permitKeepAliveTime(10, TimeUnit.SECONDS);
        if (security.tls() != null) {
          builder.sslContext(sslContext(security.tls()));
        }
        server = builder.build().start();
      } catch (IOException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        throw new IOException("cannot listen on " + settings.bind() + ":" + settings.port()
            + " for xds: " + cause.getMessage(), e);
      }
      LOG.info("xDS (ADS) for Envoy nodes of cluster '{}' on {}:{}{}, routes from {} (snapshot "
          + "version {})", settings.nodeCluster(), settings.bind(), port(),
          security.tls() == null ? "" : security.identities() == null ? " (TLS)"
              : " (mTLS, node identities " + security.identities() + ")",
          settings.routesFile(), version());
      return null;
    });
  }

  /**
   * grpc-java's server context over the swapping managers, on the JDK's TLS (as Vert.x's
   * listeners are), TLS 1.2 and 1.3 only.
   */
  private static io.grpc.netty.shaded.io.netty.handler.ssl.SslContext sslContext(ServedTls tls)
      throws IOException {
    SslContextBuilder builder = GrpcSslContexts.configure(
        SslContextBuilder.forServer(tls.keyManager()), SslProvider.JDK)
        .protocols(TlsMaterial.PROTOCOLS);
    if (tls.mutual()) {
      builder.trustManager(tls.trustManager()).clientAuth(ClientAuth.REQUIRE);
    }
    return builder.build();
  }

  /** Closes the streams and the port, then stops updating snapshots and following the file. */
  @Override
  public Future<Void> stop() {
    Server bound = server;
    Future<Void> closed = bound == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      bound.shutdownNow();
      bound.awaitTermination(5, TimeUnit.SECONDS);
      return null;
    });
    return closed.transform(done -> stopFollowing());
  }

  private Future<Void> stopFollowing() {
    return snapshots.stop().transform(done -> routesFile.stop());
  }

  /** The bound port; 0 before it listens. */
  @Override
  public int port() {
    Server bound = server;
    return bound == null ? 0 : bound.getPort();
  }

  /** The snapshot version served now. */
  public long version() {
    return snapshots.version();
  }

  /**
   * For {@code /readyz}: degraded while the routes file is broken (the last good routes are
   * still served, so serving goes on).
   */
  public SamplingStrategySource.Status status() {
    String problem = routesFile.problem();
    String served = "snapshot version " + version() + " for node cluster '"
        + settings.nodeCluster() + "' on port " + port();
    return problem == null ? new SamplingStrategySource.Status(false, served)
        : new SamplingStrategySource.Status(true, "routes file " + settings.routesFile()
            + " is broken, so the last good routes are still served (" + served + "): "
            + problem);
  }

  /** The last good routes. */
  public GatewayRoutes routes() {
    return routesFile.current();
  }
}
