package io.meshtrace.controlplane.doctor;

import static io.meshtrace.controlplane.doctor.ProxyTracing.formatPercentage;

import io.meshtrace.controlplane.doctor.Finding.Severity;
import io.meshtrace.controlplane.doctor.ProxyTracing.ListenerTracing;
import io.meshtrace.controlplane.doctor.ProxyTracing.RouteTracing;
import io.meshtrace.controlplane.doctor.ProxyTracing.Tracer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Judges a proxy's tracing: whether it reports its spans to meshtrace, and reports them well
 * (which tracer, to which collector, in which encoding, with which IDs, sampled how often
 * where). Each problem is a {@link Finding} with its severity, a fix (Istio's settings for an
 * Istio proxy, else Envoy's fields) and where in the input it is.
 */
final class ProxyTracingChecks {
  private final ProxyTracing tracing;
  private final HostPort expected;
  private final boolean istio;
  private final List<Finding> findings = new ArrayList<>();

  private ProxyTracingChecks(ProxyTracing tracing, HostPort expected) {
    this.tracing = tracing;
    this.expected = expected;
    this.istio = tracing.istio();
  }

  /** The findings about {@code tracing}, errors first; {@code expected} may be null. */
  static List<Finding> check(ProxyTracing tracing, HostPort expected) {
    return new ProxyTracingChecks(tracing, expected).check();
  }

  private List<Finding> check() {
    checkTracerPresence(tracing.bootstrapTracer(), tracing.listeners());
    for (Tracer tracer : tracing.tracers()) {
      checkTracer(tracer);
    }
    checkSampling(tracing.listeners(), tracing.routes());
    findings.sort((a, b) -> a.severity().compareTo(b.severity()));
    return List.copyOf(findings);
  }

  private void checkTracerPresence(Tracer bootstrapTracer, List<ListenerTracing> listeners) {
    boolean anyTraced = listeners.stream().anyMatch(ListenerTracing::tracing);
    boolean usesBootstrap = listeners.stream().anyMatch(l -> "bootstrap".equals(l.tracer()));
    if (usesBootstrap && bootstrapTracer == null) {
      if (tracing.bootstrapPath() == null) {
        add(Severity.WARNING, "tracer-not-shown", "Listeners trace without a tracing.provider of "
            + "their own: they use the bootstrap's tracer (Istio's legacy "
            + "meshConfig.defaultConfig.tracing mode), which this input does not contain, so "
            + "where their spans go cannot be checked here.", istio
                ? "Check the bootstrap too: istioctl proxy-config bootstrap <pod> -o json | "
                    + "meshtrace doctor" + expectFlag()
                : "Run doctor on the Envoy's bootstrap or its full /config_dump.",
            firstPath(listeners, "bootstrap"));
      } else {
        add(Severity.ERROR, "no-tracer", "Listeners have tracing without a tracing.provider, and "
            + "the bootstrap has no tracer (tracing.http): Envoy makes sampling decisions but "
            + "reports no spans.", istio
                ? "Select a meshtrace extension provider: " + ISTIO_PROVIDER_FIX
                : "Add tracing.provider to the HTTP connection manager: " + ENVOY_PROVIDER_FIX,
            firstPath(listeners, "bootstrap"));
      }
      return;
    }
    if (!tracing.listenersComplete()) {
      // A bootstrap whose traffic listeners come over LDS; with Istio >= 1.22 so does the tracer.
      if (bootstrapTracer == null && !anyTraced) {
        add(Severity.WARNING, "no-bootstrap-tracer", "The bootstrap has no tracer (tracing.http). "
            + "That is Istio's default since 1.22: the tracer then comes from "
            + "meshConfig.extensionProviders in each listener (over LDS), which this input does "
            + "not show. Without an extension provider selected by a Telemetry resource or "
            + "defaultProviders, this proxy reports no spans.", istio
                ? "Check the listeners: istioctl proxy-config listeners <pod> -o json | meshtrace "
                    + "doctor" + expectFlag() + ". If they have no tracer, select a meshtrace "
                    + "provider: " + ISTIO_PROVIDER_FIX
                : "Add tracing.provider to the HTTP connection manager: " + ENVOY_PROVIDER_FIX,
            Objects.requireNonNullElse(tracing.bootstrapPath(), ""));
      }
      return;
    }
    if (listeners.isEmpty()) {
      add(Severity.WARNING, "no-http-listeners", "The input has no HTTP connection manager, so "
          + "nothing here traces HTTP requests.", istio
              ? "Check the pod's listeners: istioctl proxy-config listeners <pod> -o json | "
                  + "meshtrace doctor" + expectFlag()
              : "Trace in the HTTP connection manager of the listener that takes the traffic: "
                  + ENVOY_PROVIDER_FIX, "");
    } else if (!anyTraced) {
      add(Severity.ERROR, "tracing-off", "None of the " + listeners.size() + " HTTP connection "
          + "manager settings has tracing: this proxy starts no spans and reports none.",
          istio ? "Enable tracing for the workload: " + ISTIO_PROVIDER_FIX
              : "Add a tracing block to the HTTP connection manager: " + ENVOY_PROVIDER_FIX,
          listeners.get(0).path());
    }
  }

  private void checkTracer(Tracer tracer) {
    String where = tracer.source().equals("bootstrap") ? "the bootstrap's tracer"
        : "the tracer of " + tracer.source();
    switch (tracer.kind()) {
      case "zipkin" -> checkZipkin(tracer, where);
      case "opentelemetry" -> checkCollector(tracer, where, Set.of(4317, 4318));
      default -> add(Severity.ERROR, "tracer-unsupported", where + " is " + tracer.name()
          + (tracer.encoding() == null ? "" : " (" + tracer.encoding() + ")") + ", which "
          + "meshtrace does not receive: it takes Zipkin (envoy.tracers.zipkin) and "
          + "OpenTelemetry (envoy.tracers.opentelemetry).", istio ? ISTIO_PROVIDER_FIX
              : ENVOY_PROVIDER_FIX, tracer.path());
    }
  }

  private void checkZipkin(Tracer tracer, String where) {
    checkCollector(tracer, where, Set.of());
    String endpoint = tracer.collectorEndpoint();
    if (endpoint == null || endpoint.isEmpty()) {
      add(Severity.ERROR, "collector-endpoint", where + " has no collector_endpoint: Envoy "
          + "rejects it.", "Set collector_endpoint: /api/v2/spans.", tracer.path());
    } else if (endpoint.equals("/api/v1/spans")) {
      add(Severity.WARNING, "collector-endpoint-v1", where + " posts to /api/v1/spans, Zipkin's "
          + "v1 API. meshtrace reads v1 JSON, but Envoy's v3 API no longer writes it "
          + "(HTTP_JSON_V1 is gone), so this pairs with an encoding Envoy cannot send.",
          "Set collector_endpoint: /api/v2/spans and collector_endpoint_version: HTTP_PROTO.",
          tracer.path() + ".collector_endpoint");
    } else if (!endpoint.equals("/api/v2/spans")) {
      add(Severity.ERROR, "collector-endpoint", where + " posts to " + endpoint + "; meshtrace "
          + "takes Zipkin spans at /api/v2/spans (anything else is a 404).",
          "Set collector_endpoint: /api/v2/spans.", tracer.path() + ".collector_endpoint");
    }
    String version = tracer.encoding();
    if (version == null || version.equals("DEPRECATED_AND_UNAVAILABLE_DO_NOT_USE")
        || version.equals("HTTP_JSON_V1") || version.equals("0")) {
      add(Severity.WARNING, "encoding-unset", where + " does not state "
          + "collector_endpoint_version" + (version == null ? "" : " (it is " + version + ")")
          + ": the value left is Envoy's deprecated placeholder, which recent Envoy releases "
          + "reject and older ones sent as v2 JSON.", "Set collector_endpoint_version: "
          + "HTTP_PROTO (smaller) or HTTP_JSON explicitly.",
          tracer.path() + ".collector_endpoint_version");
    } else if (version.equals("GRPC") || version.equals("3")) {
      add(Severity.ERROR, "encoding-grpc", where + " uses collector_endpoint_version GRPC, which "
          + "Envoy's Zipkin tracer does not implement and meshtrace does not serve.",
          "Set collector_endpoint_version: HTTP_PROTO.",
          tracer.path() + ".collector_endpoint_version");
    } else if (version.equals("HTTP_JSON") || version.equals("1")) {
      add(Severity.INFO, "encoding-json", where + " sends Zipkin v2 JSON; meshtrace takes it. "
          + "HTTP_PROTO (proto3) is about a third smaller on the wire.",
          "Optional: collector_endpoint_version: HTTP_PROTO.",
          tracer.path() + ".collector_endpoint_version");
    }
    if (!Boolean.TRUE.equals(tracer.traceId128bit())) {
      add(Severity.WARNING, "trace-id-64bit", where + " makes 64-bit trace IDs. OpenTelemetry "
          + "SDKs and W3C traceparent use 128-bit IDs; when a trace starts at this proxy the "
          + "rest of it carries the short ID, and tools that compare IDs (exemplars, logs) "
          + "miss.", istio ? "Istio sets trace_id_128bit: true for its zipkin providers; if this "
              + "comes from a custom bootstrap or EnvoyFilter, set trace_id_128bit: true there."
              : "Set trace_id_128bit: true.", tracer.path() + ".trace_id_128bit");
    }
    if (!Boolean.FALSE.equals(tracer.sharedSpanContext())) {
      add(Severity.WARNING, "shared-span-context", where + " has shared_span_context "
          + (tracer.sharedSpanContext() == null ? "unset, which defaults to true" : "true")
          + ": client and server spans of one hop share one span ID (Zipkin v1 style). "
          + "meshtrace tells them apart by kind, as Zipkin and Jaeger do, but OpenTelemetry "
          + "SDKs, W3C traceparent and span links assume every span has an ID of its own. "
          + "Istio sets it to false.", "Set shared_span_context: false.",
          tracer.path() + ".shared_span_context");
    }
  }

  /** The collector cluster exists and points at the expected collector. */
  private void checkCollector(Tracer tracer, String where, Set<Integer> otherPorts) {
    String cluster = tracer.collectorCluster();
    if (cluster == null) {
      add(Severity.ERROR, "collector-cluster-missing", where + " names no collector cluster.",
          tracer.kind().equals("zipkin") ? "Set collector_cluster to the cluster of meshtrace's "
              + "port 9411." : "Set grpc_service.envoy_grpc.cluster_name to the cluster of "
              + "meshtrace's port 4317.", tracer.path());
      return;
    }
    if (!tracer.collectorClusterFound() && tracer.collectorAddresses().isEmpty()) {
      if (tracing.clustersKnown()) {
        add(Severity.ERROR, "collector-cluster-missing", where + " sends to cluster '" + cluster
            + "', which this proxy does not have: Envoy drops every span.", istio
                ? "Check the provider's service and port in meshConfig.extensionProviders (the "
                    + "Service must exist: kubectl get svc -A | grep meshtrace)."
                : "Add a cluster named '" + cluster + "' pointing at meshtrace (port "
                    + (tracer.kind().equals("zipkin") ? 9411 : 4317) + ").", tracer.path());
      } else if (expected != null) {
        add(Severity.INFO, "collector-not-shown", where + " sends to cluster '" + cluster
            + "', which this input does not contain, so its address is not checked against "
            + expected + ".", istio ? "Check it: istioctl proxy-config clusters <pod> --fqdn "
                + expected.host() : "Run doctor on the full /config_dump.", tracer.path());
      }
      return;
    }
    if (expected == null) {
      return;
    }
    List<String> addresses = tracer.collectorAddresses();
    boolean matches = !addresses.isEmpty() && addresses.stream().allMatch(address -> {
      int colon = address.lastIndexOf(':');
      String port = address.substring(colon + 1);
      return hostMatches(address.substring(0, colon), expected.host())
          && (port.equals(String.valueOf(expected.port()))
              || otherPorts.stream().anyMatch(p -> port.equals(String.valueOf(p))));
    });
    if (!matches) {
      add(Severity.ERROR, "collector-address", where + " sends to cluster '" + cluster + "' at "
          + (addresses.isEmpty() ? "no endpoint" : String.join(", ", addresses))
          + ", not the expected collector " + expected + ".", istio
              ? "Point the provider at meshtrace in meshConfig.extensionProviders: "
                  + (tracer.kind().equals("zipkin") ? "zipkin: {service: " + expected.host()
                      + ", port: " + expected.port() + "}" : "opentelemetry: {service: "
                      + expected.host() + ", port: 4317}")
              : "Point cluster '" + cluster + "' at " + expected.host() + ":"
                  + (tracer.kind().equals("zipkin") ? expected.port() : 4317)
                  + (tracer.kind().equals("zipkin") ? "" : " (meshtrace's OTLP gRPC port)") + ".",
          tracer.path());
    }
  }

  /** Equal, or a short service name of the other (meshtrace.observability vs its FQDN). */
  static boolean hostMatches(String actual, String expected) {
    String a = actual.toLowerCase();
    String e = expected.toLowerCase();
    return a.equals(e) || a.startsWith(e + ".") || e.startsWith(a + ".");
  }

  private void checkSampling(List<ListenerTracing> listeners, List<RouteTracing> routes) {
    List<ListenerTracing> traced = listeners.stream().filter(ListenerTracing::tracing).toList();
    if (traced.isEmpty()) {
      return;
    }
    if (traced.stream().allMatch(l -> l.randomSampling() != null && l.randomSampling() == 0)
        && routes.stream().noneMatch(r -> r.randomSampling() != null && r.randomSampling() > 0)) {
      add(Severity.ERROR, "sampling-zero", "Every traced listener has random_sampling 0%: this "
          + "proxy starts no traces (it still follows decisions that arrive in headers).", istio
              ? "Set a percentage: a Telemetry resource with randomSamplingPercentage (meshtrace "
                  + "istio render --strategies FILE writes them from the sampling strategies)."
              : "Set tracing.random_sampling: {value: 1} (percent) or more.", traced.get(0).path());
    }
    for (ListenerTracing listener : traced) {
      if (listener.overallSampling() != null && listener.overallSampling() == 0) {
        add(Severity.WARNING, "overall-sampling-zero", "Listener " + listener.listener() + " has "
            + "overall_sampling 0%: it reports no spans, not even for traces sampled upstream.",
            "Remove overall_sampling or set it to {value: 100}.", listener.path());
      }
    }
    Map<Double, List<String>> byPercentage = new LinkedHashMap<>();
    for (ListenerTracing listener : traced) {
      double random = listener.randomSampling() == null ? 100 : listener.randomSampling();
      byPercentage.computeIfAbsent(random, k -> new ArrayList<>()).add(listener.listener());
    }
    byPercentage.forEach((percentage, names) -> {
      Set<String> distinct = new LinkedHashSet<>(names);
      add(Severity.INFO, "random-sampling", distinct.size() + " listener"
          + (distinct.size() == 1 ? "" : "s") + " (" + abbreviate(distinct) + ") start"
          + (distinct.size() == 1 ? "s" : "") + " a trace for "
          + formatPercentage(percentage) + "% of requests that arrive without a sampling decision; "
          + "requests that carry one (x-b3-sampled, traceparent) follow it.", "",
          firstPathOf(traced, percentage));
    });
    for (RouteTracing route : routes) {
      if (route.randomSampling() != null && route.randomSampling() == 0) {
        add(Severity.WARNING, "route-sampling-zero", "Route " + describe(route) + " has "
            + "random_sampling 0%: requests to it start no traces.", istio ? "" : "Remove the "
                + "route's tracing.random_sampling or set it above 0.", route.path());
      }
    }
    Set<String> tags = new LinkedHashSet<>();
    traced.forEach(l -> tags.addAll(l.customTags()));
    if (!tags.isEmpty()) {
      add(Severity.INFO, "custom-tags", "Spans carry " + tags.size() + " custom tag"
          + (tags.size() == 1 ? "" : "s") + ": " + String.join(", ", tags) + ".", "",
          traced.get(0).path() + ".tracing.custom_tags");
    }
  }

  private static String describe(RouteTracing route) {
    return (route.operation() != null ? "'" + route.operation() + "'" : "")
        + (route.match() != null ? " (" + route.match() + ")" : "")
        + " in " + route.routeConfig();
  }

  private static String firstPath(List<ListenerTracing> listeners, String tracer) {
    return listeners.stream().filter(l -> tracer.equals(l.tracer())).map(ListenerTracing::path)
        .findFirst().orElse("");
  }

  private static String firstPathOf(List<ListenerTracing> listeners, double percentage) {
    return listeners.stream().filter(l -> Objects.requireNonNullElse(l.randomSampling(), 100.0)
        == percentage).map(ListenerTracing::path).findFirst().orElse("");
  }

  private static String abbreviate(Set<String> names) {
    List<String> list = new ArrayList<>(names);
    return list.size() <= 4 ? String.join(", ", list)
        : String.join(", ", list.subList(0, 3)) + " and " + (list.size() - 3) + " more";
  }

  private String expectFlag() {
    return expected == null ? "" : " --expect-collector " + expected;
  }

  private void add(Severity severity, String code, String message, String fix, String at) {
    findings.add(new Finding(severity, code,
        Character.toUpperCase(message.charAt(0)) + message.substring(1), fix, at));
  }


  static final String ISTIO_PROVIDER_FIX = "in the IstioOperator (istio/istio-operator.yaml) "
      + "meshConfig: {enableTracing: true, extensionProviders: [{name: meshtrace-zipkin, zipkin: "
      + "{service: meshtrace.observability.svc.cluster.local, port: 9411}}], defaultProviders: "
      + "{tracing: [meshtrace-zipkin]}}, then kubectl apply -f istio/telemetry-mesh-default.yaml "
      + "and restart the workload (kubectl rollout restart deployment/<name>).";
  static final String ENVOY_PROVIDER_FIX = "tracing: {provider: {name: envoy.tracers.zipkin, "
      + "typed_config: {\"@type\": type.googleapis.com/envoy.config.trace.v3.ZipkinConfig, "
      + "collector_cluster: meshtrace, collector_endpoint: /api/v2/spans, "
      + "collector_endpoint_version: HTTP_PROTO, trace_id_128bit: true, shared_span_context: "
      + "false}}} and a cluster 'meshtrace' pointing at meshtrace's port 9411.";
}
