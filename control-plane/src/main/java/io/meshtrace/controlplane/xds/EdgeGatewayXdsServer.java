package io.meshtrace.controlplane.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.meshtrace.controlplane.sampling.ObservedTraffic;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Aggregated discovery (ADS) for the edge-gateway Envoy: envoy-control-plane's
 * {@link V3DiscoveryServer} over a {@link SimpleCache} that holds a snapshot for one node
 * cluster only, so nodes of other clusters get nothing (and are logged once each).
 *
 * <p>One thread of its own re-resolves the sampling every {@code pollInterval} (cheap: the
 * sources publish immutable snapshots) and re-reads the routes file when its size or time
 * changes; a new snapshot version is set only when the Envoy would get something different, and
 * each type keeps its version while its resources are unchanged, so a sampling change pushes the
 * route configuration alone. A routes file that turns bad keeps the last good routes.
 *
 * <p>Hosted on grpc-java's Netty transport (grpc-netty-shaded), which envoy-control-plane is
 * built and tested on, rather than bridged into Vert.x: the discovery server is a grpc-java
 * {@code BindableService} with long-lived bidirectional streams and its own executors, and its
 * shaded Netty cannot collide with the one Vert.x uses.
 */
public final class EdgeGatewayXdsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EdgeGatewayXdsServer.class);

  /**
   * @param port 0 for a free port
   * @param defaultCollector the collector when the routes file names none
   * @param pollInterval how often sampling is re-resolved; the file's size and time are checked
   *     every 4th time, its content every 48th
   */
  public record Settings(String bind, int port, String nodeCluster, Path routesFile,
      GatewayRoutes.Endpoint defaultCollector, Duration pollInterval) {
    public Settings {
      Objects.requireNonNull(nodeCluster, "nodeCluster");
      Objects.requireNonNull(routesFile, "routesFile");
    }
  }

  private final Settings settings;
  private final SamplingStrategySource strategies;
  private final Supplier<ObservedTraffic> traffic;
  private final XdsObserver observer;
  private final SimpleCache<String> cache = new SimpleCache<>(Node::getCluster);
  private final ScheduledExecutorService snapshots;
  private final Map<Long, Stream> streams = new ConcurrentHashMap<>();
  private final Set<String> ignoredNodes = ConcurrentHashMap.newKeySet();
  /**
   * The node of the stream whose request is being handled. envoy-control-plane runs the request
   * callbacks and then creates the watch on the same thread, so the callback hands the stream's
   * node over to {@link NackAware} here.
   */
  private final ThreadLocal<Node> streamNode = new ThreadLocal<>();
  private Server server;

  // Touched only on the `snapshots` thread (and in the constructor before it starts).
  private GatewayRoutes routes;
  private FileState routesFileState;
  private byte[] lastRoutesContent;
  private EdgeSampling sampling;
  private EdgeGatewaySnapshot.Resources resources;
  private long tick;
  private volatile String routesFileProblem;
  // clusters, listeners, routes: the version_info each type is sent with
  private final String[] typeVersions = new String[3];
  private volatile long version;

  private record FileState(long size, long modified) {}

  /** An open ADS stream: its node, and the version each nonce it was sent carried. */
  private static final class Stream {
    volatile Node node;
    final Map<String, String> versionByNonce = new ConcurrentHashMap<>();
  }

  private EdgeGatewayXdsServer(Settings settings, GatewayRoutes routes,
      SamplingStrategySource strategies, Supplier<ObservedTraffic> traffic,
      XdsObserver observer) {
    this.settings = settings;
    this.routes = routes;
    this.strategies = strategies;
    this.traffic = traffic;
    this.observer = observer;
    this.snapshots = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "meshtrace-xds-snapshots");
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * Reads the routes file, builds the first snapshot and starts serving. Blocks.
   *
   * @param traffic traces a second by service and operation as last counted; may return null
   *     when nothing is known
   * @throws InvalidGatewayRoutesException the routes file is missing or invalid
   * @throws IOException the port cannot be bound
   */
  public static EdgeGatewayXdsServer start(Settings settings, SamplingStrategySource strategies,
      Supplier<ObservedTraffic> traffic, XdsObserver observer)
      throws InvalidGatewayRoutesException, IOException {
    FileState state = fileState(settings.routesFile());
    byte[] content = read(settings.routesFile());
    GatewayRoutes routes = GatewayRoutesFile.parse(content);
    EdgeGatewayXdsServer xds = new EdgeGatewayXdsServer(settings, routes, strategies, traffic,
        observer);
    xds.routesFileState = state;
    xds.lastRoutesContent = content;
    xds.refresh();
    try {
      xds.startServer();
    } catch (IOException e) {
      xds.close();
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IOException("cannot listen on " + settings.bind() + ":" + settings.port()
          + " for xds: " + cause.getMessage(), e);
    }
    long millis = settings.pollInterval().toMillis();
    xds.snapshots.scheduleWithFixedDelay(xds::tick, millis, millis, TimeUnit.MILLISECONDS);
    return xds;
  }

  private void startServer() throws IOException {
    V3DiscoveryServer discovery = new V3DiscoveryServer(new Callbacks(), new NackAware(cache));
    server = NettyServerBuilder.forAddress(new InetSocketAddress(settings.bind(), settings.port()))
        .addService(discovery.getAggregatedDiscoveryServiceImpl())
        // Envoy keeps its ADS stream open for hours: ping it so dead peers are noticed.
        .keepAliveTime(30, TimeUnit.SECONDS)
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .build()
        .start();
    LOG.info("xDS (ADS) for Envoy nodes of cluster '{}' on {}:{}, routes from {} (snapshot "
        + "version {})", settings.nodeCluster(), settings.bind(), port(),
        settings.routesFile(), version);
  }

  /** The bound port. */
  public int port() {
    return server.getPort();
  }

  /** The snapshot version served now. */
  public long version() {
    return version;
  }

  /**
   * For {@code /readyz}: degraded while the routes file is broken (the last good routes are
   * still served, so serving goes on).
   */
  public SamplingStrategySource.Status status() {
    String problem = routesFileProblem;
    String served = "snapshot version " + version + " for node cluster '"
        + settings.nodeCluster() + "' on port " + port();
    return problem == null ? new SamplingStrategySource.Status(false, served)
        : new SamplingStrategySource.Status(true, "routes file " + settings.routesFile()
            + " is broken, so the last good routes are still served (" + served + "): "
            + problem);
  }

  /** The last good routes. */
  public GatewayRoutes routes() {
    return routes;
  }

  private void tick() {
    try {
      tick++;
      if (tick % 4 == 0) {
        // Every 48th tick (~10 s) reads the content whatever size and time say: a file system
        // with coarse times can keep both through a quick edit of the same length.
        reloadRoutesFile(tick % 48 == 0);
      }
      refresh();
    } catch (RuntimeException e) {
      // Never let one failure stop the schedule: the next tick tries again.
      LOG.error("xDS snapshot update failed; serving version {}", version, e);
    }
  }

  private void reloadRoutesFile(boolean evenIfUnchanged) {
    Path file = settings.routesFile();
    FileState state;
    try {
      state = fileState(file);
    } catch (InvalidGatewayRoutesException e) {
      state = null;
    }
    if (Objects.equals(state, routesFileState) && !evenIfUnchanged) {
      return;
    }
    routesFileState = state;
    try {
      byte[] content = read(file);
      if (Arrays.equals(content, lastRoutesContent)) {
        return;
      }
      lastRoutesContent = content;
      routes = GatewayRoutesFile.parse(content);
      routesFileProblem = null;
      LOG.info("Gateway routes file {} reloaded: {} routes, {} clusters", file,
          routes.routes().size(), routes.clusters().size());
    } catch (InvalidGatewayRoutesException e) {
      routesFileProblem = e.getMessage();
      LOG.error("Gateway routes file {} not reloaded, the last good routes are still served "
          + "(snapshot version {}): {}", file, version, e.getMessage());
    }
  }

  /** Builds and sets a new snapshot when the Envoy would get something different. */
  private void refresh() {
    List<String> operations = routes.routes().stream().map(GatewayRoutes.Route::operation)
        .distinct().toList();
    ObservedTraffic observed = traffic.get();
    EdgeSampling resolved = EdgeSampling.resolve(strategies.current(),
        observed == null ? ObservedTraffic.NONE : observed, settings.nodeCluster(), operations);
    EdgeGatewaySnapshot.Resources built = EdgeGatewaySnapshot.build(routes, resolved,
        settings.nodeCluster(), settings.defaultCollector());
    if (built.equals(resources)) {
      return;
    }
    long next = version + 1;
    List<String> changed = new java.util.ArrayList<>();
    if (resources == null || !built.clusters().equals(resources.clusters())) {
      typeVersions[0] = versionInfo(next, built.clusters());
      changed.add("clusters");
    }
    if (resources == null || !built.listeners().equals(resources.listeners())) {
      typeVersions[1] = versionInfo(next, built.listeners());
      changed.add("listener");
    }
    if (resources == null || !built.routes().equals(resources.routes())) {
      typeVersions[2] = versionInfo(next, built.routes());
      changed.add("routes");
    }
    cache.setSnapshot(settings.nodeCluster(), Snapshot.create(
        built.clusters(), typeVersions[0],
        List.of(), "0",
        built.listeners(), typeVersions[1],
        built.routes(), typeVersions[2],
        List.of(), "0"));
    LOG.info("xDS snapshot version {} for node cluster '{}' ({} changed): sampling {}", next,
        settings.nodeCluster(), String.join(", ", changed), resolved.changesSince(sampling));
    resources = built;
    sampling = resolved;
    version = next;
    observer.snapshotVersion(next);
  }

  /**
   * {@code <version>-<digest of the resources>}. The counter starts again at 1 when meshtrace
   * restarts while Envoy keeps the version it last accepted; the cache answers a request whose
   * version equals its own with nothing, so a bare counter would leave an Envoy that reconnects
   * with "1" on the old process's resources. With the digest, equal version strings mean equal
   * resources.
   */
  static String versionInfo(long version, List<? extends com.google.protobuf.Message> resources) {
    try {
      java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
      for (com.google.protobuf.Message resource : resources) {
        digest.update(resource.toByteArray());
      }
      return version + "-" + java.util.HexFormat.of().formatHex(digest.digest(), 0, 6);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static FileState fileState(Path file) throws InvalidGatewayRoutesException {
    try {
      return new FileState(Files.size(file), Files.getLastModifiedTime(file).toMillis());
    } catch (IOException e) {
      throw new InvalidGatewayRoutesException(List.of("cannot read " + file + ": "
          + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.toString())));
    }
  }

  private static byte[] read(Path file) throws InvalidGatewayRoutesException {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new InvalidGatewayRoutesException(List.of("cannot read " + file + ": "
          + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.toString())));
    }
  }

  private void updateConnectedNodes() {
    observer.connectedNodes((int) streams.values().stream()
        .map(stream -> stream.node)
        .filter(node -> node != null && node.getCluster().equals(settings.nodeCluster()))
        .map(Node::getId)
        .distinct()
        .count());
  }

  @Override
  public void close() {
    snapshots.shutdownNow();
    if (server != null) {
      server.shutdownNow();
      try {
        server.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String describe(Node node) {
    return node == null ? "(unknown node)" : "'" + node.getId() + "' (cluster '"
        + node.getCluster() + "')";
  }

  /** Streams, nodes and NACKs. */
  private final class Callbacks implements DiscoveryServerCallbacks {
    @Override
    public void onStreamOpen(long streamId, String typeUrl) {
      streams.put(streamId, new Stream());
    }

    @Override
    public void onStreamClose(long streamId, String typeUrl) {
      streams.remove(streamId);
      updateConnectedNodes();
    }

    @Override
    public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
      onStreamClose(streamId, typeUrl);
    }

    @Override
    public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
      Stream stream = streams.computeIfAbsent(streamId, id -> new Stream());
      streamNode.set(stream.node == null ? request.getNode() : stream.node);
      if (request.hasNode() && stream.node == null) {
        stream.node = request.getNode();
        Node node = request.getNode();
        if (!node.getCluster().equals(settings.nodeCluster())) {
          if (ignoredNodes.add(node.getId() + "\n" + node.getCluster())) {
            LOG.warn("xDS: Envoy node {} gets no configuration: only nodes of cluster '{}' are "
                + "served (--xds-node-cluster to change it)", describe(node),
                settings.nodeCluster());
          }
        } else {
          LOG.info("xDS: Envoy node {} connected", describe(node));
        }
        updateConnectedNodes();
      }
      if (request.hasErrorDetail()) {
        String rejected = stream.versionByNonce.get(request.getResponseNonce());
        LOG.warn("xDS: Envoy node {} rejected (NACK) {} version {} (nonce {}; it keeps version "
            + "'{}'): {}", describe(stream.node), request.getTypeUrl(),
            rejected == null ? "?" : rejected, request.getResponseNonce(),
            request.getVersionInfo(), request.getErrorDetail().getMessage());
        observer.nack(request.getTypeUrl());
      }
    }

    @Override
    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
      // Delta xDS is not offered: only the aggregated state-of-the-world service is bound.
    }

    @Override
    public void onV3StreamResponse(long streamId, DiscoveryRequest request,
        DiscoveryResponse response) {
      Stream stream = streams.get(streamId);
      if (stream != null) {
        // One nonce per response; keep the latest few per stream, enough to name a NACK's.
        if (stream.versionByNonce.size() > 64) {
          stream.versionByNonce.clear();
        }
        stream.versionByNonce.put(response.getNonce(), response.getVersionInfo());
      }
    }
  }

  /**
   * The cache, with two corrections to what envoy-control-plane asks it.
   *
   * <ul>
   *   <li>A NACK waits for the next version instead of being answered at once with the version
   *       it rejected. envoy-control-plane compares the request's {@code version_info} (after a
   *       NACK: the last version the Envoy accepted) with the snapshot's and would resend the
   *       rejected resources straight away, again and again; with the rejected version in its
   *       place the watch stays open until a new snapshot is set.
   *   <li>A request without a node (Envoy's {@code set_node_on_first_message_only}, which
   *       Istio's bootstraps set) is given its stream's, since the cache picks the snapshot by
   *       the request's node and would otherwise never answer.
   * </ul>
   */
  private final class NackAware implements ConfigWatcher {
    private final ConfigWatcher cache;

    NackAware(ConfigWatcher cache) {
      this.cache = cache;
    }

    @Override
    public Watch createWatch(boolean ads, XdsRequest request, Set<String> knownResourceNames,
        Consumer<Response> responseConsumer, boolean hasClusterChanged,
        boolean allowDefaultEmptyEdsUpdate) {
      Node node = streamNode.get();
      streamNode.remove();
      DiscoveryRequest.Builder corrected = null;
      if (!request.v3Request().hasNode() && node != null) {
        corrected = request.v3Request().toBuilder().setNode(node);
      }
      if (request.hasErrorDetail()) {
        String rejected = rejectedVersion(request.getResponseNonce());
        if (rejected != null) {
          corrected = (corrected == null ? request.v3Request().toBuilder() : corrected)
              .setVersionInfo(rejected);
          knownResourceNames = Set.copyOf(request.getResourceNamesList());
        }
      }
      if (corrected != null) {
        request = XdsRequest.create(corrected.build());
      }
      return cache.createWatch(ads, request, knownResourceNames, responseConsumer,
          hasClusterChanged, allowDefaultEmptyEdsUpdate);
    }

    private String rejectedVersion(String nonce) {
      for (Stream stream : streams.values()) {
        String version = stream.versionByNonce.get(nonce);
        if (version != null) {
          return version;
        }
      }
      return null;
    }

    @Override
    public DeltaWatch createDeltaWatch(DeltaXdsRequest request, String requesterVersion,
        Map<String, String> resourceVersions, Set<String> pendingResources, boolean isWildcard,
        Consumer<io.envoyproxy.controlplane.cache.DeltaResponse> responseConsumer,
        boolean hasClusterChanged) {
      return cache.createDeltaWatch(request, requesterVersion, resourceVersions,
          pendingResources, isWildcard, responseConsumer, hasClusterChanged);
    }
  }
}
