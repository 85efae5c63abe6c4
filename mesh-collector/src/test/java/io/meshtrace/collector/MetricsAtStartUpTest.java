package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.ingest.IngestException;
import io.meshtrace.ingest.MemoryBudget;
import io.meshtrace.ingest.SpanRejection;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A fresh server, before any span or refusal, already exports every series that rate() and
 * alert rules name, at zero.
 */
class MetricsAtStartUpTest {
  static final List<String[]> SOURCES = List.of(new String[] {"zipkin", "json_v2"},
      new String[] {"zipkin", "proto3"}, new String[] {"zipkin", "json_v1"},
      new String[] {"zipkin", "unsupported"}, new String[] {"otlp_grpc", "protobuf"},
      new String[] {"otlp_http", "protobuf"}, new String[] {"otlp_http", "json"},
      new String[] {"jaeger_udp", "thrift_compact"}, new String[] {"jaeger_udp", "thrift_binary"},
      new String[] {"jaeger_http", "thrift_binary"}, new String[] {"jaeger_http", "unsupported"},
      new String[] {"jaeger_grpc", "protobuf"});

  static MeshtraceServer server;
  static String metrics;

  @BeforeAll
  static void start() throws Exception {
    // With the example gateway routes, so that the xDS server runs too.
    server = TestServers.allInOne("--gateway-routes",
        Path.of("../examples/edge-gateway/gateway-routes.yaml").toString(), "--xds-port", "0");
    HttpResponse<String> response = get(url(server, "admin", "/metrics"));
    assertThat(response.statusCode()).isEqualTo(200);
    metrics = response.body();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @Test
  void everyIngestSeriesOfEverySourceAndReasonIsThereAtZero() {
    for (String[] source : SOURCES) {
      String labels = "format=\"" + source[1] + "\"";
      String transport = "transport=\"" + source[0] + "\"";
      assertThat(metrics).contains("meshtrace_spans_received_total{" + labels + "," + transport
          + "} 0.0");
      assertThat(metrics).contains("meshtrace_spans_accepted_total{" + labels + "," + transport
          + "} 0.0");
      for (SpanRejection reason : SpanRejection.values()) {
        assertThat(metrics).contains("meshtrace_spans_rejected_total{" + labels + ",reason=\""
            + reason.label() + "\"," + transport + "} 0.0");
      }
      for (IngestException.Reason reason : IngestException.Reason.values()) {
        assertThat(metrics).contains("meshtrace_requests_refused_total{" + labels + ",reason=\""
            + reason.name().toLowerCase(Locale.ROOT) + "\"," + transport + "} 0.0");
      }
    }
    assertThat(metrics).contains("meshtrace_attributes_dropped_total 0.0",
        "meshtrace_attribute_values_truncated_total 0.0", "meshtrace_spans_in_flight 0.0",
        "meshtrace_storage_commit_seconds_count{outcome=\"failed\"} 0",
        "meshtrace_strings_cleaned_total 0.0", "meshtrace_links_dropped_total 0.0",
        "meshtrace_storage_write_timeouts_total 0.0");
    assertThat(metrics).contains("meshtrace_partition_analyses_total{outcome=\"ok\"} 0.0",
        "meshtrace_partition_analyses_total{outcome=\"failed\"} 0.0",
        "meshtrace_partition_analyse_seconds_total 0.0");
    assertThat(metrics).contains("meshtrace_dependency_hours_linked_total{outcome=\"ok\"}",
        "meshtrace_dependency_hours_linked_total{outcome=\"failed\"} 0.0",
        "meshtrace_dependency_traces_linked_total 0.0");
    // How RED metrics are counted; the spanmetrics series themselves come with the spans.
    assertThat(metrics).contains("meshtrace_span_metrics_spans_total 0.0",
        "meshtrace_span_metrics_weighted_spans_total 0.0",
        "meshtrace_span_metrics_limited_spans_total 0.0", "meshtrace_span_metrics_held_spans 0.0",
        "meshtrace_span_metrics_held_overflow_total 0.0",
        "meshtrace_span_metrics_failed_writes_total 0.0",
        "# TYPE traces_span_metrics_calls_total counter");
  }

  @Test
  void theMemoryBoundsAreThereFromStartUp() {
    assertThat(metrics).contains("meshtrace_ingest_bytes_in_flight 0.0",
        "meshtrace_ingest_bytes_in_flight_limit 2.68435456E8");
    for (MemoryBudget.Stage stage : MemoryBudget.Stage.values()) {
      assertThat(metrics).contains("meshtrace_ingest_budget_refusals_total{stage=\""
          + stage.label() + "\"} 0.0");
    }
    for (String listener : List.of("zipkin", "otlpGrpc", "otlpHttp", "jaegerHttp", "query",
        "samplingHttp", "samplingGrpc", "admin")) {
      assertThat(metrics).contains("meshtrace_connections_refused_total{listener=\"" + listener
          + "\"} 0.0");
      assertThat(metrics).contains("meshtrace_connections_open{listener=\"" + listener + "\"}");
      for (String reason : List.of("missing_credentials", "invalid_credentials", "missing_role",
          "rate_limited")) {
        assertThat(metrics).contains("meshtrace_auth_failures_total{listener=\"" + listener
            + "\",reason=\"" + reason + "\"} 0.0");
      }
    }
    assertThat(metrics).contains("meshtrace_auth_file_reloads_total{outcome=\"failed\"} 0.0");
  }

  @Test
  void everyUdpPacketOutcomeOfBothAgentPortsIsThereAtZero() {
    for (String port : List.of("jaegerCompact", "jaegerBinary")) {
      for (String outcome : List.of("stored", "dropped_full", "dropped_unavailable",
          "malformed", "too_large")) {
        assertThat(metrics).contains("meshtrace_udp_packets_total{outcome=\"" + outcome
            + "\",port=\"" + server.ports().get(port) + "\"} 0.0");
      }
    }
  }

  @Test
  void sloReloadsAreThereAtZero() {
    for (String source : List.of("file", "api")) {
      for (String outcome : List.of("ok", "failed")) {
        assertThat(metrics).contains("meshtrace_slo_objectives_reloads_total{outcome=\""
            + outcome + "\",source=\"" + source + "\"} 0.0");
      }
    }
  }

  @Test
  void samplingAndXdsSeriesAreThereAtZero() {
    for (String source : List.of("file", "api")) {
      for (String outcome : List.of("ok", "failed")) {
        assertThat(metrics).contains("meshtrace_sampling_strategies_reloads_total{outcome=\""
            + outcome + "\",source=\"" + source + "\"} 0.0");
      }
    }
    for (String endpoint : List.of("sampling", "legacy", "grpc")) {
      assertThat(metrics).contains("meshtrace_sampling_strategy_requests_total{endpoint=\""
          + endpoint + "\",outcome=\"bad_request\",service=\"\"} 0.0");
    }
    assertThat(metrics).contains("meshtrace_xds_connected_nodes 0.0");
    for (String type : List.of("cluster.v3.Cluster", "listener.v3.Listener",
        "route.v3.RouteConfiguration")) {
      assertThat(metrics).contains("meshtrace_xds_nacks_total{type_url=\"type.googleapis.com/"
          + "envoy.config." + type + "\"} 0.0");
    }
  }
}
