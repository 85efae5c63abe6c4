package io.meshtrace.controlplane.doctor;

import static io.meshtrace.controlplane.doctor.ProtoJson.bool;
import static io.meshtrace.controlplane.doctor.ProtoJson.field;
import static io.meshtrace.controlplane.doctor.ProtoJson.list;
import static io.meshtrace.controlplane.doctor.ProtoJson.message;
import static io.meshtrace.controlplane.doctor.ProtoJson.number;
import static io.meshtrace.controlplane.doctor.ProtoJson.path;
import static io.meshtrace.controlplane.doctor.ProtoJson.string;
import static io.meshtrace.controlplane.doctor.ProtoJson.typeName;

import io.meshtrace.controlplane.doctor.ProxyConfigInput.Kind;
import io.meshtrace.controlplane.doctor.ProxyConfigInput.Located;
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
 * Reads what a proxy does for tracing out of its configuration: the bootstrap's tracer and each
 * HTTP connection manager's, the collector cluster of each and where that cluster points, the
 * sampling and custom tags of each listener, and the routes that trace on their own terms. It
 * judges nothing; {@link ProxyTracingChecks} does.
 */
final class ProxyTracingExtractor {
  static final String ZIPKIN_CONFIG = "envoy.config.trace.v3.ZipkinConfig";
  static final String OTEL_CONFIG = "envoy.config.trace.v3.OpenTelemetryConfig";
  static final String HCM = "envoy.extensions.filters.network.http_connection_manager.v3."
      + "HttpConnectionManager";

  private final ProxyConfigInput input;

  private ProxyTracingExtractor(ProxyConfigInput input) {
    this.input = input;
  }

  /** The tracing of the proxy whose configuration {@code input} is. */
  static ProxyTracing extract(ProxyConfigInput input) {
    return new ProxyTracingExtractor(input).extract();
  }

  private ProxyTracing extract() {
    List<Tracer> tracers = new ArrayList<>();
    if (input.bootstrap() != null) {
      Map<String, Object> http = message(message(input.bootstrap().value(), "tracing"), "http");
      if (http != null) {
        String at = ProxyConfigInput.prefix(input.bootstrap().path()) + "tracing.http";
        tracers.add(tracer("bootstrap", http, at));
      }
    }
    List<ListenerTracing> listeners = new ArrayList<>();
    List<RouteTracing> routes = new ArrayList<>();
    Set<String> routeConfigsSeen = new LinkedHashSet<>();
    for (Located listener : input.listeners()) {
      listeners.addAll(listenerTracing(listener, tracers, routes, routeConfigsSeen));
    }
    return new ProxyTracing(List.copyOf(tracers), List.copyOf(listeners), List.copyOf(routes),
        looksLikeIstio(input), input.bootstrap() == null ? null : input.bootstrap().path(),
        input.listenersComplete(), input.clustersKnown());
  }

  private Tracer tracer(String source, Map<String, Object> provider, String at) {
    String name = string(provider, "name");
    Map<String, Object> config = message(provider, "typed_config");
    String type = typeName(config);
    String configPath = at + ".typed_config";
    if (ZIPKIN_CONFIG.equals(type) || (type == null && "envoy.tracers.zipkin".equals(name))) {
      String cluster = string(config, "collector_cluster");
      return new Tracer(source, configPath, name, "zipkin", cluster, clusterFound(cluster),
          addresses(cluster), string(config, "collector_endpoint"),
          string(config, "collector_endpoint_version"), bool(config, "trace_id_128bit"),
          bool(config, "shared_span_context"), null);
    }
    if (OTEL_CONFIG.equals(type)
        || (type == null && "envoy.tracers.opentelemetry".equals(name))) {
      String cluster = string(path(config, "grpc_service", "envoy_grpc"), "cluster_name");
      String encoding = "grpc";
      String endpoint = null;
      if (cluster == null && message(config, "http_service") != null) {
        Map<String, Object> uri = message(message(config, "http_service"), "http_uri");
        cluster = string(uri, "cluster");
        endpoint = string(uri, "uri");
        encoding = "http";
      }
      return new Tracer(source, configPath, name, "opentelemetry", cluster,
          clusterFound(cluster), addresses(cluster), endpoint, encoding, null, null,
          string(config, "service_name"));
    }
    return new Tracer(source, configPath, name, "other", null, false, List.of(), null, type,
        null, null, null);
  }

  private List<ListenerTracing> listenerTracing(Located listener, List<Tracer> tracers,
      List<RouteTracing> routes, Set<String> routeConfigsSeen) {
    String name = listenerName(listener);
    List<Object> chains = new ArrayList<>(list(listener.value(), "filter_chains"));
    List<String> chainPaths = new ArrayList<>();
    for (int i = 0; i < chains.size(); i++) {
      chainPaths.add(listener.path() + ".filter_chains[" + i + "]");
    }
    Object defaultChain = field(listener.value(), "default_filter_chain");
    if (defaultChain != null) {
      chains.add(defaultChain);
      chainPaths.add(listener.path() + ".default_filter_chain");
    }
    // One entry per distinct tracing setting, keyed by everything but the path.
    Map<List<Object>, ListenerTracing> variants = new LinkedHashMap<>();
    for (int i = 0; i < chains.size(); i++) {
      List<Object> filters = list(chains.get(i), "filters");
      for (int j = 0; j < filters.size(); j++) {
        Object filter = filters.get(j);
        Map<String, Object> hcm = message(filter, "typed_config");
        boolean isHcm = HCM.equals(typeName(hcm))
            || "envoy.filters.network.http_connection_manager".equals(string(filter, "name"));
        if (!isHcm || hcm == null) {
          continue;
        }
        String hcmPath = chainPaths.get(i) + ".filters[" + j + "].typed_config";
        Map<String, Object> tracing = message(hcm, "tracing");
        String tracerName = null;
        if (tracing != null) {
          Map<String, Object> provider = message(tracing, "provider");
          if (provider != null) {
            Tracer tracer = tracer("listener " + name, provider, hcmPath + ".tracing.provider");
            tracerName = Objects.requireNonNullElse(tracer.name(), tracer.kind());
            if (tracers.stream().noneMatch(t -> sameTracer(t, tracer))) {
              tracers.add(tracer);
            }
          } else {
            tracerName = "bootstrap";
          }
        }
        List<String> tags = new ArrayList<>();
        for (Object tag : list(tracing, "custom_tags")) {
          String tagName = string(tag, "tag");
          if (tagName != null) { // a custom tag without its name is Envoy's error, not ours
            tags.add(tagName);
          }
        }
        ListenerTracing entry = new ListenerTracing(name, hcmPath, 1, tracing != null, tracerName,
            percent(field(tracing, "random_sampling")), percent(field(tracing, "client_sampling")),
            percent(field(tracing, "overall_sampling")), List.copyOf(tags),
            bool(tracing, "spawn_upstream_span"));
        List<Object> key = new ArrayList<>(List.of(entry.tracing()));
        key.addAll(java.util.Arrays.asList(entry.tracer(), entry.randomSampling(),
            entry.clientSampling(), entry.overallSampling(), entry.customTags(),
            entry.spawnUpstreamSpan()));
        variants.merge(key, entry, (a, b) -> new ListenerTracing(a.listener(), a.path(),
            a.connectionManagers() + 1, a.tracing(), a.tracer(), a.randomSampling(),
            a.clientSampling(), a.overallSampling(), a.customTags(), a.spawnUpstreamSpan()));
        Map<String, Object> inline = message(hcm, "route_config");
        if (inline != null) {
          routes(inline, hcmPath + ".route_config", routes);
        }
        String rds = string(message(hcm, "rds"), "route_config_name");
        if (rds != null && input.routeConfigs().containsKey(rds) && routeConfigsSeen.add(rds)) {
          Located config = input.routeConfigs().get(rds);
          routes(config.value(), config.path(), routes);
        }
      }
    }
    return new ArrayList<>(variants.values());
  }

  /** The listener's name, else its address (static listeners need no name). */
  private static String listenerName(Located listener) {
    String name = string(listener.value(), "name");
    if (name != null) {
      return name;
    }
    List<String> address = new ArrayList<>();
    socketAddress(path(listener.value(), "address", "socket_address"), address);
    return address.isEmpty() ? listener.path() : address.get(0);
  }

  private static boolean sameTracer(Tracer a, Tracer b) {
    return Objects.equals(a.kind(), b.kind())
        && Objects.equals(a.collectorCluster(), b.collectorCluster())
        && Objects.equals(a.collectorEndpoint(), b.collectorEndpoint())
        && Objects.equals(a.encoding(), b.encoding())
        && Objects.equals(a.traceId128bit(), b.traceId128bit())
        && Objects.equals(a.sharedSpanContext(), b.sharedSpanContext());
  }

  private void routes(Map<String, Object> routeConfig, String at, List<RouteTracing> routes) {
    String configName = string(routeConfig, "name");
    List<Object> hosts = list(routeConfig, "virtual_hosts");
    for (int i = 0; i < hosts.size(); i++) {
      List<Object> hostRoutes = list(hosts.get(i), "routes");
      for (int j = 0; j < hostRoutes.size(); j++) {
        Object route = hostRoutes.get(j);
        Map<String, Object> tracing = message(route, "tracing");
        String operation = string(message(route, "decorator"), "operation");
        if (tracing == null && operation == null) {
          continue;
        }
        Map<String, Object> match = message(route, "match");
        String matchText = null;
        for (String kind : List.of("prefix", "path", "path_separated_prefix")) {
          if (string(match, kind) != null) {
            matchText = kind + " " + string(match, kind);
            break;
          }
        }
        RouteTracing entry = new RouteTracing(configName, string(hosts.get(i), "name"), matchText,
            operation, fractionalPercent(field(tracing, "random_sampling")),
            fractionalPercent(field(tracing, "client_sampling")),
            fractionalPercent(field(tracing, "overall_sampling")),
            at + ".virtual_hosts[" + i + "].routes[" + j + "]");
        // Istio repeats the same inline route in every filter chain of virtualInbound.
        if (routes.stream().noneMatch(r -> r.routeConfig() != null
            && r.routeConfig().equals(entry.routeConfig())
            && Objects.equals(r.virtualHost(), entry.virtualHost())
            && Objects.equals(r.match(), entry.match())
            && Objects.equals(r.operation(), entry.operation())
            && Objects.equals(r.randomSampling(), entry.randomSampling()))) {
          routes.add(entry);
        }
      }
    }
  }

  private boolean clusterFound(String name) {
    return name != null && input.clusters().containsKey(name);
  }

  /** host:port of a cluster's endpoints, from the cluster, EDS, or Istio's cluster name. */
  private List<String> addresses(String clusterName) {
    if (clusterName == null) {
      return List.of();
    }
    List<String> addresses = new ArrayList<>();
    Located cluster = input.clusters().get(clusterName);
    if (cluster != null) {
      endpointAddresses(message(cluster.value(), "load_assignment"), addresses);
      for (Object host : list(cluster.value(), "hosts")) { // v2 clusters, still in old dumps
        socketAddress(field(host, "socket_address"), addresses);
      }
      if (addresses.isEmpty()) {
        String eds = string(message(cluster.value(), "eds_cluster_config"), "service_name");
        Located assignment = input.endpoints().get(eds != null ? eds : clusterName);
        if (assignment != null) {
          endpointAddresses(assignment.value(), addresses);
        }
      }
    }
    // Istio names outbound clusters outbound|PORT|SUBSET|HOST: the address when EDS is not shown.
    String[] parts = clusterName.split("\\|", -1);
    if (addresses.isEmpty() && parts.length == 4 && parts[0].equals("outbound")) {
      addresses.add(parts[3] + ":" + parts[1]);
    }
    return List.copyOf(addresses);
  }

  private static void endpointAddresses(Map<String, Object> assignment, List<String> into) {
    for (Object locality : list(assignment, "endpoints")) {
      for (Object endpoint : list(locality, "lb_endpoints")) {
        socketAddress(path(endpoint, "endpoint", "address", "socket_address"), into);
      }
    }
  }

  private static void socketAddress(Object socket, List<String> into) {
    String host = string(socket, "address");
    Double port = number(field(socket, "port_value"));
    if (host != null) {
      into.add(host + ":" + (port == null ? "?" : String.valueOf(port.intValue())));
    }
  }

  /** envoy.type.v3.Percent ({@code {"value": 1}}) as a percentage; null when unset. */
  static Double percent(Object percent) {
    return percent instanceof Map<?, ?> map ? Objects.requireNonNullElse(number(map.get("value")),
        0.0) : null;
  }

  /** envoy.type.v3.FractionalPercent as a percentage; null when unset. */
  static Double fractionalPercent(Object fraction) {
    if (!(fraction instanceof Map<?, ?> map)) {
      return null;
    }
    double numerator = Objects.requireNonNullElse(number(map.get("numerator")), 0.0);
    Object denominator = map.get("denominator");
    double scale = switch (denominator == null ? "HUNDRED" : denominator.toString()) {
      case "TEN_THOUSAND", "1" -> 100;
      case "MILLION", "2" -> 10_000;
      default -> 1;
    };
    return numerator / scale;
  }

  private static boolean looksLikeIstio(ProxyConfigInput input) {
    if (input.kind() == Kind.ISTIOCTL_BOOTSTRAP || input.kind() == Kind.ISTIOCTL_LISTENERS) {
      return true;
    }
    if (input.bootstrap() != null
        && field(message(message(input.bootstrap().value(), "node"), "metadata"),
            "ISTIO_VERSION") != null) {
      return true;
    }
    return input.listeners().stream().map(l -> string(l.value(), "name"))
        .anyMatch(n -> "virtualInbound".equals(n) || "virtualOutbound".equals(n)
            || "main_internal".equals(n))
        || input.clusters().keySet().stream().anyMatch(n -> n.startsWith("outbound|"));
  }
}
