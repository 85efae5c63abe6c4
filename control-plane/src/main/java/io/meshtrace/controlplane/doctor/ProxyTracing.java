package io.meshtrace.controlplane.doctor;

import java.math.BigDecimal;
import java.util.List;

/**
 * What one proxy does for tracing, as its configuration shows it: the tracers it reports spans
 * with, the tracing of its listeners, and the routes that trace on their own terms; and how much
 * of the proxy the input shows, so that what is missing can be told from what is not shown.
 * Made by {@link ProxyTracingExtractor}, judged by {@link ProxyTracingChecks}.
 *
 * @param istio whether the proxy is Istio's (istioctl output, {@code ISTIO_VERSION} in the node
 *     metadata, Istio's listener or cluster names): fixes then name Istio's settings
 * @param bootstrapPath where the bootstrap is in the input; null when the input has none
 * @param listenersComplete whether {@code listeners} are all the proxy has (see {@link
 *     ProxyConfigInput})
 * @param clustersKnown whether the input lists the proxy's clusters, so that a collector cluster
 *     not among them is missing rather than not shown
 */
public record ProxyTracing(List<Tracer> tracers, List<ListenerTracing> listeners,
    List<RouteTracing> routes, boolean istio, String bootstrapPath, boolean listenersComplete,
    boolean clustersKnown) {

  /** The bootstrap's tracer (tracing.http), which listeners without a provider use; or null. */
  public Tracer bootstrapTracer() {
    return tracers.stream().filter(t -> t.source().equals("bootstrap")).findFirst()
        .orElse(null);
  }

  /** A percentage as people write it: 1, 0.1, 12.5 (no trailing zeros, no exponent). */
  static String formatPercentage(double percentage) {
    return BigDecimal.valueOf(percentage).stripTrailingZeros().toPlainString();
  }

  /**
   * A tracer Envoy reports spans with.
   *
   * @param source {@code bootstrap} (tracing.http, used by listeners without a provider) or
   *     {@code listener NAME} (an HTTP connection manager's tracing.provider)
   * @param kind {@code zipkin}, {@code opentelemetry} or {@code other}
   * @param collectorAddresses host:port of the collector cluster's endpoints; empty when unknown
   * @param encoding Zipkin's collector_endpoint_version, or {@code grpc}/{@code http} for OTLP
   */
  public record Tracer(String source, String path, String name, String kind,
      String collectorCluster, boolean collectorClusterFound, List<String> collectorAddresses,
      String collectorEndpoint, String encoding, Boolean traceId128bit,
      Boolean sharedSpanContext, String serviceName) {}

  /**
   * The tracing of the HTTP connection managers of one listener that share the same settings.
   * Sampling values are percentages; null means unset, which Envoy treats as 100.
   *
   * @param connectionManagers how many of the listener's HTTP connection managers have these
   * @param tracer {@code bootstrap} or the provider's name; null when tracing is off
   */
  public record ListenerTracing(String listener, String path, int connectionManagers,
      boolean tracing, String tracer, Double randomSampling, Double clientSampling,
      Double overallSampling, List<String> customTags, Boolean spawnUpstreamSpan) {}

  /** A route with a decorator or its own tracing percentages (null: the listener's). */
  public record RouteTracing(String routeConfig, String virtualHost, String match,
      String operation, Double randomSampling, Double clientSampling, Double overallSampling,
      String path) {}
}
