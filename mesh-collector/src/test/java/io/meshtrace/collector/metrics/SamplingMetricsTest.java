package io.meshtrace.collector.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sampling meters as Prometheus reads them: bounded service labels, adaptive gauges. */
class SamplingMetricsTest {
  final PrometheusMeterRegistry registry = Metrics.registry();
  final SamplingMetrics metrics = new SamplingMetrics(registry);

  @Test
  void requestsAreCountedByServiceUpToACapThenAsOther() {
    for (int i = 0; i < SamplingMetrics.MAX_SERVICES + 20; i++) {
      metrics.strategyRequest("grpc", "svc-" + i, "ok");
    }
    metrics.strategyRequest("grpc", "svc-0", "ok");
    metrics.strategyRequest("sampling", null, "bad_request");
    String text = registry.scrape();
    assertThat(text).contains(
        "meshtrace_sampling_strategy_requests_total{endpoint=\"grpc\",outcome=\"ok\","
            + "service=\"svc-0\"} 2.0");
    assertThat(text).contains(
        "meshtrace_sampling_strategy_requests_total{endpoint=\"grpc\",outcome=\"ok\","
            + "service=\"other\"} 20.0");
    assertThat(text).doesNotContain("service=\"svc-" + SamplingMetrics.MAX_SERVICES + "\"");
    assertThat(text).contains("meshtrace_sampling_strategy_requests_total{endpoint=\"sampling\","
        + "outcome=\"bad_request\",service=\"\"} 1.0");
  }

  @Test
  void adaptiveProbabilitiesAreGaugesReplacedOnEveryRead() {
    metrics.adaptiveProbabilities(Map.of("shop", Map.of("GET /", 0.25, "POST /pay", 0.5)));
    metrics.adaptiveProbabilities(Map.of("shop", Map.of("GET /", 0.125)));
    String text = registry.scrape();
    assertThat(text).contains("meshtrace_sampling_adaptive_probability{operation=\"GET /\","
        + "service=\"shop\"} 0.125");
    assertThat(text).doesNotContain("POST /pay");
  }
}
