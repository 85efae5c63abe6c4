package io.meshtrace.collector.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The xDS server for the edge-gateway Envoy.
 *
 * @param port the ADS port
 * @param nodeCluster the Envoy {@code node.cluster} the xDS server configures; other nodes get
 *     nothing
 * @param gatewayRoutes the gateway routes file; null runs no xDS server. Its content is checked
 *     when the server starts, which refuses to start on a missing or invalid file
 */
public record XdsConfig(int port, String nodeCluster, Path gatewayRoutes) {

  public static final Setting<Integer> XDS_PORT = Setting.port("xds-port", 18000,
      "xDS (ADS) for the edge-gateway Envoy, when --gateway-routes is given (all-in-one, "
          + "control-plane). 0 picks a free port.");
  public static final Setting<String> NODE_CLUSTER = Setting.text("xds-node-cluster", "CLUSTER",
      "edge-gateway", "The Envoy node cluster (--service-cluster, node.cluster) the xDS server "
          + "configures; it is also the service whose sampling strategies the routes get. Other "
          + "nodes get nothing.");
  public static final Setting<Path> GATEWAY_ROUTES = Setting.path("gateway-routes", "FILE", null,
      "The edge gateway's routes (YAML: listener, collector, routes, clusters), served over xDS "
          + "with per-route sampling from the strategies and followed as it changes. Default: "
          + "none, and then no xDS server runs.");

  public static final List<Setting<?>> SETTINGS = List.of(XDS_PORT, NODE_CLUSTER, GATEWAY_ROUTES);

  public XdsConfig {
    Validate.port(XDS_PORT, port);
    if (nodeCluster == null || nodeCluster.isBlank()) {
      throw new InvalidConfigException(NODE_CLUSTER.name(), "must be the Envoy node cluster "
          + "to configure, for example edge-gateway");
    }
  }

  public static XdsConfig from(SettingValues values) {
    return new XdsConfig(values.get(XDS_PORT), values.get(NODE_CLUSTER),
        values.get(GATEWAY_ROUTES));
  }
}
