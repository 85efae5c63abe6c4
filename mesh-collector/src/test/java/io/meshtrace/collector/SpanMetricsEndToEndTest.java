package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.meshtrace.collector.cli.MeshtraceCommand;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.examples.generator.GeneratedSpan;
import io.meshtrace.examples.generator.GeneratedTrace;
import io.meshtrace.examples.generator.TraceGenerator;
import io.meshtrace.examples.generator.WorkloadOptions;
import io.meshtrace.metrics.LatencyHistogram;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Known traffic from {@code meshtrace gen} (a fixed seed, errors, latency outliers; once sent
 * whole and once head-sampled at 25 %), read back through Jaeger's SPM API: calls, errors and
 * quantiles equal what was sent, within the histogram's stated error; the weighted rates are
 * the traffic's, the {@code sampled=true} ones the stored spans'. And the literal JSON Jaeger's
 * Monitor tab reads, and Jaeger's 400s for bad parameters.
 */
class SpanMetricsEndToEndTest {
  static final int TRACES = 1_500;
  static final double RATE = 5_000;
  static final long SEED = 19;
  /** Minutes ago, whole: every minute of the traffic is closed and written within seconds. */
  static final Instant START = Instant.now().minus(10, ChronoUnit.MINUTES)
      .truncatedTo(ChronoUnit.MINUTES);
  /** A window that holds the whole run: the point at the end of the hour after START. */
  static final long END_TS = START.plus(1, ChronoUnit.HOURS).toEpochMilli();
  static final long RATE_PER = 3_600_000;

  static MeshtraceServer whole;
  static MeshtraceServer sampled;

  @BeforeAll
  static void sendTheTraffic() throws Exception {
    whole = TestServers.allInOne();
    sampled = TestServers.allInOne();
    gen(whole);
    gen(sampled, "--sampling-probability", "0.25");
    whole.storage().flushSpanMetrics().await();
    sampled.storage().flushSpanMetrics().await();
  }

  @AfterAll
  static void stop() {
    whole.stop();
    sampled.stop();
  }

  static WorkloadOptions options() {
    return new WorkloadOptions(6, 3, 3, 0.1, 0.05, SEED);
  }

  static void gen(MeshtraceServer server, String... more) {
    List<String> args = new ArrayList<>(List.of("gen", "--seed", Long.toString(SEED),
        "--traces", Integer.toString(TRACES), "--rate", Double.toString(RATE),
        "--services", "6", "--depth", "3", "--fan-out", "3", "--error-rate", "0.1",
        "--outlier-rate", "0.05", "--start-time", START.toString(), "--protocol", "otlp-http",
        "--endpoint", url(server, "otlpHttp", "/v1/traces"), "--json"));
    args.addAll(List.of(more));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = MeshtraceCommand.run(args.toArray(new String[0]), Map.of(),
        new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(exit).as(err.toString()).isZero();
  }

  /** What the run sent (or, with {@code onlySampled}, what head sampling kept), per series. */
  record Sent(long calls, long errors, List<Long> durations) {}

  static Map<String, Sent> sent(boolean onlySampled, String kind) {
    TraceGenerator generator = new TraceGenerator(options(), onlySampled ? 0.25 : null);
    Map<String, long[]> counts = new TreeMap<>();
    Map<String, List<Long>> durations = new TreeMap<>();
    long startMicros = START.getEpochSecond() * 1_000_000;
    double intervalNanos = 1e9 / RATE;
    for (long i = 0; i < TRACES; i++) {
      if (onlySampled && !generator.sampled(i)) {
        continue;
      }
      GeneratedTrace trace = generator.trace(i, startMicros + Math.round(i * intervalNanos
          / 1000));
      for (GeneratedSpan span : trace.spans()) {
        if (!span.kind().name().equalsIgnoreCase(kind)) {
          continue;
        }
        String key = span.service() + " " + span.name();
        long[] c = counts.computeIfAbsent(key, k -> new long[2]);
        c[0]++;
        c[1] += span.error() ? 1 : 0;
        durations.computeIfAbsent(key, k -> new ArrayList<>()).add(span.durationMicros());
      }
    }
    Map<String, Sent> sent = new TreeMap<>();
    counts.forEach((key, c) -> sent.put(key, new Sent(c[0], c[1], durations.get(key))));
    return sent;
  }

  /** The API's one point for each series, by "service operation". */
  static Map<String, Double> read(MeshtraceServer server, String what, String... more)
      throws Exception {
    Map<String, Double> values = new TreeMap<>();
    for (String service : services()) {
      StringBuilder query = new StringBuilder("/api/metrics/" + what + "?service="
          + URLEncoder.encode(service, StandardCharsets.UTF_8) + "&groupByOperation=true"
          + "&endTs=" + END_TS + "&lookback=60000&step=60000&ratePer=" + RATE_PER);
      for (String parameter : more) {
        query.append('&').append(parameter);
      }
      HttpResponse<String> answer = get(url(server, "query", query.toString()));
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      for (Object metric : new JsonObject(answer.body()).getJsonArray("metrics")) {
        JsonObject m = (JsonObject) metric;
        Map<String, String> labels = new TreeMap<>();
        for (Object label : m.getJsonArray("labels")) {
          labels.put(((JsonObject) label).getString("name"),
              ((JsonObject) label).getString("value"));
        }
        JsonArray points = m.getJsonArray("metricPoints");
        JsonObject last = points.getJsonObject(points.size() - 1);
        assertThat(last.getString("timestamp")).isEqualTo(Instant.ofEpochMilli(END_TS)
            .toString());
        values.put(labels.get("service_name") + " " + labels.get("operation"),
            last.getJsonObject("gaugeValue").getDouble("doubleValue"));
      }
    }
    return values;
  }

  static List<String> services() {
    List<String> services = new ArrayList<>();
    new TraceGenerator(options()).topology().services().forEach(s -> services.add(s.name()));
    return services;
  }

  static double exactQuantile(List<Long> durations, double q) {
    List<Long> sorted = new ArrayList<>(durations);
    sorted.sort(null);
    return sorted.get((int) Math.max(0, Math.ceil(q * sorted.size()) - 1));
  }

  @Test
  void callsErrorsAndQuantilesAreWhatWasSent() throws Exception {
    Map<String, Sent> sent = sent(false, "server");
    assertThat(sent).hasSizeGreaterThan(3);
    Map<String, Double> calls = read(whole, "calls");
    Map<String, Double> errors = read(whole, "errors");
    Map<String, Double> p95 = read(whole, "latencies", "quantile=0.95");
    Map<String, Double> p50 = read(whole, "latencies", "quantile=0.5");
    assertThat(calls.keySet()).containsExactlyInAnyOrderElementsOf(sent.keySet());
    sent.forEach((series, s) -> {
      assertThat(calls.get(series) * RATE_PER / 1000).as(series)
          .isCloseTo(s.calls(), within(1e-6));
      assertThat(errors.get(series)).as(series)
          .isCloseTo((double) s.errors() / s.calls(), within(1e-9));
      for (Map.Entry<Double, Map<String, Double>> q : Map.of(0.95, p95, 0.5, p50).entrySet()) {
        double exact = exactQuantile(s.durations(), q.getKey()) / 1000.0;
        assertThat(q.getValue().get(series)).as("%s p%s", series, q.getKey())
            .isCloseTo(exact, within(exact * LatencyHistogram.RELATIVE_ERROR));
      }
    });
    // The stored counts are the same: no span said a sampling probability.
    assertThat(read(whole, "calls", "sampled=true")).isEqualTo(calls);
  }

  @Test
  void headSampledTrafficIsWeightedBackToItsTrueRates() throws Exception {
    Map<String, Sent> kept = sent(true, "server");
    Map<String, Sent> all = sent(false, "server");
    Map<String, Double> stored = read(sampled, "calls", "sampled=true");
    Map<String, Double> estimated = read(sampled, "calls");
    long keptCalls = 0;
    long allCalls = 0;
    double estimatedCalls = 0;
    for (Map.Entry<String, Sent> series : kept.entrySet()) {
      String key = series.getKey();
      // As stored: exactly the kept spans; estimated: each of them four calls.
      assertThat(stored.get(key) * RATE_PER / 1000).as(key)
          .isCloseTo(series.getValue().calls(), within(1e-6));
      assertThat(estimated.get(key) * RATE_PER / 1000).as(key)
          .isCloseTo(4.0 * series.getValue().calls(), within(1e-6));
      keptCalls += series.getValue().calls();
      estimatedCalls += estimated.get(key) * RATE_PER / 1000;
    }
    for (Sent s : all.values()) {
      allCalls += s.calls();
    }
    // A quarter of the traffic was stored, and the estimate is the traffic's (within the
    // sampling error of ~1,500 traces at 25 %: a few per cent).
    assertThat((double) keptCalls / allCalls).isCloseTo(0.25, within(0.04));
    assertThat(estimatedCalls / allCalls).isCloseTo(1.0, within(0.12));
    // Error rates are shares: the weights cancel.
    Map<String, Double> errors = read(sampled, "errors");
    kept.forEach((key, s) -> assertThat(errors.get(key)).as(key)
        .isCloseTo((double) s.errors() / s.calls(), within(1e-9)));
  }

  @Test
  void theAnswersAreJaegersMetricFamilies() throws Exception {
    String service = services().get(0);
    Instant point = Instant.ofEpochMilli(END_TS);
    HttpResponse<String> calls = get(url(whole, "query", "/api/metrics/calls?service="
        + URLEncoder.encode(service, StandardCharsets.UTF_8) + "&endTs=" + END_TS
        + "&lookback=60000&step=60000&ratePer=" + RATE_PER));
    long serverCalls = sent(false, "server").entrySet().stream()
        .filter(e -> e.getKey().startsWith(service + " ")).mapToLong(e -> e.getValue().calls())
        .sum();
    assertThat(calls.headers().firstValue("content-type")).hasValue(
        "application/json; charset=utf-8");
    assertThat(new JsonObject(calls.body())).isEqualTo(new JsonObject("""
        {"name":"service_call_rate","type":"GAUGE","help":"calls/sec, grouped by service",
         "metrics":[{"labels":[{"name":"service_name","value":"%s"}],
          "metricPoints":[{"gaugeValue":{"doubleValue":%s},"timestamp":"%s"},
                          {"gaugeValue":{"doubleValue":%s},"timestamp":"%s"}]}]}"""
        .formatted(service, serverCalls / 3600.0, point.minusSeconds(60), serverCalls / 3600.0,
            point)));

    HttpResponse<String> latencies = get(url(whole, "query", "/api/metrics/latencies?service="
        + URLEncoder.encode(service, StandardCharsets.UTF_8) + "&quantile=0.95"
        + "&groupByOperation=true&endTs=" + END_TS + "&lookback=120000&step=60000"
        + "&ratePer=" + RATE_PER));
    JsonObject family = new JsonObject(latencies.body());
    assertThat(family.getString("name")).isEqualTo("service_operation_latencies");
    assertThat(family.getString("help"))
        .isEqualTo("0.95th quantile latency, grouped by service & operation");
    JsonObject first = family.getJsonArray("metrics").getJsonObject(0);
    assertThat(first.getJsonArray("labels").getJsonObject(1).getString("name"))
        .isEqualTo("operation");
    // A point a step from endTs - lookback to endTs, both included (as Prometheus's range
    // queries that Jaeger's reader makes).
    assertThat(first.getJsonArray("metricPoints")).extracting(p -> ((JsonObject) p)
        .getString("timestamp")).containsExactly(point.minusSeconds(120).toString(),
            point.minusSeconds(60).toString(), point.toString());

    HttpResponse<String> errors = get(url(whole, "query", "/api/metrics/errors?service="
        + "nobody&endTs=" + END_TS));
    assertThat(new JsonObject(errors.body())).isEqualTo(new JsonObject("""
        {"name":"service_error_rate","type":"GAUGE","help":"error rate, computed as a fraction \
        of errors/sec over calls/sec, grouped by service","metrics":[]}"""));

    assertThat(new JsonObject(get(url(whole, "query", "/api/metrics/minstep")).body()))
        .isEqualTo(new JsonObject("""
            {"data":60000,"total":0,"limit":0,"offset":0,"errors":null}"""));
  }

  @Test
  void prometheusHasTheSpanmetricsConnectorsSeriesForWhatWasStored() throws Exception {
    String metrics = get(url(sampled, "admin", "/metrics")).body();
    java.util.regex.Pattern series = java.util.regex.Pattern.compile(
        "(?m)^traces_span_metrics_(sampled_)?calls_total\\{service_name=\"([^\"]*)\","
            + "span_name=\"([^\"]*)\",span_kind=\"SPAN_KIND_SERVER\","
            + "status_code=\"(STATUS_CODE_[A-Z]+)\"\\} (\\S+)$");
    Map<String, double[]> exported = new TreeMap<>();
    java.util.regex.Matcher line = series.matcher(metrics);
    while (line.find()) {
      double[] sums = exported.computeIfAbsent(line.group(2) + " " + line.group(3),
          k -> new double[2]);
      sums[line.group(1) == null ? 0 : 1] += Double.parseDouble(line.group(5));
    }
    Map<String, Sent> kept = sent(true, "server");
    assertThat(exported.keySet()).containsExactlyInAnyOrderElementsOf(kept.keySet());
    kept.forEach((key, s) -> {
      assertThat(exported.get(key)[1]).as(key).isEqualTo((double) s.calls());
      assertThat(exported.get(key)[0]).as(key).isCloseTo(4.0 * s.calls(), within(1e-6));
    });
    assertThat(metrics).contains("# TYPE traces_span_metrics_duration_milliseconds histogram")
        .containsPattern("traces_span_metrics_duration_milliseconds_bucket\\{service_name=\"[^\"]+\","
            + "span_name=\"[^\"]+\",span_kind=\"SPAN_KIND_SERVER\",status_code=\"STATUS_CODE_"
            + "[A-Z]+\",le=\"\\+Inf\"\\}");
  }

  @Test
  void badParametersGetJaegersFourHundreds() throws Exception {
    Map<String, String> refused = new TreeMap<>(Map.of(
        "/api/metrics/calls", "unable to parse param 'service': please provide at least one "
            + "service name",
        "/api/metrics/latencies?service=a", "unable to parse param 'quantile': not a number: ''",
        "/api/metrics/latencies?service=a&quantile=1.5",
        "unable to parse param 'quantile': must be between 0 and 1, not 1.5",
        "/api/metrics/calls?service=a&endTs=yesterday",
        "unable to parse param 'endTs': not an integer: yesterday",
        "/api/metrics/calls?service=a&lookback=-5",
        "unable to parse param 'lookback': must not be negative: -5",
        "/api/metrics/errors?service=a&spanKind=SPAN_KIND_SIDEWAYS",
        "unable to parse param 'spanKind': unsupported span kind: 'SPAN_KIND_SIDEWAYS'",
        "/api/metrics/calls?service=a&groupByOperation=maybe",
        "unable to parse param 'groupByOperation': ",
        "/api/metrics/calls?service=a&step=1&lookback=2592000000",
        "unable to parse param 'step': lookback 2592000000 ms in steps of 60000 ms are more "
            + "than 20000 points; use a longer step"));
    for (Map.Entry<String, String> request : refused.entrySet()) {
      HttpResponse<String> answer = get(url(whole, "query", request.getKey()));
      assertThat(answer.statusCode()).as(request.getKey()).isEqualTo(400);
      JsonObject body = new JsonObject(answer.body());
      assertThat(body.getValue("data")).isNull();
      assertThat(body.getJsonArray("errors").getJsonObject(0).getInteger("code"))
          .isEqualTo(400);
      assertThat(body.getJsonArray("errors").getJsonObject(0).getString("msg"))
          .as(request.getKey()).startsWith(request.getValue());
    }
    // Both forms of a span kind are taken: Jaeger's and its UI's.
    for (String kind : List.of("SPAN_KIND_SERVER", "server", "client")) {
      assertThat(get(url(whole, "query", "/api/metrics/calls?service=a&spanKind=" + kind))
          .statusCode()).as(kind).isEqualTo(200);
    }
  }
}
