package io.meshtrace.controlplane.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the extraction tells the checks besides the tracing itself (which {@link
 * ProxyConfigDoctorTest} pins): whose proxy it is and how much of it the input shows, for each
 * shape of input in ../shared/fixtures.
 */
class ProxyTracingExtractorTest {
  static ProxyTracing extract(String fixture) throws Exception {
    return ProxyTracingExtractor.extract(ProxyConfigInput.read(Fixtures.read(fixture)));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(nullValues = "none", textBlock = """
      # Envoy's own example: a bootstrap with static listeners and clusters
      envoy/zipkin_envoy-front-proxy.yaml,                    false, '',        true,  true
      # ISTIO_VERSION in the node metadata; the listeners come over LDS
      istio/bootstrap_tracing_zipkin_golden.json,             true,  '',        false, true
      # istioctl's output: Istio's, always over LDS, no static_resources in this one
      istio/istioctl_bootstrap_output_camelcase.json,         true,  bootstrap, false, false
      # listeners alone (virtualInbound...): no bootstrap, no clusters
      istio/sidecar_configdump_hcm_random_sampling_1.json,    true,  none,      true,  false
      # a whole config dump
      istio/waypoint_configdump_hcm_random_sampling_100.json, true, configs[0].bootstrap, true, true
      """)
  void whoseProxyAndHowMuchOfItTheInputShows(String fixture, boolean istio,
      String bootstrapPath, boolean listenersComplete, boolean clustersKnown) throws Exception {
    ProxyTracing tracing = extract(fixture);

    assertThat(tracing.istio()).as("istio").isEqualTo(istio);
    assertThat(tracing.bootstrapPath()).as("bootstrapPath").isEqualTo(bootstrapPath);
    assertThat(tracing.listenersComplete()).as("listenersComplete").isEqualTo(listenersComplete);
    assertThat(tracing.clustersKnown()).as("clustersKnown").isEqualTo(clustersKnown);
  }

  @Test
  void theBootstrapsTracerIsTheOneFromTracingHttpNotAListenersProvider() throws Exception {
    ProxyTracing golden = extract("istio/bootstrap_tracing_zipkin_golden.json");
    assertThat(golden.bootstrapTracer()).isSameAs(golden.tracers().get(0));
    assertThat(golden.bootstrapTracer().path()).isEqualTo("tracing.http.typed_config");

    ProxyTracing frontProxy = extract("envoy/zipkin_envoy-front-proxy.yaml");
    assertThat(frontProxy.tracers()).singleElement()
        .satisfies(t -> assertThat(t.source()).isEqualTo("listener 0.0.0.0:10000"));
    assertThat(frontProxy.bootstrapTracer()).isNull();
  }

  @Test
  void percentagesAreReadFromEnvoysPercentAndFractionalPercent() {
    assertThat(ProxyTracingExtractor.percent(Map.of("value", 2.5))).isEqualTo(2.5);
    assertThat(ProxyTracingExtractor.percent(Map.of())).isEqualTo(0.0);
    assertThat(ProxyTracingExtractor.percent(null)).isNull();
    assertThat(ProxyTracingExtractor.fractionalPercent(Map.of("numerator", 1000,
        "denominator", "MILLION"))).isEqualTo(0.1);
    assertThat(ProxyTracingExtractor.fractionalPercent(Map.of("numerator", 25)))
        .isEqualTo(25.0);
    assertThat(ProxyTracingExtractor.fractionalPercent(Map.of("numerator", 2500,
        "denominator", 1))).isEqualTo(25.0);
  }
}
