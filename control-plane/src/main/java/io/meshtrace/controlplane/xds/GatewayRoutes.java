package io.meshtrace.controlplane.xds;

import java.util.List;
import java.util.Objects;

/**
 * What the edge-gateway Envoy is given besides sampling: where it listens, how it reaches
 * meshtrace's Zipkin collector, its routes and its upstream clusters. Read from
 * {@code --gateway-routes FILE} by {@link GatewayRoutesFile}, which has already checked it.
 *
 * @param collector null when the file names none: meshtrace's own Zipkin port on 127.0.0.1
 */
public record GatewayRoutes(Listener listener, Collector collector, List<Route> routes,
    List<Cluster> clusters) {
  public GatewayRoutes {
    Objects.requireNonNull(listener, "listener");
    routes = List.copyOf(routes);
    clusters = List.copyOf(clusters);
  }

  public record Listener(String address, int port) {}

  /** How spans are sent to the collector, named as Envoy's {@code collector_endpoint_version}. */
  public enum Encoding { HTTP_PROTO, HTTP_JSON }

  public record Collector(Endpoint address, Encoding encoding) {}

  /** @param host {@code *} or one domain; routes of one host make one virtual host */
  public record Route(String host, String prefix, String cluster, String operation) {}

  public record Cluster(String name, List<Endpoint> endpoints) {
    public Cluster {
      endpoints = List.copyOf(endpoints);
    }
  }

  /** A {@code host:port}; the host a DNS name or an IP address. */
  public record Endpoint(String host, int port) {
    /** True for an IPv4 or IPv6 literal, which Envoy takes as is (a STATIC cluster). */
    public boolean isIpAddress() {
      return host.matches("\\d{1,3}(\\.\\d{1,3}){3}") || host.contains(":");
    }

    @Override
    public String toString() {
      return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
  }
}
