package io.meshtrace.controlplane.xds;

import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.meshtrace.lifecycle.Component;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshots of one node cluster in the xDS cache, and their versions. A thread of its own
 * re-resolves the sampling every poll interval (cheap: the sources publish immutable strategies)
 * against the routes in service; a new version is set only when the Envoy would get something
 * different, and each type keeps its version while its resources are unchanged, so that a
 * sampling change pushes the route configuration alone.
 */
final class EdgeGatewaySnapshots implements Component {
  private static final Logger LOG = LoggerFactory.getLogger(EdgeGatewaySnapshots.class);

  private final SimpleCache<String> cache = new SimpleCache<>(Node::getCluster);
  private final String nodeCluster;
  private final GatewayRoutes.Endpoint defaultCollector;
  private final Duration pollInterval;
  private final Supplier<GatewayRoutes> routes;
  private final SamplingStrategySource strategies;
  private final XdsObserver observer;
  private final ScheduledExecutorService thread;

  // Touched only on `thread`.
  private GatewayRoutes builtFrom;
  private EdgeSampling sampling;
  private EdgeGatewaySnapshot.Resources resources;
  // clusters, listeners, routes: the version_info each type is sent with
  private final String[] typeVersions = new String[3];
  private volatile long version;

  /**
   * @param defaultCollector the collector when the routes name none
   * @param routes the routes in service now
   * @param strategies read as a client that cannot rate-limit is served them
   */
  EdgeGatewaySnapshots(String nodeCluster, GatewayRoutes.Endpoint defaultCollector,
      Duration pollInterval, Supplier<GatewayRoutes> routes, SamplingStrategySource strategies,
      XdsObserver observer) {
    this.nodeCluster = nodeCluster;
    this.defaultCollector = defaultCollector;
    this.pollInterval = pollInterval;
    this.routes = routes;
    this.strategies = strategies;
    this.observer = observer;
    this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread snapshots = new Thread(runnable, "meshtrace-xds-snapshots");
      snapshots.setDaemon(true);
      return snapshots;
    });
  }

  @Override
  public String name() {
    return "xds snapshots";
  }

  /** The cache the discovery server answers from. */
  SimpleCache<String> cache() {
    return cache;
  }

  /** Sets the first snapshot, then re-resolves every poll interval. */
  @Override
  public Future<Void> start() {
    Promise<Void> first = Promise.promise();
    thread.execute(() -> {
      try {
        refresh();
        first.complete();
      } catch (RuntimeException e) {
        first.fail(e);
      }
    });
    long millis = pollInterval.toMillis();
    return first.future().onSuccess(v -> thread.scheduleWithFixedDelay(this::tick, millis, millis,
        TimeUnit.MILLISECONDS));
  }

  @Override
  public Future<Void> stop() {
    thread.shutdownNow();
    return Future.succeededFuture();
  }

  /** The snapshot version served now; 0 before the first. */
  long version() {
    return version;
  }

  /** Re-resolves now rather than at the next poll: the routes changed. */
  void refreshSoon() {
    try {
      thread.execute(this::tick);
    } catch (RejectedExecutionException e) {
      // Stopped: nothing is served any more.
    }
  }

  private void tick() {
    try {
      refresh();
    } catch (RuntimeException e) {
      // Never let one failure stop the schedule: the next tick tries again.
      LOG.error("xDS snapshot update failed; serving version {}", version, e);
    }
  }

  /** Builds and sets a new snapshot when the Envoy would get something different. */
  private void refresh() {
    GatewayRoutes current = routes.get();
    List<String> operations = current.routes().stream().map(GatewayRoutes.Route::operation)
        .distinct().toList();
    EdgeSampling resolved = EdgeSampling.resolve(strategies.current(), nodeCluster, operations);
    if (current == builtFrom && resolved.equals(sampling)) {
      return; // the resources would be the same
    }
    EdgeGatewaySnapshot.Resources built = EdgeGatewaySnapshot.build(current, resolved,
        nodeCluster, defaultCollector);
    builtFrom = current;
    if (built.equals(resources)) {
      return;
    }
    long next = version + 1;
    List<String> changed = new ArrayList<>();
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
    cache.setSnapshot(nodeCluster, Snapshot.create(
        built.clusters(), typeVersions[0],
        List.of(), "0",
        built.listeners(), typeVersions[1],
        built.routes(), typeVersions[2],
        List.of(), "0"));
    LOG.info("xDS snapshot version {} for node cluster '{}' ({} changed): sampling {}", next,
        nodeCluster, String.join(", ", changed), resolved.changesSince(sampling));
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
  static String versionInfo(long version, List<? extends Message> resources) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Message resource : resources) {
        digest.update(resource.toByteArray());
      }
      return version + "-" + HexFormat.of().formatHex(digest.digest(), 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
