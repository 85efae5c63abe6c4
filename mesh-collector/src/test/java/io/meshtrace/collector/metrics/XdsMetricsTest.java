package io.meshtrace.collector.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** The xDS meters as Prometheus reads them. */
class XdsMetricsTest {
  static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
  final PrometheusMeterRegistry registry = Metrics.registry();
  final XdsMetrics metrics = new XdsMetrics(registry);

  @Test
  void nacksAreCountedByTypeFromZero() {
    assertThat(registry.scrape()).contains(
        "meshtrace_xds_nacks_total{type_url=\"" + LISTENER + "\"} 0.0");
    metrics.nack(LISTENER);
    metrics.nack(LISTENER);
    assertThat(registry.scrape()).contains(
        "meshtrace_xds_nacks_total{type_url=\"" + LISTENER + "\"} 2.0");
  }

  @Test
  void versionAndNodesAreGauges() {
    metrics.snapshotVersion(7);
    metrics.connectedNodes(2);
    metrics.connectedNodes(1);
    String text = registry.scrape();
    assertThat(text).contains("meshtrace_xds_snapshot_version 7.0")
        .contains("meshtrace_xds_connected_nodes 1.0");
  }
}
