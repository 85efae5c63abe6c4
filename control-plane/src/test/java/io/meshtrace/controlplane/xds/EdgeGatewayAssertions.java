package io.meshtrace.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.Map;

/** What an Envoy edge node must get, checked field by field; also used by mesh-collector's tests. */
public final class EdgeGatewayAssertions {
  static final FractionalPercent MILLION_OF_MILLION = FractionalPercent.newBuilder()
      .setNumerator(1_000_000).setDenominator(FractionalPercent.DenominatorType.MILLION).build();

  private EdgeGatewayAssertions() {}

  /**
   * Every tracing field of the listener and routes, and the sampling of each route.
   *
   * @param unmatchedPerMillion the listener's random_sampling, for requests no route matches
   */
  public static void assertTracing(EdgeGatewaySnapshot.Resources resources,
      ZipkinConfig.CollectorEndpointVersion encoding, String collectorHost,
      int unmatchedPerMillion, Map<String, Integer> perMillionByOperation) throws Exception {
    Listener listener = resources.listeners().get(0);
    HttpConnectionManager manager = listener.getFilterChains(0).getFilters(0).getTypedConfig()
        .unpack(HttpConnectionManager.class);
    assertThat(manager.getRds().getRouteConfigName())
        .isEqualTo(EdgeGatewaySnapshot.ROUTE_CONFIGURATION);
    assertThat(manager.getRds().getConfigSource().hasAds()).isTrue();
    HttpConnectionManager.Tracing tracing = manager.getTracing();
    assertThat(tracing.getProvider().getName()).isEqualTo("envoy.tracers.zipkin");
    ZipkinConfig zipkin = tracing.getProvider().getTypedConfig().unpack(ZipkinConfig.class);
    assertThat(zipkin.getCollectorCluster()).isEqualTo("meshtrace-collector");
    assertThat(zipkin.getCollectorEndpoint()).isEqualTo("/api/v2/spans");
    assertThat(zipkin.getCollectorEndpointVersion()).isEqualTo(encoding);
    assertThat(zipkin.getCollectorHostname()).isEqualTo(collectorHost);
    assertThat(zipkin.getTraceId128Bit()).isTrue();
    assertThat(zipkin.hasSharedSpanContext()).isTrue();
    assertThat(zipkin.getSharedSpanContext().getValue()).isFalse();
    assertThat(tracing.hasSpawnUpstreamSpan()).isTrue();
    assertThat(tracing.getSpawnUpstreamSpan().getValue()).isTrue();
    assertThat(tracing.hasRandomSampling()).isTrue();
    assertThat(tracing.getRandomSampling().getValue()).isEqualTo(unmatchedPerMillion / 10_000.0);
    assertThat(tracing.hasClientSampling()).isTrue();
    assertThat(tracing.getClientSampling().getValue()).isEqualTo(100.0);
    assertThat(tracing.hasOverallSampling()).isTrue();
    assertThat(tracing.getOverallSampling().getValue()).isEqualTo(100.0);
    assertThat(resources.clusters()).extracting(Cluster::getName).contains("meshtrace-collector");

    Map<String, Integer> seen = new java.util.HashMap<>();
    for (var host : resources.routes().get(0).getVirtualHostsList()) {
      for (Route route : host.getRoutesList()) {
        assertThat(route.getDecorator().getOperation()).isNotEmpty();
        assertThat(route.getTracing().hasRandomSampling()).isTrue();
        assertThat(route.getTracing().getRandomSampling().getDenominator())
            .isEqualTo(FractionalPercent.DenominatorType.MILLION);
        assertThat(route.getTracing().getClientSampling()).isEqualTo(MILLION_OF_MILLION);
        assertThat(route.getTracing().getOverallSampling()).isEqualTo(MILLION_OF_MILLION);
        assertThat(route.getTracing().getClientSampling().getDenominator())
            .isEqualTo(FractionalPercent.DenominatorType.MILLION);
        seen.put(route.getDecorator().getOperation(),
            route.getTracing().getRandomSampling().getNumerator());
      }
    }
    assertThat(seen).isEqualTo(perMillionByOperation);
  }
}
