package io.meshtrace.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.meshtrace.controlplane.file.FollowedFileTest;
import io.meshtrace.controlplane.file.UnusableFileException;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server over real gRPC, with an ADS client that behaves like an Envoy edge node. */
public class EdgeGatewayXdsServerTest {
  static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir
  Path dir;
  Path routesFile;
  final AtomicReference<SamplingStrategies> strategies = new AtomicReference<>();
  final SamplingStrategySource source = new SamplingStrategySource() {
    @Override
    public SamplingStrategies current() {
      return strategies.get();
    }

    @Override
    public Status status() {
      return new Status(false, "test");
    }
  };
  final List<String> nacks = new CopyOnWriteArrayList<>();
  final AtomicLong snapshotVersion = new AtomicLong();
  final AtomicLong connected = new AtomicLong(-1);
  final XdsObserver observer = new XdsObserver() {
    @Override
    public void nack(String typeUrl) {
      nacks.add(typeUrl);
    }

    @Override
    public void snapshotVersion(long version) {
      snapshotVersion.set(version);
    }

    @Override
    public void connectedNodes(int nodes) {
      connected.set(nodes);
    }
  };
  Vertx vertx;
  EdgeGatewayXdsServer server;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    routesFile = dir.resolve("gateway-routes.yaml");
    Files.writeString(routesFile, EdgeGatewaySnapshotTest.ROUTES);
    strategies.set(EdgeGatewaySnapshotTest.strategies("""
        {"service_strategies": [{"service": "edge-gateway", "type": "probabilistic",
          "param": 0.25, "operation_strategies": [
            {"operation": "GET /shop", "type": "probabilistic", "param": 0.001}]}]}""",
        null));
    server = start(settings(routesFile, 0), observer);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (server != null) {
      server.stop().await(10, TimeUnit.SECONDS);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Sampling re-resolved every 200 ms; the routes file re-read every 10 s besides its watch. */
  static EdgeGatewayXdsServer.Settings settings(Path routes, int port) {
    return new EdgeGatewayXdsServer.Settings("127.0.0.1", port, "edge-gateway", routes,
        new GatewayRoutes.Endpoint("127.0.0.1", 9411), Duration.ofMillis(200),
        Duration.ofSeconds(10));
  }

  EdgeGatewayXdsServer start(EdgeGatewayXdsServer.Settings settings, XdsObserver observer)
      throws Exception {
    EdgeGatewayXdsServer started = new EdgeGatewayXdsServer(vertx, settings, source,
        observer);
    try {
      started.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
    return started;
  }

  /** Envoy's start: CDS, then LDS, then the RDS the listener names; each ACKed. */
  public static EdgeGatewaySnapshot.Resources subscribeLikeEnvoy(AdsClient envoy) throws Exception {
    envoy.subscribe(AdsClient.CLUSTERS);
    DiscoveryResponse clusters = envoy.next(AdsClient.CLUSTERS, WAIT);
    assertThat(clusters).as("CDS response").isNotNull();
    envoy.ack(clusters);
    envoy.subscribe(AdsClient.LISTENERS);
    DiscoveryResponse listeners = envoy.next(AdsClient.LISTENERS, WAIT);
    assertThat(listeners).as("LDS response").isNotNull();
    envoy.ack(listeners);
    envoy.subscribe(AdsClient.ROUTES, EdgeGatewaySnapshot.ROUTE_CONFIGURATION);
    DiscoveryResponse routes = envoy.next(AdsClient.ROUTES, WAIT);
    assertThat(routes).as("RDS response").isNotNull();
    envoy.ack(routes, EdgeGatewaySnapshot.ROUTE_CONFIGURATION);
    return new EdgeGatewaySnapshot.Resources(unpack(clusters, Cluster.class),
        unpack(listeners, Listener.class), unpack(routes, RouteConfiguration.class));
  }

  public static <T extends com.google.protobuf.Message> List<T> unpack(DiscoveryResponse response,
      Class<T> type) throws Exception {
    List<T> resources = new java.util.ArrayList<>();
    for (Any any : response.getResourcesList()) {
      resources.add(any.unpack(type));
    }
    return resources;
  }

  @Test
  void anEdgeNodeGetsListenerRoutesAndClustersWithEveryTracingField() throws Exception {
    try (AdsClient envoy = new AdsClient(server.port(), "edge-1", "edge-gateway")) {
      EdgeGatewaySnapshot.Resources resources = subscribeLikeEnvoy(envoy);
      EdgeGatewayAssertions.assertTracing(resources,
          ZipkinConfig.CollectorEndpointVersion.HTTP_JSON, "meshtrace", 250_000,
          Map.of("GET /shop", 1000, "POST /cart", 250_000, "admin", 250_000));
      assertThat(resources.clusters()).extracting(Cluster::getName)
          .containsExactly("shop", "cart", "meshtrace-collector");
      assertThat(connected.get()).isEqualTo(1);
      assertThat(snapshotVersion.get()).isEqualTo(1);
      // ACKed and nothing changed: nothing more is sent.
      assertThat(envoy.anything(Duration.ofMillis(600))).isNull();
    }
    awaitConnected(0);
    AdsClient killed = new AdsClient(server.port(), "edge-2", "edge-gateway");
    subscribeLikeEnvoy(killed);
    assertThat(connected.get()).isEqualTo(1);
    killed.abort();
    awaitConnected(0);
  }

  private void awaitConnected(long nodes) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (connected.get() != nodes && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(connected.get()).as("connected nodes").isEqualTo(nodes);
  }

  @Test
  void aStrategyChangePushesTheRoutesAloneWithinASecond() throws Exception {
    try (AdsClient envoy = new AdsClient(server.port(), "edge-1", "edge-gateway")) {
      subscribeLikeEnvoy(envoy);
      long changed = System.nanoTime();
      strategies.set(EdgeGatewaySnapshotTest.strategies("""
          {"service_strategies": [{"service": "edge-gateway", "type": "probabilistic",
            "param": 0.5}]}""", null));
      DiscoveryResponse routes = envoy.next(AdsClient.ROUTES, WAIT);
      long millis = (System.nanoTime() - changed) / 1_000_000;
      assertThat(routes).isNotNull();
      assertThat(millis).as("push after the change, ms").isLessThan(1000);
      assertThat(routes.getVersionInfo()).startsWith("2-");
      envoy.ack(routes, EdgeGatewaySnapshot.ROUTE_CONFIGURATION);
      // The listener changed too (its random_sampling for unmatched requests); clusters not.
      DiscoveryResponse listeners = envoy.next(AdsClient.LISTENERS, WAIT);
      assertThat(listeners.getVersionInfo()).startsWith("2-");
      envoy.ack(listeners);
      assertThat(envoy.next(AdsClient.CLUSTERS, Duration.ofMillis(600))).isNull();
      var route = unpack(routes, RouteConfiguration.class).get(0).getVirtualHosts(0)
          .getRoutes(0);
      assertThat(route.getTracing().getRandomSampling().getNumerator()).isEqualTo(500_000);
      assertThat(server.version()).isEqualTo(2);
    }
  }

  @Test
  void aNackIsCountedAndTheNextVersionStillArrives() throws Exception {
    try (AdsClient envoy = new AdsClient(server.port(), "edge-1", "edge-gateway")) {
      envoy.subscribe(AdsClient.CLUSTERS);
      DiscoveryResponse clusters = envoy.next(AdsClient.CLUSTERS, WAIT);
      envoy.nack(clusters, "", "Proto constraint validation failed: oops",
          new String[0]);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (nacks.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(nacks).containsExactly(AdsClient.CLUSTERS);
      // The rejected version is not sent again straight away...
      assertThat(envoy.next(AdsClient.CLUSTERS, Duration.ofMillis(600))).isNull();
      // ...but a new one is, and the stream still serves other types.
      Files.writeString(routesFile, EdgeGatewaySnapshotTest.ROUTES.replace("shop-2:8081",
          "shop-3:8081"));
      DiscoveryResponse next = envoy.next(AdsClient.CLUSTERS, WAIT);
      assertThat(next).isNotNull();
      assertThat(next.getVersionInfo()).startsWith("2-");
      assertThat(clusters.getVersionInfo()).startsWith("1-");
      envoy.ack(next);
      envoy.subscribe(AdsClient.LISTENERS);
      assertThat(envoy.next(AdsClient.LISTENERS, WAIT)).isNotNull();
    }
  }

  @Test
  void aNodeSentOnTheFirstMessageOnlyIsServedToo() throws Exception {
    try (AdsClient envoy = new AdsClient(server.port(), "istio-gw", "edge-gateway", true)) {
      EdgeGatewaySnapshot.Resources resources = subscribeLikeEnvoy(envoy);
      assertThat(resources.routes()).hasSize(1);
      assertThat(resources.listeners()).hasSize(1);
    }
  }

  @Test
  void aNodeOfAnotherClusterGetsNothing() throws Exception {
    try (AdsClient sidecar = new AdsClient(server.port(), "sidecar-1", "shop")) {
      sidecar.subscribe(AdsClient.CLUSTERS);
      sidecar.subscribe(AdsClient.LISTENERS);
      assertThat(sidecar.anything(Duration.ofSeconds(1))).isNull();
      assertThat(connected.get()).isEqualTo(0);
    }
  }

  @Test
  void theRoutesFileIsFollowedAndABrokenOneKeepsTheLastGood() throws Exception {
    try (AdsClient envoy = new AdsClient(server.port(), "edge-1", "edge-gateway")) {
      subscribeLikeEnvoy(envoy);
      Files.writeString(routesFile, "listener: {port: nope}\n");
      assertThat(envoy.anything(Duration.ofMillis(1500))).isNull();
      assertThat(server.routes().routes()).hasSize(3);
      assertThat(server.status().degraded()).isTrue();
      assertThat(server.status().detail()).startsWith("routes file " + routesFile
          + " is broken, so the last good routes are still served (snapshot version 1 for node "
          + "cluster 'edge-gateway' on port " + server.port() + "): listener.port: 'nope' is not "
          + "a port");
      Files.writeString(routesFile, EdgeGatewaySnapshotTest.ROUTES.replace("/cart", "/basket"));
      DiscoveryResponse routes = envoy.next(AdsClient.ROUTES, WAIT);
      assertThat(routes).isNotNull();
      assertThat(unpack(routes, RouteConfiguration.class).get(0).getVirtualHosts(0)
          .getRoutes(1).getMatch().getPrefix()).isEqualTo("/basket");
      assertThat(server.status().degraded()).isFalse();
    }
  }

  @Test
  void aDeletedRoutesFileKeepsTheLastGoodAndOneRenamedInPlaceIsPushedThroughTheWatch()
      throws Exception {
    try (AdsClient envoy = new AdsClient(server.port(), "edge-1", "edge-gateway")) {
      subscribeLikeEnvoy(envoy);
      Files.delete(routesFile);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!server.status().degraded() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(server.status().detail()).endsWith("): cannot read " + routesFile
          + ": no such file");
      assertThat(envoy.anything(Duration.ofMillis(300))).as("nothing pushed").isNull();
      assertThat(server.routes().routes()).hasSize(3);

      // As editors and ConfigMap volumes replace files; the reload interval (10 s) is longer
      // than the wait, so the watch is what sees it.
      FollowedFileTest.replace(routesFile, EdgeGatewaySnapshotTest.ROUTES.replace("/cart",
          "/basket"));
      DiscoveryResponse routes = envoy.next(AdsClient.ROUTES, WAIT);
      assertThat(routes).isNotNull();
      assertThat(unpack(routes, RouteConfiguration.class).get(0).getVirtualHosts(0)
          .getRoutes(1).getMatch().getPrefix()).isEqualTo("/basket");
      assertThat(server.status().degraded()).isFalse();
      assertThat(server.routes().routes().get(1).prefix()).isEqualTo("/basket");
    }
  }

  @Test
  void anEnvoyThatReconnectsAfterARestartWithOtherRoutesGetsThem() throws Exception {
    String accepted;
    try (AdsClient envoy = new AdsClient(server.port(), "edge-1", "edge-gateway")) {
      envoy.subscribe(AdsClient.CLUSTERS);
      accepted = envoy.next(AdsClient.CLUSTERS, WAIT).getVersionInfo();
    }
    server.stop().await(10, TimeUnit.SECONDS);
    Files.writeString(routesFile, EdgeGatewaySnapshotTest.ROUTES.replace("shop-2:8081",
        "shop-3:8081"));
    server = start(settings(routesFile, 0), observer);
    assertThat(server.version()).isEqualTo(1);
    try (AdsClient envoy = new AdsClient(server.port(), "edge-1", "edge-gateway")) {
      // Envoy asks with the version it holds: the new process's first has the same number.
      envoy.ack(DiscoveryResponse.newBuilder().setTypeUrl(AdsClient.CLUSTERS)
          .setVersionInfo(accepted).build());
      DiscoveryResponse clusters = envoy.next(AdsClient.CLUSTERS, WAIT);
      assertThat(clusters).isNotNull();
      assertThat(clusters.getVersionInfo()).startsWith("1-").isNotEqualTo(accepted);
      assertThat(unpack(clusters, Cluster.class).get(0).getLoadAssignment().getEndpoints(0)
          .getLbEndpoints(1).getEndpoint().getAddress().getSocketAddress().getAddress())
          .isEqualTo("shop-3");
    }
  }

  @Test
  void versionsAreTheCounterAndADigestOfTheResources() throws Exception {
    var resources = EdgeGatewaySnapshot.build(GatewayRoutesFile.parse(
        EdgeGatewaySnapshotTest.ROUTES), new EdgeSampling(1000, Map.of()), "edge-gateway",
        new GatewayRoutes.Endpoint("127.0.0.1", 9411));
    assertThat(EdgeGatewaySnapshots.versionInfo(3, resources.clusters()))
        .matches("3-[0-9a-f]{12}")
        .isEqualTo(EdgeGatewaySnapshots.versionInfo(3, List.copyOf(resources.clusters())))
        .isNotEqualTo(EdgeGatewaySnapshots.versionInfo(3, resources.clusters().subList(0, 1)));
  }

  @Test
  void aPortInUseIsANamedFailure() {
    assertThatThrownBy(() -> start(settings(routesFile, server.port()), XdsObserver.NONE))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageStartingWith("cannot listen on 127.0.0.1:" + server.port() + " for xds: ")
        .hasMessageContaining("in use");
  }

  @Test
  void aBadRoutesFileStopsTheStart() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "listener: {port: 10000}\nroutes: []\n");
    assertThatThrownBy(() -> start(settings(bad, 0), XdsObserver.NONE))
        .isInstanceOf(UnusableFileException.class)
        .hasMessage(bad + ": clusters: missing; expected a list of {name, endpoints} (line 1); "
            + "routes: empty; at least one route (line 2)");
    Path missing = dir.resolve("missing.yaml");
    assertThatThrownBy(() -> start(settings(missing, 0), XdsObserver.NONE))
        .isInstanceOf(UnusableFileException.class)
        .hasMessage(missing + ": cannot read " + missing + ": no such file");
  }
}
