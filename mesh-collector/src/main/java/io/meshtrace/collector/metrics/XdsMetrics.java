package io.meshtrace.collector.metrics;

import io.meshtrace.controlplane.xds.XdsObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The xDS server's meters. Prometheus names:
 *
 * <ul>
 *   <li>{@code meshtrace_xds_nacks_total{type_url}}: responses an Envoy refused; the log line
 *       next to each has Envoy's reason
 *   <li>{@code meshtrace_xds_snapshot_version}: the snapshot version served
 *   <li>{@code meshtrace_xds_connected_nodes}: Envoy nodes of the served cluster with an open
 *       ADS stream
 *   <li>{@code meshtrace_xds_node_identity_refusals_total}: streams refused because their client
 *       certificate may not claim their node cluster ({@code --xds-node-identities})
 * </ul>
 */
public final class XdsMetrics implements XdsObserver {
  private final MeterRegistry registry;
  private final AtomicLong version = new AtomicLong();
  private final AtomicLong nodes = new AtomicLong();
  private final Counter identityRefusals;

  public XdsMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("meshtrace.xds.snapshot.version", version, AtomicLong::get)
        .description("The xDS snapshot version served to the edge gateway")
        .register(registry);
    Gauge.builder("meshtrace.xds.connected.nodes", nodes, AtomicLong::get)
        .description("Envoy nodes of the served cluster with an open ADS stream")
        .register(registry);
    identityRefusals = Counter.builder("meshtrace.xds.node.identity.refusals")
        .description("xDS streams refused because the client certificate may not speak for "
            + "the node cluster claimed")
        .register(registry);
    // Present from the start for the types served, so that an alert has a series to watch.
    for (String type : new String[] {"cluster.v3.Cluster", "listener.v3.Listener",
        "route.v3.RouteConfiguration"}) {
      nacks("type.googleapis.com/envoy.config." + type);
    }
  }

  @Override
  public void nack(String typeUrl) {
    nacks(typeUrl).increment();
  }

  private Counter nacks(String typeUrl) {
    return Counter.builder("meshtrace.xds.nacks")
        .description("xDS responses an Envoy refused (NACK), by resource type")
        .tag("type_url", typeUrl)
        .register(registry);
  }

  @Override
  public void nodeIdentityRefused() {
    identityRefusals.increment();
  }

  @Override
  public void snapshotVersion(long snapshotVersion) {
    version.set(snapshotVersion);
  }

  @Override
  public void connectedNodes(int connected) {
    nodes.set(connected);
  }
}
