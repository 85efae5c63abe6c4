package io.meshtrace.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.meshtrace.collector.cli.MeshtraceCommand;
import io.meshtrace.collector.config.InvalidConfigException;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.controlplane.slo.alerts.PromQl;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Service level objectives on a running all-in-one server with tenancy: spans of a known error
 * share and latency sent over OTLP/HTTP by two tenants, one sampling at 25 %; {@code /api/slo}
 * answers with the attainment, error budget, budget left and burn rates those spans make, per
 * tenant, estimated and as stored; an objective set through the admin API lies over the file's;
 * and the PrometheusRule {@code meshtrace slo render} writes from the same file reads only
 * series, with label values, that this server's {@code /metrics} has.
 */
class SloEndToEndTest {
  static final String TOKEN = "slo-e2e-admin-token";
  static final String FILE = """
      objectives:
        - name: checkout-availability
          service: checkout
          indicator: availability
          target: 99
        - name: checkout-latency
          service: checkout
          indicator: latency
          threshold: 200ms
          target: 80
          window: 7d
        - name: team-b-checkout
          service: checkout
          tenant: team-b
          indicator: availability
          target: 90
      """;

  static MeshtraceServer server;
  static Path slo;

  @BeforeAll
  static void start() throws Exception {
    slo = Files.createTempFile("meshtrace-slo-", ".yaml");
    Files.writeString(slo, FILE);
    server = TestServers.allInOne("--tenancy", "true", "--jaeger-compact-port", "-1",
        "--jaeger-binary-port", "-1", "--slo", slo.toString(), "--admin-token", TOKEN);
    // team-a: 200 calls sampled at 25 %, so standing for 800: 10 errors, 120 of 50 ms
    // (the errors among them), 60 of 150 ms, 20 of 800 ms.
    List<Span> a = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      long millis = i < 120 ? 50 : i < 180 ? 150 : 800;
      a.add(call(i, millis, i < 10, 0.25));
    }
    // team-b: 50 calls as they are, 1 error, all of 10 ms.
    List<Span> b = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      b.add(call(i, 10, i == 0, 0));
    }
    send("team-a", a);
    send("team-b", b);
    server.storage().flushSpanMetrics().await();
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
    Files.deleteIfExists(slo);
  }

  /** A root span of checkout, ending a minute ago. */
  static Span call(int index, long millis, boolean error, double probability) {
    long end = (System.currentTimeMillis() - 60_000) * 1_000_000;
    byte[] trace = new byte[16];
    java.util.concurrent.ThreadLocalRandom.current().nextBytes(trace);
    trace[0] |= 1;
    Span.Builder span = Span.newBuilder().setTraceId(ByteString.copyFrom(trace))
        .setSpanId(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, (byte) (index >> 8),
            (byte) (index + 1)}))
        .setName("POST /checkout").setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano(end - millis * 1_000_000).setEndTimeUnixNano(end);
    if (error) {
      span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
    }
    if (probability > 0) {
      span.addAttributes(attribute("sampler.type", AnyValue.newBuilder()
          .setStringValue("probabilistic"))).addAttributes(attribute("sampler.param",
          AnyValue.newBuilder().setDoubleValue(probability)));
    }
    return span.build();
  }

  static KeyValue attribute(String key, AnyValue.Builder value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  static void send(String tenant, List<Span> spans) throws Exception {
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder()
            .setResource(Resource.newBuilder().addAttributes(attribute("service.name",
                AnyValue.newBuilder().setStringValue("checkout"))))
            .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(spans)))
        .build();
    HttpResponse<String> sent = TestServers.post(TestServers.url(server, "otlpHttp",
        "/v1/traces"), "application/x-protobuf", request.toByteArray(), "x-scope-orgid", tenant);
    assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
  }

  static JsonObject slo(String tenant, String query) throws Exception {
    HttpResponse<String> answer = TestServers.HTTP.send(HttpRequest.newBuilder(URI.create(
            TestServers.url(server, "query", "/api/slo" + query)))
        .header("x-scope-orgid", tenant).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return new JsonObject(answer.body());
  }

  static Map<String, JsonObject> byName(JsonObject answer) {
    return answer.getJsonArray("objectives").stream().map(o -> (JsonObject) o)
        .collect(Collectors.toMap(o -> o.getString("name"), o -> o,
            (x, y) -> x, java.util.LinkedHashMap::new));
  }

  @Test
  void theAttainmentBudgetAndBurnRatesAreWhatTheSpansMake() throws Exception {
    Map<String, JsonObject> a = byName(slo("team-a", ""));
    assertThat(a).containsOnlyKeys("checkout-availability", "checkout-latency");

    JsonObject availability = a.get("checkout-availability");
    assertThat(availability.getString("source")).isEqualTo("file");
    assertThat(availability.getDouble("total")).isEqualTo(800.0);
    assertThat(availability.getDouble("bad")).isEqualTo(40.0);
    assertThat(availability.getDouble("attainment")).isCloseTo(0.95, within(1e-9));
    assertThat(availability.getDouble("errorBudget")).isCloseTo(0.01, within(1e-12));
    // 5 % bad against a 1 % budget: spent five times over.
    assertThat(availability.getDouble("errorBudgetRemaining")).isCloseTo(-4.0, within(1e-9));
    assertThat(availability.getJsonObject("burnRates").getDouble("1h")).isCloseTo(5.0,
        within(1e-9));
    assertThat(availability.getJsonObject("burnRates").getDouble("6h")).isCloseTo(5.0,
        within(1e-9));
    // The spans are a minute old: every window of the workbook's alerts has them all.
    assertThat(availability.getJsonObject("burnRates").fieldNames())
        .containsExactly("5m", "30m", "1h", "2h", "6h", "1d", "3d");
    availability.getJsonObject("burnRates").forEach(rate -> assertThat((Double) rate.getValue())
        .as(rate.getKey()).isCloseTo(5.0, within(1e-9)));
    // Burning at 5x a 30-day budget: the tickets (3x over 1d/2h, 1x over 3d/6h) fire, the
    // pages (14.4x, 6x) do not.
    assertThat(availability.getJsonArray("alerts")).isEqualTo(new JsonArray("""
        [{"severity": "critical", "longWindow": "1h", "shortWindow": "5m", "factor": 14.4,
          "firing": false},
         {"severity": "critical", "longWindow": "6h", "shortWindow": "30m", "factor": 6.0,
          "firing": false},
         {"severity": "warning", "longWindow": "1d", "shortWindow": "2h", "factor": 3.0,
          "firing": true},
         {"severity": "warning", "longWindow": "3d", "shortWindow": "6h", "factor": 1.0,
          "firing": true}]"""));
    assertThat(availability.getString("status")).isEqualTo("exhausted");
    // The default retention (7 days) keeps less than the 30-day window.
    assertThat(availability.getJsonObject("window").getBoolean("coveredByRetention")).isFalse();

    JsonObject latency = a.get("checkout-latency");
    assertThat(latency.getDouble("total")).isEqualTo(800.0);
    assertThat(latency.getDouble("bad")).isEqualTo(80.0); // the 20 calls of 800 ms
    assertThat(latency.getDouble("attainment")).isCloseTo(0.9, within(1e-9));
    assertThat(latency.getDouble("errorBudgetRemaining")).isCloseTo(0.5, within(1e-9));
    assertThat(latency.getJsonObject("burnRates").getDouble("1h")).isCloseTo(0.5,
        within(1e-9));
    assertThat(latency.getJsonObject("burnRates").getDouble("3d")).isCloseTo(0.5,
        within(1e-9));
    // A 7-day window scales the factors (3.36x, 1.4x, 0.7x, 0.2333x): 0.5x fires the last.
    assertThat(latency.getJsonArray("alerts").stream().map(alert -> (JsonObject) alert)
        .map(alert -> alert.getDouble("factor") + (alert.getBoolean("firing") ? " firing" : "")))
        .containsExactly("3.36", "1.4", "0.7", "0.2333 firing");
    assertThat(latency.getString("status")).isEqualTo("ok");
    assertThat(latency.getJsonObject("window").getBoolean("coveredByRetention")).isTrue();
    assertThat(latency.getJsonObject("objective")).isEqualTo(new JsonObject("""
        {"name": "checkout-latency", "service": "checkout", "spanKind": "server",
         "indicator": "latency", "threshold": "200ms", "target": 80, "window": "7d"}"""));

    Map<String, JsonObject> stored = byName(slo("team-a", "?sampled=true"));
    assertThat(stored.get("checkout-availability").getDouble("total")).isEqualTo(200.0);
    assertThat(stored.get("checkout-availability").getDouble("bad")).isEqualTo(10.0);
    assertThat(stored.get("checkout-latency").getDouble("bad")).isEqualTo(20.0);
    assertThat(stored.get("checkout-latency").getDouble("attainment")).isCloseTo(0.9,
        within(1e-9));
  }

  @Test
  void eachTenantSeesItsOwnTrafficAndOnlyItsOwnObjectives() throws Exception {
    Map<String, JsonObject> b = byName(slo("team-b", ""));
    assertThat(b).containsOnlyKeys("checkout-availability", "checkout-latency",
        "team-b-checkout");
    assertThat(b.get("checkout-availability").getDouble("total")).isEqualTo(50.0);
    assertThat(b.get("checkout-availability").getDouble("attainment")).isCloseTo(0.98,
        within(1e-9));
    assertThat(b.get("checkout-availability").getDouble("errorBudgetRemaining"))
        .isCloseTo(-1.0, within(1e-9));
    assertThat(b.get("checkout-latency").getDouble("bad")).isZero();
    assertThat(b.get("checkout-latency").getDouble("errorBudgetRemaining")).isEqualTo(1.0);
    assertThat(b.get("team-b-checkout").getDouble("errorBudgetRemaining")).isCloseTo(0.8,
        within(1e-9));
    // A tenant without traffic has objectives without data, not someone else's numbers.
    JsonObject none = byName(slo("team-c", "")).get("checkout-availability");
    assertThat(none.getDouble("total")).isZero();
    assertThat(none.getValue("attainment")).isNull();
    assertThat(none.getString("status")).isEqualTo("no_data");
    HttpResponse<String> anonymous = TestServers.get(TestServers.url(server, "query",
        "/api/slo"));
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.body()).contains("missing tenant header x-scope-orgid");
  }

  @Test
  void anObjectiveSetThroughTheAdminApiLiesOverTheFilesAndReadyzSaysWhereTheyCameFrom()
      throws Exception {
    String url = TestServers.url(server, "query", "/api/slo/objectives/checkout-availability");
    HttpResponse<String> put = TestServers.HTTP.send(HttpRequest.newBuilder(URI.create(url))
        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("""
            {"service": "checkout", "indicator": "availability", "target": 90}""")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    try {
      JsonObject replaced = byName(slo("team-a", "")).get("checkout-availability");
      assertThat(replaced.getString("source")).isEqualTo("api");
      assertThat(replaced.getBoolean("overridesFile")).isTrue();
      assertThat(replaced.getDouble("errorBudgetRemaining")).isCloseTo(0.5, within(1e-9));
      String ready = TestServers.get(TestServers.url(server, "admin", "/readyz")).body();
      assertThat(new JsonObject(ready).getJsonObject("checks").getString("slo"))
          .startsWith("ok: file " + slo + ", loaded ").contains("(3 objectives)")
          .endsWith("admin API version " + new JsonObject(put.body()).getLong("version")
              + " (1 objectives)");
    } finally {
      HttpResponse<String> deleted = TestServers.HTTP.send(HttpRequest.newBuilder(URI.create(
          url)).header("Authorization", "Bearer " + TOKEN).DELETE().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    }
    assertThat(byName(slo("team-a", "")).get("checkout-availability").getString("source"))
        .isEqualTo("file");
  }

  @Test
  void anInvalidSloFileStopsTheStartNamingTheSettingFieldAndLine() throws Exception {
    Path bad = Files.createTempFile("meshtrace-bad-slo-", ".yaml");
    try {
      Files.writeString(bad, FILE.replace("target: 99\n", "target: 100\n"));
      assertThatThrownBy(() -> TestServers.allInOne("--slo", bad.toString()))
          .isInstanceOf(InvalidConfigException.class)
          .hasMessage("invalid setting slo: " + bad + ": objectives[0].target: 100 is not a "
              + "percentage above 0 and below 100 (100 would leave no error budget to burn) "
              + "(line 5, column 13)");
    } finally {
      Files.delete(bad);
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void renderFromTheServerTakesTheObjectivesItServesTheAdminApisIncluded() throws Exception {
    String objective = TestServers.url(server, "query", "/api/slo/objectives/checkout-fast");
    HttpResponse<String> put = TestServers.HTTP.send(HttpRequest.newBuilder(URI.create(
            objective)).header("Authorization", "Bearer " + TOKEN)
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("""
            {"service": "checkout", "indicator": "latency", "threshold": "100ms",
             "target": 95}""")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    String base = TestServers.url(server, "query", "");
    try {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int exit = MeshtraceCommand.run(new String[] {"slo", "render", "--from", base,
          "--tenant", "team-a"}, Map.of(), new PrintWriter(out), new PrintWriter(err));
      assertThat(exit).as(err.toString()).isZero();
      Set<String> rendered = new HashSet<>();
      Map<String, Object> rule = new Yaml().load(out.toString());
      for (Map<String, Object> group : (List<Map<String, Object>>) ((Map<String, Object>) rule
          .get("spec")).get("groups")) {
        for (Map<String, Object> r : (List<Map<String, Object>>) group.get("rules")) {
          rendered.add((String) ((Map<String, Object>) r.get("labels")).get("slo"));
        }
      }
      // team-a's: the file's two for every tenant and the admin API's, not team-b's.
      assertThat(rendered).containsExactlyInAnyOrder("checkout-availability",
          "checkout-latency", "checkout-fast");
      assertThat(out.toString()).contains(base + "/api/slo");
    } finally {
      HttpResponse<String> deleted = TestServers.HTTP.send(HttpRequest.newBuilder(URI.create(
              objective)).header("Authorization", "Bearer " + TOKEN).DELETE().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    }

    StringWriter err = new StringWriter();
    assertThat(MeshtraceCommand.run(new String[] {"slo", "render", "--from", base}, Map.of(),
        new PrintWriter(new StringWriter()), new PrintWriter(err))).isEqualTo(3);
    assertThat(err.toString()).contains("GET " + base + "/api/slo answered 401")
        .contains("missing tenant header");
    err = new StringWriter();
    assertThat(MeshtraceCommand.run(new String[] {"slo", "render", "--from",
        "http://127.0.0.1:1"}, Map.of(), new PrintWriter(new StringWriter()),
        new PrintWriter(err))).isEqualTo(3);
    assertThat(err.toString()).startsWith("cannot read http://127.0.0.1:1/api/slo: ");
    err = new StringWriter();
    assertThat(MeshtraceCommand.run(new String[] {"slo", "render", "--from", base, "--slo",
        slo.toString()}, Map.of(), new PrintWriter(new StringWriter()),
        new PrintWriter(err))).isEqualTo(2);
    assertThat(err.toString().strip()).isEqualTo("give --slo FILE or --from URL, not both");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theRenderedRuleReadsOnlySeriesThisServersMetricsHave() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = MeshtraceCommand.run(new String[] {"slo", "render", "--slo", slo.toString()},
        Map.of(), new PrintWriter(out), new PrintWriter(err));
    assertThat(exit).as(err.toString()).isZero();
    String scrape = TestServers.get(TestServers.url(server, "admin", "/metrics")).body();
    List<PromQl.Series> exported = PromQl.series(scrape);
    assertThat(exported).anyMatch(s -> s.metric().equals("traces_span_metrics_calls_total")
        && "team-a".equals(s.labels().get("tenant")));

    Map<String, Object> rule = new Yaml().load(out.toString());
    Set<String> recorded = new HashSet<>();
    List<PromQl.Selector> read = new ArrayList<>();
    for (Map<String, Object> group : (List<Map<String, Object>>) ((Map<String, Object>) rule
        .get("spec")).get("groups")) {
      for (Map<String, Object> r : (List<Map<String, Object>>) group.get("rules")) {
        if (r.containsKey("record")) {
          recorded.add((String) r.get("record"));
        }
        read.addAll(PromQl.selectors((String) r.get("expr")));
      }
    }
    List<PromQl.Selector> fromExport = read.stream()
        .filter(selector -> !recorded.contains(selector.metric())).toList();
    assertThat(fromExport).hasSizeGreaterThan(30);
    for (PromQl.Selector selector : fromExport) {
      assertThat(exported).as(selector.toString()).anyMatch(selector::matches);
    }
  }
}
