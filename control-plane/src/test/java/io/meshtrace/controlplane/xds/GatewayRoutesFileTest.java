package io.meshtrace.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.controlplane.xds.GatewayRoutes.Endpoint;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class GatewayRoutesFileTest {
  /** The example of the format note, as examples/edge-gateway/gateway-routes.yaml has it. */
  static final String EXAMPLE = """
      # Where the edge Envoy listens for traffic from outside the mesh.
      listener:
        address: 0.0.0.0        # optional, default 0.0.0.0
        port: 10000             # required
      collector:
        address: meshtrace:9411 # host:port
        encoding: HTTP_PROTO    # HTTP_PROTO or HTTP_JSON
      routes:                    # matched in order; first match wins
        - host: "*"
          prefix: /shop
          cluster: shop
          operation: "GET /shop"
      clusters:
        - name: shop
          endpoints: ["shop:8081"]
      """;

  @Test
  void readsTheExampleOfTheFormat() throws Exception {
    GatewayRoutes routes = GatewayRoutesFile.parse(EXAMPLE);
    assertThat(routes.listener()).isEqualTo(new GatewayRoutes.Listener("0.0.0.0", 10000));
    assertThat(routes.collector()).isEqualTo(new GatewayRoutes.Collector(
        new Endpoint("meshtrace", 9411), GatewayRoutes.Encoding.HTTP_PROTO));
    assertThat(routes.routes()).containsExactly(
        new GatewayRoutes.Route("*", "/shop", "shop", "GET /shop"));
    assertThat(routes.clusters()).containsExactly(
        new GatewayRoutes.Cluster("shop", List.of(new Endpoint("shop", 8081))));
  }

  @Test
  void appliesTheDefaults() throws Exception {
    GatewayRoutes routes = GatewayRoutesFile.parse("""
        listener: {port: 8080}
        routes:
          - {prefix: /, cluster: web, operation: "GET /"}
        clusters:
          - {name: web, endpoints: ["10.0.0.5:80", "[::1]:81"]}
        """);
    assertThat(routes.listener()).isEqualTo(new GatewayRoutes.Listener("0.0.0.0", 8080));
    assertThat(routes.collector()).isNull();
    assertThat(routes.routes().get(0).host()).isEqualTo("*");
    assertThat(routes.clusters().get(0).endpoints()).containsExactly(
        new Endpoint("10.0.0.5", 80), new Endpoint("::1", 81));
    assertThat(routes.clusters().get(0).endpoints()).allMatch(Endpoint::isIpAddress);
    assertThat(new Endpoint("shop", 80).isIpAddress()).isFalse();
  }

  @Test
  void namesEveryProblemWithItsFieldAndLine() {
    assertThatThrownBy(() -> GatewayRoutesFile.parse("""
        listener:
          port: 70000
        collector:
          address: meshtrace
          encoding: GRPC
        routes:
          - prefix: shop
            cluster: shop
            operation: "GET /shop"
          - prefix: /cart
            cluster: cart
          - prefix: /shop
            cluster: shop
            operation: again
            method: GET
        clusters:
          - name: shop
            endpoints: []
          - name: shop
            endpoints: ["shop:x"]
          - name: meshtrace-collector
            endpoints: ["a:1"]
        """))
        .isInstanceOf(InvalidGatewayRoutesException.class)
        .extracting(e -> ((InvalidGatewayRoutesException) e).problems())
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.list(String.class))
        .containsExactly(
            "listener.port: '70000' is not a port; expected a number from 1 to 65535 (line 2)",
            "collector.address: 'meshtrace' is not host:port (a port from 1 to 65535; an IPv6"
                + " address in brackets) (line 4)",
            "collector.encoding: unknown encoding 'GRPC'; expected HTTP_PROTO or HTTP_JSON"
                + " (line 5)",
            "clusters[0].endpoints: empty; at least one host:port (line 18)",
            "clusters[1].name: 'shop' is listed twice (also clusters[0]) (line 19)",
            "clusters[1].endpoints[0]: 'shop:x' is not host:port (a port from 1 to 65535; an"
                + " IPv6 address in brackets) (line 20)",
            "clusters[2].name: 'meshtrace-collector' is the name of the collector's cluster;"
                + " choose another (line 21)",
            "routes[0].prefix: 'shop' does not start with '/' (line 7)",
            "routes[1].cluster: 'cart' is not listed under clusters (line 11)",
            "routes[1].operation: missing (line 10)",
            "routes[2].method: unknown field; expected cluster, host, operation, prefix (line 15)");
  }

  @Test
  void refusesMissingSectionsAndDuplicateRoutes() {
    assertThatThrownBy(() -> GatewayRoutesFile.parse("routes: []\n"))
        .hasMessage("listener: missing; expected listener: {port: 10000} (line 1); "
            + "clusters: missing; expected a list of {name, endpoints} (line 1); "
            + "routes: empty; at least one route (line 1)");
    assertThatThrownBy(() -> GatewayRoutesFile.parse("""
        listener: {port: 1}
        routes:
          - {prefix: /a, cluster: c, operation: a}
          - {host: "*", prefix: /a, cluster: c, operation: b}
        clusters: [{name: c, endpoints: ["c:1"]}]
        """))
        .hasMessage("routes[1].prefix: host '*' and prefix '/a' are already matched by "
            + "routes[0], so this route never matches (line 4)");
    assertThatThrownBy(() -> GatewayRoutesFile.parse("listener: {port: 1}\nlistener: {port: 2}\n"))
        .hasMessageStartingWith("listener: given twice (line 2)");
    assertThatThrownBy(() -> GatewayRoutesFile.parse("listener: [\n"))
        .hasMessageStartingWith("not valid YAML: ");
    assertThatThrownBy(() -> GatewayRoutesFile.parse("- a\n- b\n"))
        .hasMessage("the document: expected a mapping of clusters, collector, listener, routes,"
            + " found a list (line 1)");
    assertThatThrownBy(() -> GatewayRoutesFile.parse("# nothing\n"))
        .hasMessage("the file is empty; expected listener, routes and clusters");
    assertThatThrownBy(() -> GatewayRoutesFile.parse(new byte[] {(byte) 0xff, 'a'}))
        .hasMessage("not UTF-8 text");
    Path missing = Path.of("/nonexistent/gateway-routes.yaml");
    assertThatThrownBy(() -> GatewayRoutesFile.load(missing))
        .hasMessage("cannot read " + missing + ": no such file");
  }

  /** Found by GatewayRoutesFileFuzzTest: SnakeYAML's scanner threw NumberFormatException. */
  @Test
  void aTruncatedUnicodeEscapeIsNotValidYaml() {
    assertThatThrownBy(() -> GatewayRoutesFile.parse(
            new byte[] {'{', '"', (byte) 0xc3, (byte) 0xbf, 'l', 'i', 's', 't', '\\', 'u'}))
        .isInstanceOf(InvalidGatewayRoutesException.class)
        .hasMessageContaining("not valid YAML");
  }
}
