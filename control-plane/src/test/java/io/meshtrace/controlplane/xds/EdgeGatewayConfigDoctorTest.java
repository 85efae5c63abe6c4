package io.meshtrace.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.meshtrace.controlplane.doctor.DoctorReport;
import io.meshtrace.controlplane.doctor.HostPort;
import io.meshtrace.controlplane.doctor.ProxyConfigDoctor;
import io.meshtrace.controlplane.doctor.ProxyConfigInput;
import io.meshtrace.controlplane.sampling.ObservedTraffic;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What the xDS server gives the edge gateway, printed as Envoy's /config_dump prints it (and as
 * istioctl's camelCase), passes meshtrace doctor: the two halves of issue 6 agree on what a good
 * tracing configuration is.
 */
class EdgeGatewayConfigDoctorTest {
  static final JsonFormat.TypeRegistry TYPES = JsonFormat.TypeRegistry.newBuilder()
      .add(HttpConnectionManager.getDescriptor()).add(ZipkinConfig.getDescriptor())
      .add(Router.getDescriptor()).build();

  @Test
  void theEdgeGatewaysConfigurationHasNoWarningsAndItsSamplingIsReadBack() throws Exception {
    EdgeGatewaySnapshot.Resources resources = EdgeGatewaySnapshot.build(
        GatewayRoutesFile.parse(EdgeGatewaySnapshotTest.ROUTES),
        EdgeGatewaySnapshotTest.sampling("""
            {"service_strategies": [{"service": "edge-gateway", "type": "probabilistic",
              "param": 0.25, "operation_strategies": [
                {"operation": "GET /shop", "type": "probabilistic", "param": 0.001}]}]}""",
            ObservedTraffic.NONE),
        "edge-gateway", new GatewayRoutes.Endpoint("127.0.0.1", 9411));

    for (boolean snakeCase : new boolean[] {true, false}) {
      JsonFormat.Printer printer = JsonFormat.printer().usingTypeRegistry(TYPES);
      if (snakeCase) {
        printer = printer.preservingProtoFieldNames();
      }
      String dump = "{\"configs\": ["
          + "{\"@type\": \"type.googleapis.com/envoy.admin.v3.ListenersConfigDump\", "
          + "\"dynamic_listeners\": [" + wrap(printer, resources.listeners(), "active_state",
              "listener") + "]}, "
          + "{\"@type\": \"type.googleapis.com/envoy.admin.v3.ClustersConfigDump\", "
          + "\"dynamic_active_clusters\": [" + wrap(printer, resources.clusters(), null,
              "cluster") + "]}, "
          + "{\"@type\": \"type.googleapis.com/envoy.admin.v3.RoutesConfigDump\", "
          + "\"dynamic_route_configs\": [" + wrap(printer, resources.routes(), null,
              "route_config") + "]}]}";

      DoctorReport report = ProxyConfigDoctor.examine(ProxyConfigInput.read(dump),
          HostPort.parse("meshtrace:9411"));

      assertThat(report.findings()).as(snakeCase ? "snake_case" : "camelCase")
          .allSatisfy(f -> assertThat(f.severity().name()).isEqualTo("INFO"));
      assertThat(report.tracers()).singleElement().satisfies(tracer -> {
        assertThat(tracer.collectorAddresses()).containsExactly("meshtrace:9411");
        assertThat(tracer.encoding()).isEqualTo("HTTP_JSON");
        assertThat(tracer.traceId128bit()).isTrue();
        assertThat(tracer.sharedSpanContext()).isFalse();
      });
      assertThat(report.listeners()).singleElement().satisfies(listener -> {
        assertThat(listener.randomSampling()).isEqualTo(25.0);
        assertThat(listener.clientSampling()).isEqualTo(100.0);
        assertThat(listener.overallSampling()).isEqualTo(100.0);
        assertThat(listener.spawnUpstreamSpan()).isTrue();
      });
      assertThat(report.routes()).extracting(r -> r.operation() + "=" + r.randomSampling())
          .containsExactly("GET /shop=0.1", "POST /cart=25.0", "admin=25.0");
      assertThat(report.routes()).allSatisfy(r -> {
        assertThat(r.clientSampling()).isEqualTo(100.0);
        assertThat(r.overallSampling()).isEqualTo(100.0);
      });
    }
  }

  private static String wrap(JsonFormat.Printer printer, List<? extends Message> resources,
      String state, String field) {
    return resources.stream().map(resource -> {
      try {
        String json = "{\"" + field + "\": " + printer.print(resource) + "}";
        return state == null ? json : "{\"" + state + "\": " + json + "}";
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }).collect(Collectors.joining(", "));
  }
}
