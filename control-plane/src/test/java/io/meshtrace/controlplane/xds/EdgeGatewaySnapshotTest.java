package io.meshtrace.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.meshtrace.controlplane.sampling.ObservedTraffic;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.controlplane.sampling.SamplingStrategiesJson;
import io.meshtrace.storage.RootSpanThroughput;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EdgeGatewaySnapshotTest {
  static final String ROUTES = """
      listener: {address: 0.0.0.0, port: 10000}
      collector: {address: "meshtrace:9411", encoding: HTTP_JSON}
      routes:
        - {prefix: /shop, cluster: shop, operation: "GET /shop"}
        - {prefix: /cart, cluster: cart, operation: "POST /cart"}
        - {host: admin.example.com, prefix: /, cluster: shop, operation: admin}
      clusters:
        - {name: shop, endpoints: ["shop:8081", "shop-2:8081"]}
        - {name: cart, endpoints: ["10.0.0.7:9000"]}
      """;

  static SamplingStrategies strategies(String json, ObservedTraffic traffic) throws Exception {
    return SamplingStrategies.resolve(SamplingStrategiesJson.parse(json).document(), 0.001,
        traffic, null);
  }

  static EdgeSampling sampling(String json, ObservedTraffic traffic) throws Exception {
    return EdgeSampling.resolve(strategies(json, traffic), "edge-gateway",
        List.of("GET /shop", "POST /cart", "admin"));
  }

  @Test
  void everyTracingFieldIsStated() throws Exception {
    GatewayRoutes routes = GatewayRoutesFile.parse(ROUTES);
    EdgeSampling sampling = sampling("""
        {"service_strategies": [{"service": "edge-gateway", "type": "probabilistic",
          "param": 0.25, "operation_strategies": [
            {"operation": "GET /shop", "type": "probabilistic", "param": 0.001}]}]}""",
        ObservedTraffic.NONE);
    EdgeGatewaySnapshot.Resources resources = EdgeGatewaySnapshot.build(routes, sampling,
        "edge-gateway", new GatewayRoutes.Endpoint("127.0.0.1", 9411));
    EdgeGatewayAssertions.assertTracing(resources, ZipkinConfig.CollectorEndpointVersion.HTTP_JSON, "meshtrace",
        250_000, Map.of("GET /shop", 1000, "POST /cart", 250_000, "admin", 250_000));

    Cluster shop = resources.clusters().get(0);
    assertThat(shop.getName()).isEqualTo("shop");
    assertThat(shop.getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    assertThat(shop.getLoadAssignment().getEndpoints(0).getLbEndpointsList())
        .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress() + ":"
            + e.getEndpoint().getAddress().getSocketAddress().getPortValue())
        .containsExactly("shop:8081", "shop-2:8081");
    assertThat(resources.clusters().get(1).getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
    Cluster collector = resources.clusters().get(2);
    assertThat(collector.getName()).isEqualTo("meshtrace-collector");
    assertThat(collector.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint()
        .getAddress().getSocketAddress().getPortValue()).isEqualTo(9411);

    RouteConfiguration configuration = resources.routes().get(0);
    assertThat(configuration.getVirtualHostsList()).extracting(v -> v.getDomains(0))
        .containsExactly("*", "admin.example.com");
    Route first = configuration.getVirtualHosts(0).getRoutes(0);
    assertThat(first.getMatch().getPrefix()).isEqualTo("/shop");
    assertThat(first.getRoute().getCluster()).isEqualTo("shop");
    assertThat(first.getTracing().getCustomTagsList())
        .extracting(t -> t.getTag() + "=" + t.getLiteral().getValue())
        .containsExactly("sampler.type=probabilistic", "sampler.param=0.001");
  }

  @Test
  void sameInputsSameResources() throws Exception {
    GatewayRoutes routes = GatewayRoutesFile.parse(ROUTES);
    EdgeSampling sampling = sampling("{}", ObservedTraffic.NONE);
    var endpoint = new GatewayRoutes.Endpoint("127.0.0.1", 9411);
    assertThat(EdgeGatewaySnapshot.build(routes, sampling, "edge-gateway", endpoint))
        .isEqualTo(EdgeGatewaySnapshot.build(GatewayRoutesFile.parse(ROUTES),
            sampling("{}", ObservedTraffic.NONE), "edge-gateway", endpoint));
  }

  @Test
  void defaultCollectorAndEncodingWhenTheFileNamesNone() throws Exception {
    GatewayRoutes routes = GatewayRoutesFile.parse(ROUTES.replace(
        "collector: {address: \"meshtrace:9411\", encoding: HTTP_JSON}\n", ""));
    EdgeGatewaySnapshot.Resources resources = EdgeGatewaySnapshot.build(routes,
        sampling("{}", ObservedTraffic.NONE), "edge-gateway",
        new GatewayRoutes.Endpoint("127.0.0.1", 19411));
    // No file, no entry: Jaeger's default probability 0.001 = 1000 per million everywhere.
    EdgeGatewayAssertions.assertTracing(resources, ZipkinConfig.CollectorEndpointVersion.HTTP_PROTO, "127.0.0.1",
        1000, Map.of("GET /shop", 1000, "POST /cart", 1000, "admin", 1000));
    Cluster collector = resources.clusters().get(2);
    assertThat(collector.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
    assertThat(collector.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint()
        .getAddress().getSocketAddress().getPortValue()).isEqualTo(19411);
  }

  @Test
  void samplingFollowsTheStrategiesOfTheNodeCluster() throws Exception {
    // The default strategy's operations apply to a service without its own (Jaeger's merge).
    assertThat(sampling("""
        {"default_strategy": {"type": "probabilistic", "param": 0.5,
           "operation_strategies": [{"operation": "admin", "type": "probabilistic",
             "param": 0}]},
         "service_strategies": [{"service": "other", "type": "probabilistic", "param": 1}]}""",
        ObservedTraffic.NONE))
        .isEqualTo(new EdgeSampling(500_000, Map.of("GET /shop", 500_000, "POST /cart", 500_000,
            "admin", 0)));
    // A service entry without operations: every route at the service's probability.
    assertThat(sampling("""
        {"service_strategies": [{"service": "edge-gateway", "type": "probabilistic",
           "param": 0.000015}]}""", ObservedTraffic.NONE))
        .isEqualTo(new EdgeSampling(15, Map.of("GET /shop", 15, "POST /cart", 15, "admin", 15)));
  }

  @Test
  void rateLimitsBecomeProbabilitiesOfTheObservedTraffic() throws Exception {
    String json = """
        {"service_strategies": [{"service": "edge-gateway", "type": "ratelimiting",
           "param": 2, "operation_strategies": [
             {"operation": "POST /cart", "type": "ratelimiting", "param": 0.5}]}]}""";
    // Nothing seen yet: the default probability, never more than the limit on a guess.
    assertThat(sampling(json, ObservedTraffic.NONE))
        .isEqualTo(new EdgeSampling(1000, Map.of("GET /shop", 1000, "POST /cart", 1000,
            "admin", 1000)));
    // Seen over 5 minutes: GET /shop 300 root spans reported at 0.001 (300,000 requests, 1000 a
    // second), POST /cart 3000 at 1 (10 a second).
    Instant minute = Instant.parse("2026-01-01T00:00:00Z");
    ObservedTraffic traffic = ObservedTraffic.of(List.of(
        new RootSpanThroughput(minute, "edge-gateway", "GET /shop", "probabilistic", 0.001, 300),
        new RootSpanThroughput(minute, "edge-gateway", "POST /cart", "probabilistic", 1, 3000)),
        Duration.ofMinutes(5));
    EdgeSampling seen = sampling(json, traffic);
    // The operation's 0.5 a second of its 10: 5%.
    assertThat(seen.perMillionByOperation()).containsEntry("POST /cart", 50_000);
    // Operations without their own strategy get the entry's default probability (the Jaeger
    // default, since a rate-limiting entry has no probability of its own), as SDKs do: with
    // operation strategies, Jaeger's per-operation sampler does not apply the service's limit.
    assertThat(seen.perMillionByOperation()).containsEntry("GET /shop", 1000);
    assertThat(seen.defaultPerMillion()).isEqualTo(1000);
    // A service rate limit alone: 2 a second of the service's 1010 for every route (0.198%).
    EdgeSampling service = sampling("""
        {"service_strategies": [{"service": "edge-gateway", "type": "ratelimiting",
           "param": 2}]}""", traffic);
    assertThat(service).isEqualTo(new EdgeSampling(1980, Map.of("GET /shop", 1980,
        "POST /cart", 1980, "admin", 1980)));
  }

  @Test
  void operationsMatchTheLowercasedNamesZipkinStores() throws Exception {
    // Zipkin lowercases span names: the Envoy's "GET /shop" is counted as "get /shop".
    Instant minute = Instant.parse("2026-01-01T00:00:00Z");
    ObservedTraffic traffic = ObservedTraffic.of(List.of(
        new RootSpanThroughput(minute, "edge-gateway", "get /shop", "probabilistic", 0.01, 300),
        new RootSpanThroughput(minute, "edge-gateway", "post /cart", "probabilistic", 1, 3000)),
        Duration.ofMinutes(5));
    // Per-operation rate limits as written in the routes file: 1 of 100 a second, 0.5 of 10.
    String json = """
        {"service_strategies": [{"service": "edge-gateway", "type": "probabilistic",
           "param": 0.2, "operation_strategies": [
             {"operation": "GET /shop", "type": "ratelimiting", "param": 1},
             {"operation": "POST /cart", "type": "ratelimiting", "param": 0.5}]}]}""";
    assertThat(sampling(json, traffic)).isEqualTo(new EdgeSampling(200_000,
        Map.of("GET /shop", 10_000, "POST /cart", 50_000, "admin", 200_000)));
    // Not seen yet: the entry's default, as for SDKs.
    assertThat(sampling(json, ObservedTraffic.NONE)).isEqualTo(new EdgeSampling(200_000,
        Map.of("GET /shop", 200_000, "POST /cart", 200_000, "admin", 200_000)));
    // Adaptive sampling calculates the stored (lowercased) operations.
    SamplingStrategies adaptive = SamplingStrategies.resolve(
        SamplingStrategiesJson.parse("{}").document(), 0.001, traffic,
        new SamplingStrategies.Adaptive(Map.of("edge-gateway",
            Map.of("get /shop", 0.004, "admin", 0.5)), 0.001, 1 / 60.0));
    assertThat(EdgeSampling.resolve(adaptive, "edge-gateway",
        List.of("GET /shop", "POST /cart", "admin")))
        .isEqualTo(new EdgeSampling(1000, Map.of("GET /shop", 4000, "POST /cart", 1000,
            "admin", 500_000)));
  }

  @Test
  void changesAreDescribedForTheLog() {
    EdgeSampling before = new EdgeSampling(1000, Map.of("GET /shop", 1000, "admin", 0));
    EdgeSampling after = new EdgeSampling(500_000, Map.of("GET /shop", 123, "admin", 0));
    assertThat(after.changesSince(before))
        .isEqualTo("GET /shop 0.1% -> 0.0123%, unmatched requests 0.1% -> 50%");
    assertThat(after.changesSince(after)).isEqualTo("unchanged");
  }
}
