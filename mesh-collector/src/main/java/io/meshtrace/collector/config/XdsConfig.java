package io.meshtrace.collector.config;

import io.meshtrace.controlplane.xds.NodeIdentities;
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
 * @param nodeIdentities which client certificates may claim which node cluster; null when not
 *     given, which {@link MeshtraceConfig} allows only when the xDS listener takes no client
 *     certificates
 */
public record XdsConfig(int port, String nodeCluster, Path gatewayRoutes,
    NodeIdentities nodeIdentities) {

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

  public static final Setting<String> NODE_IDENTITIES = Setting.text("xds-node-identities",
      "CLUSTER=IDENTITY,...", null, "With client certificates on the xDS listener (mTLS), "
          + "which certificates may speak for which Envoy node cluster: the URI or DNS subject "
          + "alternative names allowed, a cluster repeated for several, * for any characters "
          + "but /, for example edge-gateway=spiffe://cluster.local/ns/istio-system/sa/"
          + "edge-gateway. A stream whose certificate may not claim its node.cluster is refused "
          + "(PERMISSION_DENIED, meshtrace_xds_node_identity_refusals_total). Required with "
          + "mTLS on the xDS listener.");

  public static final List<Setting<?>> SETTINGS = List.of(XDS_PORT, NODE_CLUSTER, GATEWAY_ROUTES,
      NODE_IDENTITIES);

  public XdsConfig {
    Validate.port(XDS_PORT, port);
    if (nodeCluster == null || nodeCluster.isBlank()) {
      throw new InvalidConfigException(NODE_CLUSTER.name(), "must be the Envoy node cluster "
          + "to configure, for example edge-gateway");
    }
  }

  public static XdsConfig from(SettingValues values) {
    String identities = values.get(NODE_IDENTITIES);
    NodeIdentities parsed = null;
    if (identities != null) {
      try {
        parsed = NodeIdentities.parse(identities);
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException(NODE_IDENTITIES.name(), e.getMessage());
      }
    }
    return new XdsConfig(values.get(XDS_PORT), values.get(NODE_CLUSTER),
        values.get(GATEWAY_ROUTES), parsed);
  }
}
