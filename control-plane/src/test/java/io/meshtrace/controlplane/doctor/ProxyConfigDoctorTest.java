package io.meshtrace.controlplane.doctor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.meshtrace.controlplane.doctor.Finding.Severity;
import io.meshtrace.controlplane.doctor.ProxyConfigInput.KeyStyle;
import io.meshtrace.controlplane.doctor.ProxyConfigInput.Kind;
import io.meshtrace.controlplane.doctor.ProxyTracing.ListenerTracing;
import io.meshtrace.controlplane.doctor.ProxyTracing.Tracer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * doctor on the real Istio and Envoy configurations in ../shared/fixtures, on camelCase versions
 * of them as istioctl prints them, and on variants with one thing wrong each.
 */
class ProxyConfigDoctorTest {
  static final HostPort MESHTRACE = HostPort.parse("meshtrace.observability.svc.cluster.local:9411");

  static DoctorReport examine(String text, HostPort expected) throws Exception {
    return ProxyConfigDoctor.examine(ProxyConfigInput.read(text), expected);
  }

  static List<String> codes(DoctorReport report) {
    return report.findings().stream().map(f -> f.severity() + " " + f.code()).toList();
  }

  static Finding finding(DoctorReport report, String code) {
    return report.findings().stream().filter(f -> f.code().equals(code)).findFirst()
        .orElseThrow(() -> new AssertionError("no finding " + code + " in " + codes(report)));
  }

  @Test
  void istiosGoldenBootstrapWithTheZipkinTracerPointsAtItsOwnCollectorNotMeshtrace()
      throws Exception {
    String golden = Fixtures.read("istio/bootstrap_tracing_zipkin_golden.json");
    DoctorReport report = examine(golden, MESHTRACE);

    assertThat(report.inputKind()).isEqualTo(Kind.ENVOY_BOOTSTRAP);
    assertThat(report.keyStyle()).isEqualTo(KeyStyle.SNAKE_CASE);
    assertThat(report.tracers()).singleElement().satisfies(tracer -> {
      assertThat(tracer.source()).isEqualTo("bootstrap");
      assertThat(tracer.kind()).isEqualTo("zipkin");
      assertThat(tracer.collectorCluster()).isEqualTo("zipkin");
      assertThat(tracer.collectorAddresses()).containsExactly("localhost:6000");
      assertThat(tracer.collectorEndpoint()).isEqualTo("/api/v2/spans");
      assertThat(tracer.encoding()).isEqualTo("HTTP_JSON");
      assertThat(tracer.traceId128bit()).isTrue();
      assertThat(tracer.sharedSpanContext()).isFalse();
    });
    // Its static listeners (Prometheus 15090, health 15021) do not trace; that is no finding,
    // since the traffic listeners come over LDS.
    assertThat(codes(report)).containsExactly("ERROR collector-address", "INFO encoding-json");
    Finding address = finding(report, "collector-address");
    assertThat(address.message()).contains("cluster 'zipkin' at localhost:6000")
        .contains("not the expected collector " + MESHTRACE);
    assertThat(address.fix()).contains("meshConfig.extensionProviders")
        .contains("zipkin: {service: meshtrace.observability.svc.cluster.local, port: 9411}");
    assertThat(address.path()).isEqualTo("tracing.http.typed_config");
    assertThat(finding(report, "encoding-json").fix()).contains("HTTP_PROTO");

    assertThat(codes(examine(golden, HostPort.parse("localhost:6000"))))
        .containsExactly("INFO encoding-json");
    assertThat(codes(examine(golden, null))).containsExactly("INFO encoding-json");
  }

  @Test
  void istiosGoldenBootstrapWithoutTracingIsAWarningBecauseListenersMayCarryTheProvider()
      throws Exception {
    DoctorReport report = examine(Fixtures.read("istio/bootstrap_tracing_none_golden.json"),
        MESHTRACE);

    assertThat(report.tracers()).isEmpty();
    assertThat(codes(report)).containsExactly("WARNING no-bootstrap-tracer");
    Finding finding = finding(report, "no-bootstrap-tracer");
    assertThat(finding.message()).contains("Istio's default since 1.22");
    assertThat(finding.fix()).contains("istioctl proxy-config listeners <pod> -o json | "
        + "meshtrace doctor --expect-collector " + MESHTRACE).contains("defaultProviders");
    assertThat(report.hasErrors()).isFalse();
  }

  @Test
  void istioctlsCamelCaseBootstrapOutputIsRecognised() throws Exception {
    DoctorReport report = examine(Fixtures.read("istio/istioctl_bootstrap_output_camelcase.json"),
        null);

    assertThat(report.inputKind()).isEqualTo(Kind.ISTIOCTL_BOOTSTRAP);
    assertThat(report.keyStyle()).isEqualTo(KeyStyle.CAMEL_CASE);
    assertThat(codes(report)).containsExactly("WARNING no-bootstrap-tracer");
  }

  @Test
  void theZipkinGoldenInCamelCaseAsIstioctlPrintsItGivesTheSameFindings() throws Exception {
    Map<String, Object> golden = new JsonObject(
        Fixtures.read("istio/bootstrap_tracing_zipkin_golden.json")).getMap();
    String camel = new JsonObject(Map.of("bootstrap", camelCase(golden))).encodePrettily();
    assertThat(camel).contains("\"traceId128bit\"").contains("\"collectorEndpointVersion\"")
        .doesNotContain("trace_id_128bit");

    DoctorReport report = examine(camel, MESHTRACE);

    assertThat(report.inputKind()).isEqualTo(Kind.ISTIOCTL_BOOTSTRAP);
    assertThat(report.keyStyle()).isEqualTo(KeyStyle.CAMEL_CASE);
    Tracer tracer = report.tracers().get(0);
    assertThat(tracer.collectorAddresses()).containsExactly("localhost:6000");
    assertThat(tracer.traceId128bit()).isTrue();
    assertThat(tracer.sharedSpanContext()).isFalse();
    assertThat(codes(report)).containsExactly("ERROR collector-address", "INFO encoding-json");
  }

  @Test
  void aSidecarsConfigDumpSamplesOnePercentWithTheBootstrapsTracerWhichItDoesNotShow()
      throws Exception {
    DoctorReport report = examine(
        Fixtures.read("istio/sidecar_configdump_hcm_random_sampling_1.json"), MESHTRACE);

    assertThat(report.inputKind()).isEqualTo(Kind.CONFIG_DUMP);
    assertSidecarListeners(report);
    Finding notShown = finding(report, "tracer-not-shown");
    assertThat(notShown.severity()).isEqualTo(Severity.WARNING);
    assertThat(notShown.fix()).contains("istioctl proxy-config bootstrap <pod> -o json");
    assertThat(notShown.path()).startsWith("configs[0].dynamic_listeners[");
    assertThat(report.hasErrors()).isFalse();
  }

  @Test
  void istioctlsListenerArrayInCamelCaseReadsLikeTheDump() throws Exception {
    // What `istioctl proxy-config listeners <pod> -o json` prints: a bare array, JSON names.
    Map<String, Object> dump = new JsonObject(
        Fixtures.read("istio/sidecar_configdump_hcm_random_sampling_1.json")).getMap();
    List<Object> listeners = new ArrayList<>();
    Map<?, ?> listenerDump = (Map<?, ?>) ((List<?>) dump.get("configs")).get(0);
    for (Object dynamic : (List<?>) listenerDump.get("dynamic_listeners")) {
      listeners.add(((Map<?, ?>) ((Map<?, ?>) dynamic).get("active_state")).get("listener"));
    }
    String array = new JsonArray((List<?>) camelCase(listeners)).encode();
    assertThat(array).contains("\"filterChains\"").contains("\"randomSampling\"");

    DoctorReport report = examine(array, MESHTRACE);

    assertThat(report.inputKind()).isEqualTo(Kind.ISTIOCTL_LISTENERS);
    assertThat(report.keyStyle()).isEqualTo(KeyStyle.CAMEL_CASE);
    assertSidecarListeners(report);
    assertThat(finding(report, "tracer-not-shown").path()).startsWith("[");
  }

  private static void assertSidecarListeners(DoctorReport report) {
    List<ListenerTracing> traced = report.listeners().stream().filter(ListenerTracing::tracing)
        .toList();
    assertThat(traced).extracting(ListenerTracing::listener).contains("0.0.0.0_9080",
        "0.0.0.0_80", "virtualInbound", "main_internal").hasSize(14);
    assertThat(traced).allSatisfy(listener -> {
      assertThat(listener.tracer()).isEqualTo("bootstrap");
      assertThat(listener.randomSampling()).isEqualTo(1.0);
      assertThat(listener.clientSampling()).isEqualTo(100.0);
      assertThat(listener.overallSampling()).isEqualTo(100.0);
      assertThat(listener.customTags()).hasSize(8).contains("istio.canonical_service",
          "istio.mesh_id", "istio.namespace");
    });
    assertThat(report.tracers()).isEmpty();
    assertThat(codes(report)).containsExactly("WARNING tracer-not-shown",
        "INFO random-sampling", "INFO custom-tags");
    assertThat(finding(report, "random-sampling").message())
        .startsWith("14 listeners (0.0.0.0_9080, 0.0.0.0_80,")
        .contains("start a trace for 1% of requests that arrive without a sampling decision");
    assertThat(finding(report, "custom-tags").message()).startsWith("Spans carry 8 custom tags: ");
  }

  @Test
  void aWaypointWhoseListenersTraceButWhoseBootstrapHasNoTracerReportsNothing()
      throws Exception {
    DoctorReport report = examine(
        Fixtures.read("istio/waypoint_configdump_hcm_random_sampling_100.json"), MESHTRACE);

    assertThat(report.inputKind()).isEqualTo(Kind.CONFIG_DUMP);
    assertThat(report.listeners()).filteredOn(ListenerTracing::tracing).singleElement()
        .satisfies(listener -> {
          assertThat(listener.listener()).isEqualTo("main_internal");
          assertThat(listener.connectionManagers()).isEqualTo(3);
          assertThat(listener.randomSampling()).isEqualTo(100.0);
          assertThat(listener.customTags()).hasSize(9).contains("istio.cluster_id");
        });
    assertThat(report.routes()).extracting(r -> r.operation()).contains(":8000/*", ":8100/*");
    assertThat(codes(report)).containsExactly("ERROR no-tracer", "INFO random-sampling",
        "INFO custom-tags");
    Finding noTracer = finding(report, "no-tracer");
    assertThat(noTracer.message()).contains("reports no spans");
    assertThat(noTracer.fix()).contains("extensionProviders").contains("defaultProviders");
    assertThat(finding(report, "random-sampling").message())
        .startsWith("1 listener (main_internal) starts a trace for 100% of requests");
  }

  @Test
  void envoysZipkinFrontProxyExampleHas64BitIdsAndSharedSpans() throws Exception {
    String yaml = Fixtures.read("envoy/zipkin_envoy-front-proxy.yaml");
    DoctorReport report = examine(yaml, MESHTRACE);

    assertThat(report.inputKind()).isEqualTo(Kind.ENVOY_BOOTSTRAP);
    assertThat(report.tracers()).singleElement().satisfies(tracer -> {
      assertThat(tracer.source()).isEqualTo("listener 0.0.0.0:10000");
      assertThat(tracer.collectorAddresses()).containsExactly("zipkin:9411");
      assertThat(tracer.traceId128bit()).isNull();
      assertThat(tracer.sharedSpanContext()).isNull();
    });
    assertThat(report.routes()).extracting(r -> r.match(), r -> r.operation()).containsExactly(
        tuple("prefix /trace/1", "routeToEnvoy1"), tuple("prefix /trace/2",
            "routeToEnvoy2ViaEnvoy1"));
    assertThat(codes(report)).containsExactly("ERROR collector-address",
        "WARNING trace-id-64bit", "WARNING shared-span-context", "INFO encoding-json",
        "INFO random-sampling");
    assertThat(finding(report, "collector-address").fix())
        .isEqualTo("Point cluster 'zipkin' at meshtrace.observability.svc.cluster.local:9411.");
    assertThat(finding(report, "shared-span-context").message())
        .contains("unset, which defaults to true");
    assertThat(finding(report, "shared-span-context").fix())
        .isEqualTo("Set shared_span_context: false.");
    assertThat(finding(report, "trace-id-64bit").fix()).isEqualTo("Set trace_id_128bit: true.");
    assertThat(finding(report, "random-sampling").message()).contains("100%");

    // Pointed at the expected collector, the address is no error; the short name counts too.
    assertThat(codes(examine(yaml, HostPort.parse("zipkin.default.svc.cluster.local:9411"))))
        .doesNotContain("ERROR collector-address");
    assertThat(codes(examine(yaml, HostPort.parse("zipkin:9412"))))
        .contains("ERROR collector-address");
  }

  @Test
  void envoysOpenTelemetryFrontProxyExampleMayUseMeshtracesOtlpPort() throws Exception {
    String yaml = Fixtures.read("envoy/opentelemetry_envoy-front-proxy.yaml");
    DoctorReport report = examine(yaml, MESHTRACE);

    assertThat(report.tracers()).singleElement().satisfies(tracer -> {
      assertThat(tracer.kind()).isEqualTo("opentelemetry");
      assertThat(tracer.collectorCluster()).isEqualTo("opentelemetry_collector");
      assertThat(tracer.collectorAddresses()).containsExactly("opentelemetry:4317");
      assertThat(tracer.encoding()).isEqualTo("grpc");
      assertThat(tracer.serviceName()).isEqualTo("front-envoy");
    });
    assertThat(codes(report)).containsExactly("ERROR collector-address", "INFO random-sampling");
    assertThat(finding(report, "collector-address").fix()).isEqualTo("Point cluster "
        + "'opentelemetry_collector' at meshtrace.observability.svc.cluster.local:4317 "
        + "(meshtrace's OTLP gRPC port).");
    // The same host on 4317 is meshtrace's OTLP port: no error when 9411 was named.
    assertThat(codes(examine(yaml, HostPort.parse("opentelemetry:9411"))))
        .containsExactly("INFO random-sampling");
  }

  @Test
  void aWellConfiguredEnvoyHasNoWarnings() throws Exception {
    String yaml = zipkinFrontProxy("collector_endpoint_version: HTTP_JSON",
        "collector_endpoint_version: HTTP_PROTO\n"
            + "                trace_id_128bit: true\n"
            + "                shared_span_context: false");
    assertThat(codes(examine(yaml, HostPort.parse("zipkin:9411"))))
        .containsExactly("INFO random-sampling");
  }

  @Test
  void eachMistakeInTheTracerIsItsOwnFinding() throws Exception {
    HostPort zipkin = HostPort.parse("zipkin:9411");
    assertThat(codes(examine(zipkinFrontProxy("\"/api/v2/spans\"", "\"/api/v1/spans\""), zipkin)))
        .contains("WARNING collector-endpoint-v1");
    DoctorReport wrongPath = examine(zipkinFrontProxy("\"/api/v2/spans\"", "/spans"), zipkin);
    assertThat(finding(wrongPath, "collector-endpoint").severity()).isEqualTo(Severity.ERROR);
    assertThat(finding(wrongPath, "collector-endpoint").fix())
        .isEqualTo("Set collector_endpoint: /api/v2/spans.");
    assertThat(codes(examine(zipkinFrontProxy("HTTP_JSON", "GRPC"), zipkin)))
        .contains("ERROR encoding-grpc");
    assertThat(codes(examine(zipkinFrontProxy("collector_endpoint_version: HTTP_JSON", ""),
        zipkin))).contains("WARNING encoding-unset");

    DoctorReport missingCluster = examine(zipkinFrontProxy("collector_cluster: zipkin",
        "collector_cluster: jaeger"), zipkin);
    Finding missing = finding(missingCluster, "collector-cluster-missing");
    assertThat(missing.severity()).isEqualTo(Severity.ERROR);
    assertThat(missing.message()).contains("cluster 'jaeger', which this proxy does not have");
    assertThat(missing.fix()).contains("Add a cluster named 'jaeger'");

    DoctorReport neverSampled = examine(zipkinFrontProxy("          tracing:\n",
        "          tracing:\n            random_sampling: {value: 0}\n"), zipkin);
    assertThat(finding(neverSampled, "sampling-zero").severity()).isEqualTo(Severity.ERROR);
    assertThat(finding(neverSampled, "sampling-zero").fix())
        .contains("random_sampling: {value: 1}");
    assertThat(codes(examine(zipkinFrontProxy("          tracing:\n",
        "          tracing:\n            overall_sampling: {value: 0}\n"), zipkin)))
        .contains("WARNING overall-sampling-zero");

    DoctorReport datadog = examine(zipkinFrontProxy("envoy.tracers.zipkin",
        "envoy.tracers.datadog").replace("envoy.config.trace.v3.ZipkinConfig",
            "envoy.config.trace.v3.DatadogConfig"), zipkin);
    assertThat(finding(datadog, "tracer-unsupported").message())
        .contains("envoy.tracers.datadog (envoy.config.trace.v3.DatadogConfig)");

    DoctorReport untraced = examine(zipkinFrontProxy("          tracing:\n", "          x_tracing:\n")
        .replace("          generate_request_id", "          generate_request_id"), zipkin);
    assertThat(codes(untraced)).contains("ERROR tracing-off");
  }

  @Test
  void routeLevelSamplingIsReadAsAFractionalPercent() throws Exception {
    DoctorReport report = examine(zipkinFrontProxy("                  operation: routeToEnvoy1\n",
        "                  operation: routeToEnvoy1\n"
            + "                tracing:\n"
            + "                  random_sampling: {numerator: 2500, denominator: TEN_THOUSAND}\n"
            + "                  client_sampling: {numerator: 100}\n"), null);
    assertThat(report.routes().get(0).randomSampling()).isEqualTo(25.0);
    assertThat(report.routes().get(0).clientSampling()).isEqualTo(100.0);
    assertThat(report.routes().get(1).randomSampling()).isNull();
  }

  @Test
  void unreadableInputSaysWhatWasExpected() {
    assertThatThrownBy(() -> ProxyConfigInput.read("  \n"))
        .isInstanceOf(UnreadableProxyConfigException.class).hasMessageStartingWith(
            "the input is empty; expected one of: istioctl proxy-config bootstrap");
    assertThatThrownBy(() -> ProxyConfigInput.read("{\"bootstrap\": {"))
        .hasMessageStartingWith("the input is not valid JSON: ");
    assertThatThrownBy(() -> ProxyConfigInput.read("{\"kind\": \"Pod\"}"))
        .hasMessageStartingWith("an object with the keys [kind] is none of the shapes doctor "
            + "reads; expected one of:");
    assertThatThrownBy(() -> ProxyConfigInput.read("[1, 2]"))
        .hasMessageStartingWith("element [0] of the array is not a listener");
    assertThatThrownBy(() -> ProxyConfigInput.read("just some words"))
        .hasMessageStartingWith("the input is a single value, not an object or array");
    assertThatThrownBy(() -> ProxyConfigInput.read("a: [b"))
        .hasMessageStartingWith("the input is neither JSON nor YAML: ");
    assertThatThrownBy(() -> HostPort.parse("meshtrace")).hasMessageContaining("is not host:port");
    assertThatThrownBy(() -> HostPort.parse("meshtrace:99999"))
        .hasMessageContaining("no port between 1 and 65535");
  }

  @Test
  void theJsonReportHasTheDocumentedShape() throws Exception {
    DoctorReport report = examine(Fixtures.read("envoy/zipkin_envoy-front-proxy.yaml"),
        MESHTRACE);
    JsonObject json = DoctorReportWriter.json(report);

    assertThat(json.getJsonObject("input").getString("kind")).isEqualTo("envoy_bootstrap");
    assertThat(json.getJsonObject("input").getString("keyStyle")).isEqualTo("snake_case");
    assertThat(json.getString("expectedCollector")).isEqualTo(MESHTRACE.toString());
    JsonObject tracer = json.getJsonArray("tracers").getJsonObject(0);
    assertThat(tracer.getString("collectorCluster")).isEqualTo("zipkin");
    assertThat(tracer.getJsonArray("collectorAddresses").getList()).containsExactly("zipkin:9411");
    assertThat(tracer.getValue("traceId128bit")).isNull();
    JsonObject listener = json.getJsonArray("listeners").getJsonObject(0);
    assertThat(listener.getBoolean("tracing")).isTrue();
    assertThat(listener.containsKey("randomSampling")).isTrue();
    assertThat(json.getJsonArray("routes")).hasSize(2);
    JsonObject first = json.getJsonArray("findings").getJsonObject(0);
    assertThat(first.fieldNames()).containsExactlyInAnyOrder("severity", "code", "message", "fix",
        "path");
    assertThat(first.getString("severity")).isEqualTo("error");
    assertThat(json.getJsonObject("summary"))
        .isEqualTo(new JsonObject().put("errors", 1L).put("warnings", 2L).put("infos", 2L));

    String text = DoctorReportWriter.text(report);
    assertThat(text).startsWith("Read: Envoy bootstrap configuration, snake_case keys\n")
        .contains("    collector cluster: zipkin → zipkin:9411\n")
        .contains("  ERROR [collector-address] ")
        .endsWith("1 error, 2 warnings, 2 notes: spans from this proxy do not reach the "
            + "collector as configured.\n");
  }

  private static String zipkinFrontProxy(String replace, String with) throws Exception {
    String yaml = Fixtures.read("envoy/zipkin_envoy-front-proxy.yaml");
    assertThat(yaml).contains(replace);
    return yaml.replace(replace, with);
  }

  /** Field names as protobuf's JSON printer writes them; data maps (metadata) kept as they are. */
  @SuppressWarnings("unchecked")
  static Object camelCase(Object tree) {
    if (tree instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach((key, value) -> {
        String name = key.toString();
        boolean data = name.equals("metadata") || name.equals("filter_metadata")
            || name.equals("typed_filter_metadata");
        out.put(name.startsWith("@") ? name : ProtoJson.jsonName(name),
            data ? value : camelCase(value));
      });
      return out;
    }
    if (tree instanceof List<?> list) {
      return list.stream().map(ProxyConfigDoctorTest::camelCase).toList();
    }
    return tree;
  }

  /**
   * Found by ProxyConfigDoctorFuzzTest (mutated fixtures, reduced by hand): a list element that
   * is not an object, a custom tag without its name, YAML whose tags cannot be constructed and
   * a null key crashed doctor (ClassCastException, NullPointerException, IllegalArgumentException)
   * instead of reporting or refusing.
   */
  @Test
  void malformedShapesFoundByFuzzingAreReportedOrRefusedNeverACrash() throws Exception {
    DoctorReport notObjects = examine("""
        {"static_resources": {"clusters": ["not a cluster"], "listeners": [7]}}""", MESHTRACE);
    assertThat(notObjects.tracing().listeners()).isEmpty();

    DoctorReport unnamedTag = examine("""
        static_resources:
          listeners:
          - name: ingress
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  tracing:
                    custom_tags:
                    - literal: {value: "x"}
                    - tag: zone
                      literal: {value: "eu"}
        """, MESHTRACE);
    assertThat(unnamedTag.tracing().listeners()).singleElement()
        .satisfies(listener -> assertThat(listener.customTags()).containsExactly("zone"));

    for (String yaml : List.of("static_resources: !!binary A", "tracing: !!binary {a: b}")) {
      assertThatThrownBy(() -> examine(yaml, MESHTRACE))
          .isInstanceOf(UnreadableProxyConfigException.class)
          .hasMessageStartingWith("the input is neither JSON nor YAML");
    }
    // found by the long run: a sampling percentage of Infinity (or YAML's .inf) is no value
    for (String value : List.of("\"Infinity\"", ".inf", ".nan")) {
      DoctorReport infinite = examine("""
          static_resources:
            listeners:
            - name: ingress
              filter_chains:
              - filters:
                - name: envoy.filters.network.http_connection_manager
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                    tracing:
                      random_sampling: {value: %s}
          """.formatted(value), MESHTRACE);
      assertThat(infinite.tracing().listeners()).singleElement()
          .satisfies(listener -> assertThat(listener.randomSampling()).isEqualTo(0.0));
    }
    assertThatThrownBy(() -> examine("?", MESHTRACE))
        .isInstanceOf(UnreadableProxyConfigException.class)
        .hasMessageContaining("none of the shapes doctor reads");
  }
}
