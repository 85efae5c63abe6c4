package io.meshtrace.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SpanMetricsAggregatorTest {
  static final long MINUTE = 60_000;
  static final int SERVER = 2;
  static final int CLIENT = 3;
  static final int UNSET = 0;
  static final int ERROR = 2;
  final AtomicLong now = new AtomicLong(1_000 * MINUTE);
  final SpanMetricsExport export = new SpanMetricsExport();
  final SpanMetricsAggregator aggregator = new SpanMetricsAggregator(
      new SpanMetricsAggregator.Settings(3, Duration.ofSeconds(30), 100, 1_000), now::get,
      export);

  /** A span starting {@code secondsIntoMinute} into the current minute. */
  void span(String service, String operation, int kind, int status, long trace,
      double probability, long durationMicros) {
    long minuteStart = Math.floorDiv(now.get(), MINUTE) * MINUTE;
    aggregator.record("", service, operation, kind, status, minuteStart * 1000 + 5_000_000,
        durationMicros, 0, trace, probability);
  }

  RedMetrics only(SortedMap<SpanMetricsKey, RedMetrics> minutes, String service,
      String operation) {
    return minutes.entrySet().stream().filter(e -> e.getKey().service().equals(service)
        && e.getKey().operation().equals(operation)).map(SortedMap.Entry::getValue)
        .reduce((a, b) -> {
          a.merge(b);
          return a;
        }).orElseThrow();
  }

  @Test
  void minutesAreTakenOnceTheyAreClosedAndTheirLateSpansMayCome() {
    span("checkout", "GET /cart", SERVER, UNSET, 1, -1, 1_000);
    assertThat(aggregator.takeClosed()).isEmpty();
    now.addAndGet(MINUTE + 29_000);
    assertThat(aggregator.takeClosed()).isEmpty();
    now.addAndGet(1_000);
    SortedMap<SpanMetricsKey, RedMetrics> closed = aggregator.takeClosed();
    assertThat(closed).hasSize(1);
    assertThat(only(closed, "checkout", "GET /cart").calls()).isEqualTo(1);
    assertThat(aggregator.takeClosed()).isEmpty();
  }

  @Test
  void spansAreWeightedByTheProbabilityTheirTraceSays() {
    // OpenTelemetry's threshold is on every span: weighted at once.
    span("cart", "get", SERVER, UNSET, 1, 0.25, 2_000);
    span("cart", "get", SERVER, ERROR, 1, 0.25, 2_000);
    // A Jaeger client's children come before the root that carries the sampler tags.
    span("cart", "get", SERVER, UNSET, 2, -1, 3_000);
    span("cart", "get", SERVER, ERROR, 2, -1, 3_000);
    assertThat(aggregator.deferredSpans()).isEqualTo(2);
    span("front", "GET /", SERVER, UNSET, 2, 0.1, 9_000);
    assertThat(aggregator.deferredSpans()).isZero();
    // Later spans of a trace that said are weighted by what it said.
    span("cart", "get", CLIENT, UNSET, 2, -1, 1_000);
    // A span whose trace never says counts 1, when its minute closes.
    span("cart", "get", SERVER, UNSET, 3, -1, 3_000);
    assertThat(aggregator.deferredSpans()).isEqualTo(1);
    SortedMap<SpanMetricsKey, RedMetrics> all = aggregator.takeAll();
    assertThat(aggregator.deferredSpans()).isZero();
    RedMetrics cartServer = all.get(all.keySet().stream().filter(k -> k.service().equals("cart")
        && k.spanKind() == SERVER).findFirst().orElseThrow());
    assertThat(cartServer.calls()).isEqualTo(5);
    assertThat(cartServer.errors()).isEqualTo(2);
    assertThat(cartServer.estimatedCalls()).isCloseTo(4 + 4 + 10 + 10 + 1, within(1e-9));
    assertThat(cartServer.estimatedErrors()).isCloseTo(4 + 10, within(1e-9));
    assertThat(cartServer.latency().count()).isEqualTo(5);
    assertThat(cartServer.latency().weightedCount()).isCloseTo(29, within(1e-9));
    assertThat(aggregator.weightedSpans()).isEqualTo(6);
    assertThat(aggregator.spans()).isEqualTo(7);
  }

  record Stored(String tenant, String service, String operation, int spanKind, int statusCode,
      long startMicros, long durationMicros, long traceIdHigh, long traceIdLow,
      double samplingProbability) implements SpanMetricsAggregator.StoredSpan {}

  Stored stored(String service, long trace, double probability, int status) {
    long minuteStart = Math.floorDiv(now.get(), MINUTE) * MINUTE;
    return new Stored("", service, "get", SERVER, status, minuteStart * 1000 + 5_000_000, 2_000,
        0, trace, probability);
  }

  @Test
  void aBatchsSpansAreWeightedByTheRootThatCameWithThemNotHeldBack() {
    // A Jaeger client's batch: the root, with the sampler tags, last.
    aggregator.recordAll(List.of(stored("cart", 7, -1, UNSET), stored("cart", 7, -1, ERROR),
        stored("db", 8, -1, UNSET), stored("front", 7, 0.2, UNSET)));
    assertThat(aggregator.deferredSpans()).as("trace 8 has not said").isEqualTo(1);
    assertThat(aggregator.spans()).isEqualTo(4);
    assertThat(aggregator.weightedSpans()).isEqualTo(3);
    aggregator.recordAll(List.of(stored("db", 8, 0.5, UNSET)));
    assertThat(aggregator.deferredSpans()).isZero();
    SortedMap<SpanMetricsKey, RedMetrics> all = aggregator.takeAll();
    RedMetrics cart = only(all, "cart", "get");
    assertThat(cart.calls()).isEqualTo(2);
    assertThat(cart.estimatedCalls()).isCloseTo(10, within(1e-9));
    assertThat(cart.estimatedErrors()).isCloseTo(5, within(1e-9));
    assertThat(only(all, "front", "get").estimatedCalls()).isCloseTo(5, within(1e-9));
    assertThat(only(all, "db", "get").estimatedCalls()).isCloseTo(4, within(1e-9));

    // More children than may be held back (100 here) still get their root's weight.
    List<Stored> big = new java.util.ArrayList<>();
    for (int i = 0; i < 150; i++) {
      big.add(stored("cart", 9, -1, UNSET));
    }
    big.add(stored("front", 9, 0.5, UNSET));
    aggregator.recordAll(big);
    assertThat(aggregator.deferredOverflow()).isZero();
    assertThat(only(aggregator.takeAll(), "cart", "get").estimatedCalls())
        .isCloseTo(300, within(1e-9));
  }

  @Test
  void spansOfTenantsThatNeverSendProbabilitiesAreNotHeldBackForLong() {
    // Sidecars' Zipkin spans carry no probability: a new tenant's are held back at first...
    span("reviews", "GET /reviews", SERVER, UNSET, 8, -1, 4_000);
    assertThat(aggregator.deferredSpans()).isEqualTo(1);
    aggregator.takeAll();
    // ...but ten minutes without any probability later, no more.
    now.addAndGet(10 * MINUTE);
    span("reviews", "GET /reviews", SERVER, UNSET, 9, -1, 4_000);
    assertThat(aggregator.deferredSpans()).isZero();
    assertThat(only(aggregator.takeAll(), "reviews", "GET /reviews").estimatedCalls())
        .isEqualTo(1);
  }

  @Test
  void heldBackSpansAreBoundedAndCountedWhenTheBoundIsReached() {
    span("front", "GET /", SERVER, UNSET, 1, 0.5, 1_000);
    for (int i = 0; i < 150; i++) {
      span("cart", "get", SERVER, UNSET, 100 + i, -1, 1_000);
    }
    assertThat(aggregator.deferredSpans()).isEqualTo(100);
    assertThat(aggregator.deferredOverflow()).isEqualTo(50);
    assertThat(only(aggregator.takeAll(), "cart", "get").calls()).isEqualTo(150);
  }

  @Test
  void aServicesOperationsPastTheBoundAreCountedAsOther() {
    for (String operation : new String[] {"a", "b", "c", "d", "e"}) {
      span("api", operation, SERVER, UNSET, 1, -1, 1_000);
    }
    span("api", "a", SERVER, UNSET, 1, -1, 1_000);
    SortedMap<SpanMetricsKey, RedMetrics> minutes = aggregator.takeAll();
    assertThat(minutes.keySet()).extracting(SpanMetricsKey::operation)
        .containsExactly("a", "b", "c", SpanMetricsAggregator.OTHER);
    assertThat(only(minutes, "api", SpanMetricsAggregator.OTHER).calls()).isEqualTo(2);
    assertThat(aggregator.limitedSpans()).isEqualTo(2);
    // An hour later, operations without calls give their place up.
    now.addAndGet(61 * MINUTE);
    span("api", "a", SERVER, UNSET, 1, -1, 1_000);
    now.addAndGet(61 * MINUTE);
    span("api", "x", SERVER, UNSET, 1, -1, 1_000);
    span("api", "y", SERVER, UNSET, 1, -1, 1_000);
    assertThat(aggregator.takeAll().keySet()).extracting(SpanMetricsKey::operation)
        .contains("a", "x", "y");
  }

  @Test
  void minutesPutBackAfterAFailedWriteGoWithTheNextOnes() {
    span("cart", "get", SERVER, UNSET, 1, -1, 1_000);
    SortedMap<SpanMetricsKey, RedMetrics> taken = aggregator.takeAll();
    span("cart", "get", SERVER, UNSET, 1, -1, 1_000);
    aggregator.putBack(taken);
    assertThat(only(aggregator.takeAll(), "cart", "get").calls()).isEqualTo(2);
  }

  @Test
  void theExportHasTheSpanmetricsConnectorsNamesAndLabels() {
    span("cart", "get \"item\"", SERVER, ERROR, 1, 0.5, 3_000);
    span("cart", "get \"item\"", SERVER, ERROR, 2, -1, 700_000);
    // The second is held back for its trace's probability until its minute is taken.
    aggregator.takeAll();
    StringBuilder text = new StringBuilder();
    export.write(text);
    String labels = "service_name=\"cart\",span_name=\"get \\\"item\\\"\","
        + "span_kind=\"SPAN_KIND_SERVER\",status_code=\"STATUS_CODE_ERROR\"";
    assertThat(text.toString())
        .contains("# TYPE traces_span_metrics_calls_total counter\n")
        .contains("traces_span_metrics_calls_total{" + labels + "} 3\n")
        .contains("traces_span_metrics_sampled_calls_total{" + labels + "} 2\n")
        .contains("# TYPE traces_span_metrics_duration_milliseconds histogram\n")
        .contains("traces_span_metrics_duration_milliseconds_bucket{" + labels
            + ",le=\"2\"} 0\n")
        .contains("traces_span_metrics_duration_milliseconds_bucket{" + labels
            + ",le=\"4\"} 2\n")
        .contains("traces_span_metrics_duration_milliseconds_bucket{" + labels
            + ",le=\"800\"} 3\n")
        .contains("traces_span_metrics_duration_milliseconds_bucket{" + labels
            + ",le=\"+Inf\"} 3\n")
        .contains("traces_span_metrics_duration_milliseconds_count{" + labels + "} 3\n")
        .contains("traces_span_metrics_duration_milliseconds_sum{" + labels + "} 706\n")
        .contains("traces_span_metrics_sampled_duration_milliseconds_sum{" + labels
            + "} 703\n");
  }
}
