package io.meshtrace.controlplane.doctor;

import static io.meshtrace.controlplane.doctor.ProxyConfigDoctorTest.MESHTRACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.meshtrace.controlplane.doctor.Finding.Severity;
import io.meshtrace.controlplane.doctor.ProxyTracing.ListenerTracing;
import io.meshtrace.controlplane.doctor.ProxyTracing.RouteTracing;
import io.meshtrace.controlplane.doctor.ProxyTracing.Tracer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The checks on a model of a proxy's tracing built here, without any configuration to read: each
 * case is the one fact that decides a finding.
 */
class ProxyTracingChecksTest {
  static final String TRACER_PATH = "static_resources.listeners[0].filter_chains[0].filters[0]"
      + ".typed_config.tracing.provider.typed_config";

  /** A Zipkin tracer of listener {@code l1} with nothing wrong but what the test sets. */
  static Tracer zipkin(String cluster, boolean found, List<String> addresses) {
    return new Tracer("listener l1", TRACER_PATH, "envoy.tracers.zipkin", "zipkin", cluster, found,
        addresses, "/api/v2/spans", "HTTP_PROTO", true, false, null);
  }

  static Tracer zipkinAt(String address) {
    return zipkin("meshtrace", true, List.of(address));
  }

  static Tracer openTelemetry(String address) {
    return new Tracer("listener l1", TRACER_PATH, "envoy.tracers.opentelemetry", "opentelemetry",
        "otlp", true, List.of(address), null, "grpc", null, null, "front-envoy");
  }

  /** A listener whose HTTP connection manager traces with {@code tracer}. */
  static ListenerTracing traced(String name, String tracer, Double randomSampling,
      String... customTags) {
    return new ListenerTracing(name, "listeners[" + name + "]", 1, true, tracer, randomSampling,
        null, null, List.of(customTags), null);
  }

  /** A listener that traces with its own Zipkin provider. */
  static ListenerTracing listener(String name, Double randomSampling, String... customTags) {
    return traced(name, "envoy.tracers.zipkin", randomSampling, customTags);
  }

  static ListenerTracing untraced(String name) {
    return new ListenerTracing(name, "listeners[" + name + "]", 1, false, null, null, null, null,
        List.of(), null);
  }

  static RouteTracing route(String operation, Double randomSampling) {
    return new RouteTracing("routes", "any", "prefix /", operation, randomSampling, null, null,
        "routes.virtual_hosts[0].routes[0]");
  }

  /** A plain Envoy's bootstrap with all its listeners and clusters. */
  static ProxyTracing envoy(List<Tracer> tracers, List<ListenerTracing> listeners,
      List<RouteTracing> routes) {
    return new ProxyTracing(tracers, listeners, routes, false, "", true, true);
  }

  static ProxyTracing envoy(Tracer tracer, ListenerTracing... listeners) {
    return envoy(List.of(tracer), List.of(listeners), List.of());
  }

  static List<String> codes(List<Finding> findings) {
    return findings.stream().map(f -> f.severity() + " " + f.code()).toList();
  }

  static Finding finding(List<Finding> findings, String code) {
    return findings.stream().filter(f -> f.code().equals(code)).findFirst()
        .orElseThrow(() -> new AssertionError("no finding " + code + " in " + codes(findings)));
  }

  @Test
  void aWellConfiguredTracerAtTheExpectedCollectorOnlyNotesTheSampling() {
    ProxyTracing tracing = envoy(zipkinAt("meshtrace.observability:9411"), listener("l1", 1.0));

    assertThat(codes(ProxyTracingChecks.check(tracing, MESHTRACE)))
        .containsExactly("INFO random-sampling");
    assertThat(codes(ProxyTracingChecks.check(tracing, null)))
        .containsExactly("INFO random-sampling");
  }

  @Test
  void findingsComeErrorsFirstThenWarningsThenNotesEachInTheOrderChecked() {
    Tracer tracer = new Tracer("bootstrap", "tracing.http.typed_config", "envoy.tracers.zipkin",
        "zipkin", "zipkin", true, List.of("zipkin:9411"), "/api/v2/spans", "HTTP_JSON", null, null,
        null);
    ProxyTracing tracing = envoy(tracer, traced("l1", "bootstrap", 0.0, "pod"));

    assertThat(codes(ProxyTracingChecks.check(tracing, MESHTRACE))).containsExactly(
        "ERROR collector-address", "ERROR sampling-zero", "WARNING trace-id-64bit",
        "WARNING shared-span-context", "INFO encoding-json", "INFO random-sampling",
        "INFO custom-tags");
  }

  @Test
  void theFixNamesIstiosSettingsForAnIstioProxyAndEnvoysFieldsOtherwise() {
    ProxyTracing envoy = envoy(zipkinAt("zipkin:9411"), listener("l1", 1.0));
    ProxyTracing istio = new ProxyTracing(envoy.tracers(), envoy.listeners(), envoy.routes(),
        true, envoy.bootstrapPath(), envoy.listenersComplete(), envoy.clustersKnown());

    Finding forEnvoy = finding(ProxyTracingChecks.check(envoy, MESHTRACE), "collector-address");
    Finding forIstio = finding(ProxyTracingChecks.check(istio, MESHTRACE), "collector-address");

    assertThat(forEnvoy.message()).isEqualTo(forIstio.message()).isEqualTo("The tracer of "
        + "listener l1 sends to cluster 'meshtrace' at zipkin:9411, not the expected collector "
        + MESHTRACE + ".");
    assertThat(forEnvoy.fix())
        .isEqualTo("Point cluster 'meshtrace' at meshtrace.observability.svc.cluster.local:9411.");
    assertThat(forIstio.fix()).isEqualTo("Point the provider at meshtrace in "
        + "meshConfig.extensionProviders: zipkin: {service: "
        + "meshtrace.observability.svc.cluster.local, port: 9411}");
    assertThat(forEnvoy.path()).isEqualTo(forIstio.path()).isEqualTo(TRACER_PATH);
  }

  @Test
  void theCollectorHostMayBeAShortNameOfTheExpectedOneOrTheOtherWayRound() {
    assertThat(ProxyTracingChecks.hostMatches("meshtrace.observability",
        "meshtrace.observability.svc.cluster.local")).isTrue();
    assertThat(ProxyTracingChecks.hostMatches("Meshtrace.Observability.svc.cluster.local",
        "meshtrace")).isTrue();
    assertThat(ProxyTracingChecks.hostMatches("meshtrace-canary", "meshtrace")).isFalse();

    assertThat(codes(ProxyTracingChecks.check(envoy(zipkinAt("meshtrace:9411"),
        listener("l1", 1.0)), MESHTRACE))).doesNotContain("ERROR collector-address");
    assertThat(codes(ProxyTracingChecks.check(envoy(zipkinAt("meshtrace:4317"),
        listener("l1", 1.0)), MESHTRACE))).contains("ERROR collector-address");
  }

  @Test
  void anOpenTelemetryTracerMayUseTheExpectedHostsOtlpPorts() {
    for (String address : List.of("meshtrace:9411", "meshtrace:4317", "meshtrace:4318")) {
      assertThat(codes(ProxyTracingChecks.check(envoy(openTelemetry(address),
          listener("l1", 1.0)), MESHTRACE))).as(address).containsExactly("INFO random-sampling");
    }
    List<Finding> elsewhere = ProxyTracingChecks.check(envoy(openTelemetry("meshtrace:55680"),
        listener("l1", 1.0)), MESHTRACE);
    assertThat(finding(elsewhere, "collector-address").fix()).isEqualTo("Point cluster 'otlp' at "
        + "meshtrace.observability.svc.cluster.local:4317 (meshtrace's OTLP gRPC port).");
  }

  @Test
  void aCollectorClusterNotInTheInputIsMissingOnlyWhenTheInputListsTheClusters() {
    Tracer tracer = zipkin("jaeger", false, List.of());
    ProxyTracing listed = envoy(tracer, listener("l1", 1.0));
    ProxyTracing notListed = new ProxyTracing(listed.tracers(), listed.listeners(),
        listed.routes(), false, null, true, false);

    Finding missing = finding(ProxyTracingChecks.check(listed, null), "collector-cluster-missing");
    assertThat(missing.severity()).isEqualTo(Severity.ERROR);
    assertThat(missing.fix())
        .isEqualTo("Add a cluster named 'jaeger' pointing at meshtrace (port 9411).");
    Finding notShown = finding(ProxyTracingChecks.check(notListed, MESHTRACE),
        "collector-not-shown");
    assertThat(notShown.severity()).isEqualTo(Severity.INFO);
    assertThat(notShown.message()).endsWith("so its address is not checked against "
        + MESHTRACE + ".");
    // Nothing to check it against, nothing to say.
    assertThat(codes(ProxyTracingChecks.check(notListed, null)))
        .containsExactly("INFO random-sampling");

    // Istio's cluster name gives the address when the cluster is not shown.
    ProxyTracing named = envoy(zipkin("outbound|9411||meshtrace.observability.svc.cluster.local",
        false, List.of("meshtrace.observability.svc.cluster.local:9411")), listener("l1", 1.0));
    assertThat(codes(ProxyTracingChecks.check(named, MESHTRACE)))
        .containsExactly("INFO random-sampling");
  }

  @Test
  void listenersOnTheBootstrapsTracerNeedTheBootstrapToBeCheckedAndToHaveOne() {
    List<ListenerTracing> listeners = List.of(traced("l1", "bootstrap", 1.0));
    ProxyTracing withoutBootstrap = new ProxyTracing(List.of(), listeners, List.of(), false, null,
        true, false);
    ProxyTracing bootstrapWithoutTracer = new ProxyTracing(List.of(), listeners, List.of(), false,
        "configs[0].bootstrap", true, true);

    Finding notShown = finding(ProxyTracingChecks.check(withoutBootstrap, null),
        "tracer-not-shown");
    assertThat(notShown.severity()).isEqualTo(Severity.WARNING);
    assertThat(notShown.path()).isEqualTo("listeners[l1]");
    Finding noTracer = finding(ProxyTracingChecks.check(bootstrapWithoutTracer, null),
        "no-tracer");
    assertThat(noTracer.severity()).isEqualTo(Severity.ERROR);
    assertThat(noTracer.fix()).startsWith("Add tracing.provider to the HTTP connection manager: "
        + "tracing: {provider: {name: envoy.tracers.zipkin");
  }

  @Test
  void aBootstrapWhoseListenersComeOverLdsWarnsOnlyWhenNoTracerIsInSight() {
    ProxyTracing lds = new ProxyTracing(List.of(), List.of(), List.of(), true, "bootstrap", false,
        true);

    Finding warning = finding(ProxyTracingChecks.check(lds, MESHTRACE), "no-bootstrap-tracer");
    assertThat(warning.severity()).isEqualTo(Severity.WARNING);
    assertThat(warning.fix()).startsWith("Check the listeners: istioctl proxy-config listeners "
        + "<pod> -o json | meshtrace doctor --expect-collector " + MESHTRACE + ".");
    assertThat(warning.path()).isEqualTo("bootstrap");
    // A config dump without its bootstrap: the finding is about the input as a whole.
    ProxyTracing noBootstrap = new ProxyTracing(List.of(), List.of(), List.of(), true, null,
        false, true);
    assertThat(finding(ProxyTracingChecks.check(noBootstrap, null), "no-bootstrap-tracer").path())
        .isEmpty();
    // Its static listeners may trace with a tracer of their own: then the bootstrap needs none.
    ProxyTracing staticListener = new ProxyTracing(List.of(zipkinAt("meshtrace:9411")),
        List.of(listener("l1", 1.0)), List.of(), true, "bootstrap", false, true);
    assertThat(codes(ProxyTracingChecks.check(staticListener, MESHTRACE)))
        .containsExactly("INFO random-sampling");
  }

  @Test
  void allListenersShownAndNoneTracingIsAnErrorAndNoneAtAllAWarning() {
    List<Finding> untraced = ProxyTracingChecks.check(envoy(List.of(),
        List.of(untraced("l1"), untraced("l2")), List.of()), null);
    assertThat(codes(untraced)).containsExactly("ERROR tracing-off");
    assertThat(finding(untraced, "tracing-off").message()).startsWith("None of the 2 HTTP "
        + "connection manager settings has tracing");
    assertThat(finding(untraced, "tracing-off").path()).isEqualTo("listeners[l1]");

    assertThat(codes(ProxyTracingChecks.check(envoy(List.of(), List.of(), List.of()), null)))
        .containsExactly("WARNING no-http-listeners");
  }

  @Test
  void noRandomSamplingAnywhereIsAnErrorUnlessARouteSamples() {
    Tracer tracer = zipkinAt("meshtrace:9411");
    List<ListenerTracing> never = List.of(listener("l1", 0.0), listener("l2", 0.0));

    assertThat(codes(ProxyTracingChecks.check(envoy(List.of(tracer), never, List.of()), null)))
        .contains("ERROR sampling-zero");
    assertThat(codes(ProxyTracingChecks.check(envoy(List.of(tracer), never,
        List.of(route("GET /", 5.0))), null))).doesNotContain("ERROR sampling-zero");
    // One listener at an unset (100%) random_sampling samples.
    assertThat(codes(ProxyTracingChecks.check(envoy(List.of(tracer),
        List.of(listener("l1", 0.0), listener("l2", null)), List.of()), null)))
        .doesNotContain("ERROR sampling-zero");

    List<Finding> routeNever = ProxyTracingChecks.check(envoy(List.of(tracer),
        List.of(listener("l1", 1.0)), List.of(route("POST /pay", 0.0))), null);
    assertThat(finding(routeNever, "route-sampling-zero").message())
        .isEqualTo("Route 'POST /pay' (prefix /) in routes has random_sampling 0%: requests to "
            + "it start no traces.");
  }

  @Test
  void randomSamplingIsNotedOncePerPercentageAndLongListsAreShortened() {
    List<ListenerTracing> listeners = List.of(listener("a", 1.0, "pod"), listener("b", 1.0),
        listener("c", 1.0, "pod", "mesh"), listener("d", 1.0), listener("e", 1.0),
        listener("f", null), listener("c", 1.0));
    List<Finding> findings = ProxyTracingChecks.check(envoy(List.of(zipkinAt("meshtrace:9411")),
        listeners, List.of()), null);

    assertThat(findings).filteredOn(f -> f.code().equals("random-sampling"))
        .extracting(Finding::message, Finding::path).containsExactly(
            tuple("5 listeners (a, b, c and 2 more) start a trace "
                + "for 1% of requests that arrive without a sampling decision; requests that "
                + "carry one (x-b3-sampled, traceparent) follow it.", "listeners[a]"),
            tuple("1 listener (f) starts a trace for 100% of "
                + "requests that arrive without a sampling decision; requests that carry one "
                + "(x-b3-sampled, traceparent) follow it.", "listeners[f]"));
    assertThat(finding(findings, "custom-tags").message())
        .isEqualTo("Spans carry 2 custom tags: pod, mesh.");
  }
}
