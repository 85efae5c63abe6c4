package io.meshtrace.controlplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Decorator;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.Tracing;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The resources the edge-gateway Envoy is given: a pure function of the routes file, the
 * resolved sampling and the node cluster, so that equal inputs give equal resources (and no new
 * version) and it can be tested without a server.
 *
 * <ul>
 *   <li>One listener whose HTTP connection manager takes its routes over RDS through ADS (a
 *       sampling change is then a push of the route configuration alone) and traces with Envoy's
 *       Zipkin tracer to the collector cluster: {@code /api/v2/spans}, the encoding stated
 *       explicitly, 128-bit trace IDs, no shared span context (each hop its own span, as
 *       Envoy's tracing model expects), and {@code spawn_upstream_span} so that the gateway
 *       reports a client span for the upstream call besides its server span. Its own
 *       {@code random_sampling} is for requests no route matches.
 *   <li>One route configuration, a virtual host per distinct host in file order; every route
 *       has its operation as {@code decorator.operation} and {@code tracing.random_sampling} from
 *       the strategies, in millionths; {@code client_sampling} and {@code overall_sampling} are
 *       always 100% (Envoy's default when unset, but stated so that nobody has to know). Each
 *       route also tags its spans {@code sampler.type=probabilistic} and
 *       {@code sampler.param=<probability>}, Jaeger's tags, so that the traffic counted at
 *       ingest (and adaptive sampling) know what each sampled span stands for.
 *   <li>A cluster per upstream (STATIC when every endpoint is an IP address, else STRICT_DNS)
 *       and {@value GatewayRoutesFile#COLLECTOR_CLUSTER} for the collector, endpoints inline.
 * </ul>
 */
public final class EdgeGatewaySnapshot {
  public static final String LISTENER = "edge_gateway_http";
  public static final String ROUTE_CONFIGURATION = "edge_gateway_routes";
  public static final String ZIPKIN_TRACER = "envoy.tracers.zipkin";
  public static final String ZIPKIN_PATH = "/api/v2/spans";

  /** The resources of one snapshot, each list in a stable order. */
  public record Resources(List<Cluster> clusters, List<Listener> listeners,
      List<RouteConfiguration> routes) {}

  private EdgeGatewaySnapshot() {}

  /**
   * @param defaultCollector where the collector is when the file names none: meshtrace's own
   *     Zipkin port
   */
  public static Resources build(GatewayRoutes routes, EdgeSampling sampling, String nodeCluster,
      GatewayRoutes.Endpoint defaultCollector) {
    GatewayRoutes.Collector collector = routes.collector() == null
        ? new GatewayRoutes.Collector(defaultCollector, GatewayRoutes.Encoding.HTTP_PROTO)
        : routes.collector();
    GatewayRoutes.Endpoint collectorAddress = collector.address() == null ? defaultCollector
        : collector.address();
    List<Cluster> clusters = new ArrayList<>();
    for (GatewayRoutes.Cluster upstream : routes.clusters()) {
      clusters.add(cluster(upstream.name(), upstream.endpoints()));
    }
    clusters.add(cluster(GatewayRoutesFile.COLLECTOR_CLUSTER, List.of(collectorAddress)));
    return new Resources(clusters,
        List.of(listener(routes.listener(), collector, collectorAddress, sampling, nodeCluster)),
        List.of(routeConfiguration(routes.routes(), sampling)));
  }

  private static Listener listener(GatewayRoutes.Listener listener,
      GatewayRoutes.Collector collector, GatewayRoutes.Endpoint collectorAddress,
      EdgeSampling sampling, String nodeCluster) {
    ZipkinConfig zipkin = ZipkinConfig.newBuilder()
        .setCollectorCluster(GatewayRoutesFile.COLLECTOR_CLUSTER)
        .setCollectorEndpoint(ZIPKIN_PATH)
        .setCollectorEndpointVersion(collector.encoding() == GatewayRoutes.Encoding.HTTP_JSON
            ? ZipkinConfig.CollectorEndpointVersion.HTTP_JSON
            : ZipkinConfig.CollectorEndpointVersion.HTTP_PROTO)
        .setCollectorHostname(collectorAddress.host())
        .setTraceId128Bit(true)
        .setSharedSpanContext(BoolValue.of(false))
        .build();
    HttpConnectionManager.Tracing tracing = HttpConnectionManager.Tracing.newBuilder()
        .setProvider(io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder()
            .setName(ZIPKIN_TRACER)
            .setTypedConfig(Any.pack(zipkin)))
        .setRandomSampling(percent(sampling.defaultPerMillion()))
        .setClientSampling(percent(EdgeSampling.MILLION))
        .setOverallSampling(percent(EdgeSampling.MILLION))
        .setSpawnUpstreamSpan(BoolValue.of(true))
        .build();
    HttpConnectionManager manager = HttpConnectionManager.newBuilder()
        .setStatPrefix(statPrefix(nodeCluster))
        .setCodecType(HttpConnectionManager.CodecType.AUTO)
        // The edge is where a request enters the mesh: its peer is the client, not a proxy.
        .setUseRemoteAddress(BoolValue.of(true))
        .setRds(Rds.newBuilder()
            .setRouteConfigName(ROUTE_CONFIGURATION)
            .setConfigSource(ConfigSource.newBuilder()
                .setAds(AggregatedConfigSource.getDefaultInstance())
                .setResourceApiVersion(ApiVersion.V3)))
        .setTracing(tracing)
        .addHttpFilters(HttpFilter.newBuilder()
            .setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())))
        .build();
    return Listener.newBuilder()
        .setName(LISTENER)
        .setAddress(address(listener.address(), listener.port()))
        .addFilterChains(FilterChain.newBuilder()
            .addFilters(Filter.newBuilder()
                .setName("envoy.filters.network.http_connection_manager")
                .setTypedConfig(Any.pack(manager))))
        .build();
  }

  private static RouteConfiguration routeConfiguration(List<GatewayRoutes.Route> routes,
      EdgeSampling sampling) {
    Map<String, VirtualHost.Builder> hosts = new LinkedHashMap<>();
    for (GatewayRoutes.Route route : routes) {
      int perMillion = sampling.perMillionByOperation().getOrDefault(route.operation(),
          sampling.defaultPerMillion());
      hosts.computeIfAbsent(route.host(), host -> VirtualHost.newBuilder()
              .setName(host.equals("*") ? "any_host" : host)
              .addDomains(host))
          .addRoutes(Route.newBuilder()
              .setName(route.operation())
              .setMatch(RouteMatch.newBuilder().setPrefix(route.prefix()))
              .setRoute(RouteAction.newBuilder().setCluster(route.cluster()))
              .setDecorator(Decorator.newBuilder().setOperation(route.operation()))
              .setTracing(Tracing.newBuilder()
                  .setRandomSampling(fraction(perMillion))
                  .setClientSampling(fraction(EdgeSampling.MILLION))
                  .setOverallSampling(fraction(EdgeSampling.MILLION))
                  .addCustomTags(literal("sampler.type", "probabilistic"))
                  .addCustomTags(literal("sampler.param",
                      String.valueOf(perMillion / (double) EdgeSampling.MILLION)))));
    }
    RouteConfiguration.Builder configuration = RouteConfiguration.newBuilder()
        .setName(ROUTE_CONFIGURATION);
    hosts.values().forEach(configuration::addVirtualHosts);
    return configuration.build();
  }

  private static Cluster cluster(String name, List<GatewayRoutes.Endpoint> endpoints) {
    boolean addresses = endpoints.stream().allMatch(GatewayRoutes.Endpoint::isIpAddress);
    LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
    for (GatewayRoutes.Endpoint endpoint : endpoints) {
      locality.addLbEndpoints(LbEndpoint.newBuilder()
          .setEndpoint(Endpoint.newBuilder().setAddress(address(endpoint.host(),
              endpoint.port()))));
    }
    Cluster.Builder cluster = Cluster.newBuilder()
        .setName(name)
        .setConnectTimeout(Durations.fromSeconds(5))
        .setType(addresses ? Cluster.DiscoveryType.STATIC : Cluster.DiscoveryType.STRICT_DNS)
        .setLoadAssignment(ClusterLoadAssignment.newBuilder()
            .setClusterName(name)
            .addEndpoints(locality));
    if (!addresses) {
      // Containers and Kubernetes Services resolve to IPv4 first; Envoy's default prefers v6.
      cluster.setDnsLookupFamily(Cluster.DnsLookupFamily.V4_PREFERRED);
    }
    return cluster.build();
  }

  private static Address address(String host, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port))
        .build();
  }

  private static CustomTag literal(String tag, String value) {
    return CustomTag.newBuilder().setTag(tag)
        .setLiteral(CustomTag.Literal.newBuilder().setValue(value)).build();
  }

  static FractionalPercent fraction(int perMillion) {
    return FractionalPercent.newBuilder().setNumerator(perMillion)
        .setDenominator(FractionalPercent.DenominatorType.MILLION).build();
  }

  static Percent percent(int perMillion) {
    return Percent.newBuilder().setValue(perMillion / 10_000.0).build();
  }

  private static String statPrefix(String nodeCluster) {
    return nodeCluster.replaceAll("[^A-Za-z0-9_]", "_");
  }
}
