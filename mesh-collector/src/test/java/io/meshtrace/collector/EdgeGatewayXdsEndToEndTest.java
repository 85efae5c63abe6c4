package io.meshtrace.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.controlplane.xds.AdsClient;
import io.meshtrace.controlplane.xds.EdgeGatewayAssertions;
import io.meshtrace.controlplane.xds.EdgeGatewaySnapshot;
import io.meshtrace.controlplane.xds.EdgeGatewayXdsServerTest;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The all-in-one server with {@code --gateway-routes}, and a grpc-java ADS client that
 * subscribes like the edge-gateway Envoy: what it gets, how a change of strategies (file, admin
 * API) reaches it, NACKs on {@code /metrics}, and nothing for nodes of other clusters.
 */
class EdgeGatewayXdsEndToEndTest {
  static final Duration WAIT = Duration.ofSeconds(5);
  /**
   * A client of its own, HTTP/1.1: once, the shared client's pooled HTTP/2 connection hung a
   * request to this class's admin port for 120 s (after many test classes in the same JVM).
   */
  static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newBuilder()
      .version(java.net.http.HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  static final String ADMIN_TOKEN = "xds-e2e-token";
  static final String ROUTES = """
      listener: {port: 10000}
      routes:
        - {prefix: /shop, cluster: shop, operation: "GET /shop"}
        - {prefix: /cart, cluster: cart, operation: "POST /cart"}
      clusters:
        - {name: shop, endpoints: ["shop:8081"]}
        - {name: cart, endpoints: ["10.1.2.3:9000"]}
      """;
  static final String STRATEGIES = """
      {"service_strategies": [{"service": "edge-gateway", "type": "probabilistic",
        "param": 0.1, "operation_strategies": [
          {"operation": "GET /shop", "type": "probabilistic", "param": 0.001}]}]}""";

  @TempDir
  static Path dir;
  static Path strategies;
  static Path routes;
  static Path portsFile;
  static MeshtraceServer server;

  @BeforeAll
  static void start() throws Exception {
    strategies = dir.resolve("strategies.json");
    Files.writeString(strategies, STRATEGIES);
    routes = dir.resolve("gateway-routes.yaml");
    Files.writeString(routes, ROUTES);
    portsFile = dir.resolve("ports.json");
    server = TestServers.allInOne("--sampling-strategies", strategies.toString(),
        "--sampling-strategies-reload-interval", "200ms", "--admin-token", ADMIN_TOKEN,
        "--gateway-routes", routes.toString(), "--xds-port", "0",
        "--ports-file", portsFile.toString());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void theEdgeNodeGetsEveryTracingFieldAndTheCollectorIsThisProcess() throws Exception {
    JsonObject ports = new JsonObject(Files.readString(portsFile));
    assertThat(ports.getInteger("xds")).isEqualTo(server.ports().get("xds")).isPositive();
    assertThat(ports.fieldNames()).containsExactlyInAnyOrder("zipkin", "otlpGrpc", "otlpHttp",
        "jaegerCompact", "jaegerBinary", "jaegerHttp", "query", "samplingHttp", "samplingGrpc",
        "xds", "admin");
    try (AdsClient envoy = new AdsClient(server.ports().get("xds"), "edge-e2e-1",
        "edge-gateway")) {
      EdgeGatewaySnapshot.Resources resources = EdgeGatewayXdsServerTest.subscribeLikeEnvoy(envoy);
      // The strategies file as written (the other tests change it only through copies below).
      EdgeGatewayAssertions.assertTracing(resources,
          ZipkinConfig.CollectorEndpointVersion.HTTP_PROTO, "127.0.0.1", 100_000,
          Map.of("GET /shop", 1000, "POST /cart", 100_000));
      Cluster collector = resources.clusters().stream()
          .filter(c -> c.getName().equals("meshtrace-collector")).findFirst().orElseThrow();
      assertThat(collector.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint()
          .getAddress().getSocketAddress().getPortValue()).isEqualTo(server.ports().get("zipkin"));
      assertThat(resources.clusters()).extracting(Cluster::getName)
          .containsExactly("shop", "cart", "meshtrace-collector");
      assertThat(resources.clusters().get(0).getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
      assertThat(resources.clusters().get(1).getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
      String metrics = get(TestServers.url(server, "admin", "/metrics")).body();
      assertThat(metrics).contains("meshtrace_xds_snapshot_version ")
          .containsPattern("meshtrace_xds_connected_nodes [1-9]");
    }
  }

  @Test
  void strategyChangesThroughTheFileAndTheAdminApiArePushedWithinASecond() throws Exception {
    try (AdsClient envoy = new AdsClient(server.ports().get("xds"), "edge-e2e-2",
        "edge-gateway")) {
      EdgeGatewayXdsServerTest.subscribeLikeEnvoy(envoy);

      // Through the file: GET /shop from 0.1% to 2.5%.
      long written = System.nanoTime();
      Files.writeString(strategies, STRATEGIES.replace("0.001", "0.025"));
      RouteConfiguration routes = nextRoutesWhere(envoy, m -> m.get("GET /shop") == 25_000);
      Duration fileToEnvoy = Duration.ofNanos(System.nanoTime() - written);
      assertThat(fileToEnvoy).as("file change to Envoy").isLessThan(Duration.ofSeconds(1));
      assertThat(perMillion(routes)).isEqualTo(Map.of("GET /shop", 25_000, "POST /cart", 100_000));

      // Through the admin API: the service's entry replaced, 50% for every route.
      String url = TestServers.url(server, "samplingHttp",
          "/api/sampling/strategies/services/edge-gateway");
      long put = System.nanoTime();
      HttpResponse<String> set = HTTP.send(HttpRequest.newBuilder(URI.create(url))
          .header("Authorization", "Bearer " + ADMIN_TOKEN)
          .header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString("{\"type\": \"probabilistic\", \"param\": 0.5}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
      routes = nextRoutesWhere(envoy, m -> m.get("GET /shop") == 500_000);
      Duration apiToEnvoy = Duration.ofNanos(System.nanoTime() - put);
      assertThat(apiToEnvoy).as("admin API change to Envoy").isLessThan(Duration.ofSeconds(1));
      assertThat(perMillion(routes)).isEqualTo(Map.of("GET /shop", 500_000, "POST /cart", 500_000));
      System.out.printf("xDS push after a file change: %d ms, after an admin API change: %d ms%n",
          fileToEnvoy.toMillis(), apiToEnvoy.toMillis());

      // Deleting the API's entry brings the file's back.
      HTTP.send(HttpRequest.newBuilder(URI.create(url))
          .header("Authorization", "Bearer " + ADMIN_TOKEN).DELETE().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(perMillion(nextRoutesWhere(envoy, m -> m.get("GET /shop") == 25_000)))
          .containsEntry("POST /cart", 100_000);
      Files.writeString(strategies, STRATEGIES);
      nextRoutesWhere(envoy, m -> m.get("GET /shop") == 1000);
    }
  }

  @Test
  void aNackIsLoggedAndCountedOnMetricsAndServingGoesOn() throws Exception {
    try (AdsClient envoy = new AdsClient(server.ports().get("xds"), "edge-e2e-3",
        "edge-gateway")) {
      envoy.subscribe(AdsClient.LISTENERS);
      DiscoveryResponse listeners = envoy.next(AdsClient.LISTENERS, WAIT);
      assertThat(listeners).isNotNull();
      double before = nacks(AdsClient.LISTENERS);
      envoy.nack(listeners, "", "Error adding/updating listener(s) edge_gateway_http: "
          + "cannot bind '0.0.0.0:10000': Address already in use");
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (nacks(AdsClient.LISTENERS) < before + 1 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(nacks(AdsClient.LISTENERS)).isEqualTo(before + 1);
      // The same stream still serves other types, and a new node is served in full.
      envoy.subscribe(AdsClient.CLUSTERS);
      assertThat(envoy.next(AdsClient.CLUSTERS, WAIT)).isNotNull();
    }
    try (AdsClient next = new AdsClient(server.ports().get("xds"), "edge-e2e-4",
        "edge-gateway")) {
      assertThat(EdgeGatewayXdsServerTest.subscribeLikeEnvoy(next).listeners()).hasSize(1);
    }
  }

  @Test
  void aBrokenRoutesFileKeepsTheLastGoodRoutesAndReadyzSaysSo() throws Exception {
    String readyz = TestServers.url(server, "admin", "/readyz");
    assertThat(new JsonObject(get(readyz).body()).getJsonObject("checks")
        .getString("xds")).startsWith("ok: snapshot version ");
    try (AdsClient envoy = new AdsClient(server.ports().get("xds"), "edge-e2e-5",
        "edge-gateway")) {
      EdgeGatewayXdsServerTest.subscribeLikeEnvoy(envoy);
      Files.writeString(routes, ROUTES.replace("cluster: cart,", "cluster: carts,"));
      String xds = "";
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!xds.startsWith("degraded") && System.nanoTime() < deadline) {
        Thread.sleep(100);
        HttpResponse<String> ready = get(readyz);
        assertThat(ready.statusCode()).isEqualTo(200); // the last good routes are served
        xds = new JsonObject(ready.body()).getJsonObject("checks").getString("xds");
      }
      assertThat(xds).startsWith("degraded: routes file " + routes + " is broken")
          .endsWith("routes[1].cluster: 'carts' is not listed under clusters (line 4)");
      assertThat(envoy.anything(Duration.ofMillis(300))).as("nothing pushed").isNull();
      Files.writeString(routes, ROUTES);
      deadline = System.nanoTime() + WAIT.toNanos();
      while (!xds.startsWith("ok") && System.nanoTime() < deadline) {
        Thread.sleep(100);
        xds = new JsonObject(get(readyz).body()).getJsonObject("checks")
            .getString("xds");
      }
      assertThat(xds).startsWith("ok: ");
      // The same routes as before the breakage: nothing to push.
      assertThat(envoy.anything(Duration.ofMillis(300))).isNull();
    }
  }

  @Test
  void aNodeOfAnotherClusterGetsNothing() throws Exception {
    try (AdsClient sidecar = new AdsClient(server.ports().get("xds"), "shop-7f9c",
        "shop")) {
      sidecar.subscribe(AdsClient.CLUSTERS);
      sidecar.subscribe(AdsClient.LISTENERS);
      assertThat(sidecar.anything(Duration.ofSeconds(1))).isNull();
    }
  }

  static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static double nacks(String typeUrl) throws Exception {
    String metrics = get(TestServers.url(server, "admin", "/metrics")).body();
    for (String line : metrics.split("\n")) {
      if (line.startsWith("meshtrace_xds_nacks_total{") && line.contains("type_url=\""
          + typeUrl + "\"")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  /** Route responses, each ACKed, until one has the sampling wanted. */
  private static RouteConfiguration nextRoutesWhere(AdsClient envoy,
      java.util.function.Predicate<Map<String, Integer>> wanted) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      DiscoveryResponse response = envoy.next(AdsClient.ROUTES,
          Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (response == null) {
        break;
      }
      envoy.ack(response, EdgeGatewaySnapshot.ROUTE_CONFIGURATION);
      RouteConfiguration routes = EdgeGatewayXdsServerTest.unpack(response,
          RouteConfiguration.class).get(0);
      if (wanted.test(perMillion(routes))) {
        return routes;
      }
    }
    throw new AssertionError("no route configuration with the sampling wanted within " + WAIT);
  }

  private static Map<String, Integer> perMillion(RouteConfiguration routes) {
    Map<String, Integer> sampling = new HashMap<>();
    for (var host : routes.getVirtualHostsList()) {
      for (Route route : host.getRoutesList()) {
        sampling.put(route.getDecorator().getOperation(),
            route.getTracing().getRandomSampling().getNumerator());
      }
    }
    return sampling;
  }
}
