package io.meshtrace.query.jaeger;

import static io.meshtrace.query.TestTraces.A;
import static io.meshtrace.query.TestTraces.B;
import static io.meshtrace.query.TestTraces.C;
import static io.meshtrace.query.TestTraces.D;
import static io.meshtrace.query.TestTraces.E;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.query.QueryApiServer;
import io.meshtrace.query.TestTraces;
import io.meshtrace.query.adjust.TraceAdjusters;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Jaeger's v1 JSON API over real HTTP against real storage holding {@link TestTraces}; answers
 * are compared with literal documents, as Jaeger's query service writes them.
 */
class JaegerQueryApiTest {
  static QueryApiServer server;

  @BeforeAll
  static void start() {
    server = new QueryApiServer(TestTraces.NOW, (router, store, clock) ->
        new JaegerQueryApi(store, TraceAdjusters.standard(Duration.ofSeconds(1)), clock)
            .mount(router));
    server.store(TestTraces.all());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static QueryApiServer.Response get(String pathAndQuery) throws Exception {
    return server.get(pathAndQuery);
  }

  static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  static JsonObject json(String text) {
    return new JsonObject(text);
  }

  /** The trace IDs of a search answer, after checking the envelope of a successful search. */
  static List<String> traceIds(String query) throws Exception {
    QueryApiServer.Response response = get("/api/traces?" + query);
    assertThat(response.status()).as(response.text()).isEqualTo(200);
    JsonObject body = (JsonObject) response.json();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("data", "total", "limit", "offset",
        "errors");
    assertThat(body.getValue("errors")).isNull();
    List<String> ids = new ArrayList<>();
    for (Object trace : body.getJsonArray("data")) {
      ids.add(((JsonObject) trace).getString("traceID"));
    }
    return ids;
  }

  // --- services and operations --------------------------------------------------------------

  @Test
  void servicesAreListedSorted() throws Exception {
    QueryApiServer.Response response = get("/api/services");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.contentType()).startsWith("application/json");
    assertThat(response.json()).isEqualTo(json("""
        {"data": ["api", "backend", "edge", "frontend", "payments", "web"],
         "total": 6, "limit": 0, "offset": 0, "errors": null}"""));
  }

  @Test
  void operationsOfAServiceByNameOnly() throws Exception {
    assertThat(get("/api/services/frontend/operations").json()).isEqualTo(json("""
        {"data": ["charge", "get /cart", "get /home"],
         "total": 3, "limit": 0, "offset": 0, "errors": null}"""));
    assertThat(get("/api/services/nobody/operations").json()).isEqualTo(json("""
        {"data": [], "total": 0, "limit": 0, "offset": 0, "errors": null}"""));
  }

  @Test
  void operationsWithTheirSpanKinds() throws Exception {
    assertThat(get("/api/operations?service=frontend").json()).isEqualTo(json("""
        {"data": [{"name": "charge", "spanKind": "client"},
                  {"name": "get /cart", "spanKind": "server"},
                  {"name": "get /home", "spanKind": "server"}],
         "total": 3, "limit": 0, "offset": 0, "errors": null}"""));
    assertThat(get("/api/operations?service=frontend&spanKind=server").json()).isEqualTo(json("""
        {"data": [{"name": "get /cart", "spanKind": "server"},
                  {"name": "get /home", "spanKind": "server"}],
         "total": 2, "limit": 0, "offset": 0, "errors": null}"""));
    // A span sent without a kind: "" as in Jaeger.
    assertThat(get("/api/operations?service=payments").json()).isEqualTo(json("""
        {"data": [{"name": "charge", "spanKind": "server"},
                  {"name": "reconcile", "spanKind": ""}],
         "total": 2, "limit": 0, "offset": 0, "errors": null}"""));
    assertThat(get("/api/operations?service=payments&spanKind=producer").json()).isEqualTo(json("""
        {"data": [], "total": 0, "limit": 0, "offset": 0, "errors": null}"""));
  }

  // --- traces by ID ---------------------------------------------------------------------------

  static final String TRACE_A = """
      {"traceID": "5b8efff798038103d269b633813fc60c",
       "spans": [
         {"traceID": "5b8efff798038103d269b633813fc60c", "spanID": "0000000000000001",
          "operationName": "get /cart", "references": [],
          "startTime": 1735689600000000, "duration": 10000,
          "tags": [
            {"key": "otel.scope.name", "type": "string", "value": "tomcat"},
            {"key": "otel.scope.version", "type": "string", "value": "1.0"},
            {"key": "http.status_code", "type": "int64", "value": 200},
            {"key": "customer", "type": "string", "value": "it's 100%_ \\"ü\\" {\\"json\\": [1]} \\\\ ✓"},
            {"key": "url", "type": "string", "value": "http://cart:8080/a?q=1&r=%20"},
            {"key": "span.kind", "type": "string", "value": "server"}],
          "logs": [], "processID": "p1", "warnings": null},
         {"traceID": "5b8efff798038103d269b633813fc60c", "spanID": "0000000000000002",
          "operationName": "charge",
          "references": [{"refType": "CHILD_OF", "traceID": "5b8efff798038103d269b633813fc60c",
                          "spanID": "0000000000000001"}],
          "startTime": 1735689600001000, "duration": 5000,
          "tags": [
            {"key": "otel.scope.name", "type": "string", "value": "tomcat"},
            {"key": "otel.scope.version", "type": "string", "value": "1.0"},
            {"key": "peer.service", "type": "string", "value": "payments"},
            {"key": "span.kind", "type": "string", "value": "client"}],
          "logs": [], "processID": "p1", "warnings": null},
         {"traceID": "5b8efff798038103d269b633813fc60c", "spanID": "0000000000000003",
          "operationName": "charge",
          "references": [
            {"refType": "CHILD_OF", "traceID": "5b8efff798038103d269b633813fc60c",
             "spanID": "0000000000000002"},
            {"refType": "FOLLOWS_FROM", "traceID": "463ac35c9f6413ad",
             "spanID": "0000000000000005"}],
          "startTime": 1735689600002000, "duration": 3000,
          "tags": [{"key": "span.kind", "type": "string", "value": "server"}],
          "logs": [{"timestamp": 1735689600003000, "fields": [
            {"key": "event", "type": "string", "value": "charged"},
            {"key": "amount", "type": "float64", "value": 12.5}]}],
          "processID": "p2", "warnings": null}],
       "processes": {
         "p1": {"serviceName": "frontend",
                "tags": [{"key": "k8s.pod.name", "type": "string", "value": "frontend-1"}]},
         "p2": {"serviceName": "payments", "tags": []}},
       "warnings": null}""";

  static final String TRACE_B = """
      {"traceID": "463ac35c9f6413ad",
       "spans": [
         {"traceID": "463ac35c9f6413ad", "spanID": "0000000000000005",
          "operationName": "get /home", "references": [],
          "startTime": 1735689660000000, "duration": 30000,
          "tags": [
            {"key": "otel.scope.name", "type": "string", "value": "tomcat"},
            {"key": "otel.scope.version", "type": "string", "value": "1.0"},
            {"key": "http.status_code", "type": "int64", "value": 500},
            {"key": "span.kind", "type": "string", "value": "server"},
            {"key": "otel.status_code", "type": "string", "value": "ERROR"},
            {"key": "error", "type": "bool", "value": true},
            {"key": "otel.status_description", "type": "string", "value": "boom"}],
          "logs": [], "processID": "p1", "warnings": null}],
       "processes": {
         "p1": {"serviceName": "frontend",
                "tags": [{"key": "k8s.pod.name", "type": "string", "value": "frontend-1"}]}},
       "warnings": null}""";

  static JsonObject envelope(String... traces) {
    return json("{\"data\": [" + String.join(",", traces)
        + "], \"total\": 0, \"limit\": 0, \"offset\": 0, \"errors\": null}");
  }

  @Test
  void traceBy128BitId() throws Exception {
    QueryApiServer.Response response = get("/api/traces/" + A);
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json()).isEqualTo(envelope(TRACE_A));
    // Upper case and the same ID are one trace.
    assertThat(get("/api/traces/" + A.toUpperCase()).json()).isEqualTo(envelope(TRACE_A));
  }

  @Test
  void traceBy64BitIdInBothForms() throws Exception {
    assertThat(get("/api/traces/" + B).json()).isEqualTo(envelope(TRACE_B));
    assertThat(get("/api/traces/0000000000000000" + B).json()).isEqualTo(envelope(TRACE_B));
  }

  @Test
  void unknownTraceIs404() throws Exception {
    QueryApiServer.Response response = get("/api/traces/00000000000000000000000000000fff");
    assertThat(response.status()).isEqualTo(404);
    assertThat(response.json()).isEqualTo(json("""
        {"data": null, "total": 0, "limit": 0, "offset": 0,
         "errors": [{"code": 404, "msg": "trace not found"}]}"""));
  }

  @Test
  void repeatedTraceIdsFetchThoseTracesAndIgnoreOtherCriteria() throws Exception {
    QueryApiServer.Response response = get("/api/traces?traceID=" + A + "&traceID=" + B
        + "&traceID=fff&traceID=" + A + "&service=nobody&limit=1");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json()).isEqualTo(json("{\"data\": [" + TRACE_A + "," + TRACE_B + "],"
        + "\"total\": 0, \"limit\": 0, \"offset\": 0,"
        + "\"errors\": [{\"msg\": \"trace not found\", \"traceID\": \"0000000000000fff\"}]}"));
  }

  // --- search ---------------------------------------------------------------------------------

  @Test
  void searchAnswerIsTheFullEnvelope() throws Exception {
    QueryApiServer.Response response = get("/api/traces?service=frontend&limit=1");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json()).isEqualTo(envelope(TRACE_B));
    assertThat(get("/api/traces?service=nobody").json()).isEqualTo(envelope());
  }

  @Test
  void searchByService() throws Exception {
    assertThat(traceIds("service=frontend")).containsExactly(B, A);
    assertThat(traceIds("service=payments")).containsExactly(C, A);
  }

  @Test
  void searchWithoutServiceCoversEveryService() throws Exception {
    assertThat(traceIds("")).containsExactly(E, D, C, B, A);
    assertThat(traceIds("limit=2")).containsExactly(E, D);
    assertThat(traceIds("operation=charge")).containsExactly(A);
  }

  @Test
  void searchByOperation() throws Exception {
    assertThat(traceIds("service=frontend&operation=" + enc("get /home"))).containsExactly(B);
    assertThat(traceIds("service=payments&operation=charge")).containsExactly(A);
    assertThat(traceIds("service=frontend&operation=reconcile")).isEmpty();
  }

  @Test
  void searchBySpanKindTag() throws Exception {
    assertThat(traceIds("service=frontend&tag=span.kind:client")).containsExactly(A);
    assertThat(traceIds("tag=span.kind:consumer")).isEmpty();
  }

  @Test
  void searchByTagInBothForms() throws Exception {
    assertThat(traceIds("tag=http.status_code:500")).containsExactly(B);
    assertThat(traceIds("tags=" + enc("{\"http.status_code\":\"200\"}"))).containsExactly(A);
    // Everything after the first colon is the value.
    assertThat(traceIds("tag=" + enc("url:" + TestTraces.URL_VALUE))).containsExactly(A);
    // Both forms together: all must hold on one span.
    assertThat(traceIds("tag=http.status_code:200&tags="
        + enc("{\"url\":\"" + TestTraces.URL_VALUE + "\"}"))).containsExactly(A);
    assertThat(traceIds("tag=http.status_code:500&tags="
        + enc("{\"url\":\"" + TestTraces.URL_VALUE + "\"}"))).isEmpty();
  }

  @Test
  void tagValuesMatchLiterally() throws Exception {
    String odd = TestTraces.ODD_VALUE;
    assertThat(traceIds("tag=" + enc("customer:" + odd))).containsExactly(A);
    assertThat(traceIds("tags=" + enc(new JsonObject().put("customer", odd).encode())))
        .containsExactly(A);
    for (String notIt : new String[] {"it's 100%", "%", "_", "it's 100%_ \"u\" {\"json\": [1]} \\ ✓",
        "it's 100%_ \"ü\" {\"json\": [1]} \\\\ ✓", "IT'S 100%_ \"Ü\" {\"json\": [1]} \\ ✓"}) {
      assertThat(traceIds("tag=" + enc("customer:" + notIt))).as(notIt).isEmpty();
    }
  }

  @Test
  void searchByDuration() throws Exception {
    assertThat(traceIds("minDuration=1s")).containsExactly(C);
    assertThat(traceIds("minDuration=1.5s&maxDuration=2s")).containsExactly(C);
    assertThat(traceIds("service=frontend&minDuration=25ms&maxDuration=35ms")).containsExactly(B);
    assertThat(traceIds("service=payments&maxDuration=4ms")).containsExactly(A);
    assertThat(traceIds("service=payments&maxDuration=2999us")).isEmpty();
    assertThat(traceIds("minDuration=1h")).isEmpty();
  }

  @Test
  void searchByTimeWindow() throws Exception {
    long t0 = TestTraces.T0_MICROS;
    assertThat(traceIds("start=" + (t0 + 30_000_000) + "&end=" + (t0 + 90_000_000)))
        .containsExactly(B);
    // Start defaults to an hour before the end.
    assertThat(traceIds("end=" + (t0 + 1_000_000))).containsExactly(A);
    // lookback is used when start is absent.
    assertThat(traceIds("end=" + (t0 + 150_000_000) + "&lookback=1m")).containsExactly(C);
    assertThat(traceIds("end=" + (t0 + 150_000_000) + "&lookback=2d")).containsExactly(C, B, A);
    // Edges are inclusive.
    assertThat(traceIds("start=" + (t0 + 60_000_000) + "&end=" + (t0 + 60_000_000)))
        .containsExactly(B);
    assertThat(traceIds("start=" + (t0 - 7_200_000_000L) + "&end=" + (t0 - 1))).isEmpty();
  }

  @Test
  void searchByEveryCriterionAtOnce() throws Exception {
    String cart = "service=frontend&operation=" + enc("get /cart")
        + "&tag=http.status_code:200&tags=" + enc("{\"customer\":\"" + "it's 100%_ \\\"ü\\\" "
        + "{\\\"json\\\": [1]} \\\\ ✓\"}") + "&minDuration=5ms&start=" + TestTraces.T0_MICROS
        + "&end=" + (TestTraces.T0_MICROS + 1000) + "&limit=5";
    assertThat(traceIds(cart + "&maxDuration=20ms")).containsExactly(A);
    assertThat(traceIds(cart + "&maxDuration=9ms")).isEmpty();
  }

  // --- adjusters ------------------------------------------------------------------------------

  @Test
  void sharedZipkinSpanIdsAreMadeUnique() throws Exception {
    assertThat(get("/api/traces/" + E).json()).isEqualTo(envelope("""
        {"traceID": "eeeeeeeeeeeeeeee0000000000000002",
         "spans": [
           {"traceID": "eeeeeeeeeeeeeeee0000000000000002", "spanID": "0000000000000021",
            "operationName": "ingress", "references": [],
            "startTime": 1735689840000000, "duration": 5000,
            "tags": [{"key": "span.kind", "type": "string", "value": "server"}],
            "logs": [], "processID": "p1", "warnings": null},
           {"traceID": "eeeeeeeeeeeeeeee0000000000000002", "spanID": "0000000000000022",
            "operationName": "proxy",
            "references": [{"refType": "CHILD_OF", "traceID": "eeeeeeeeeeeeeeee0000000000000002",
                            "spanID": "0000000000000021"}],
            "startTime": 1735689840001000, "duration": 3000,
            "tags": [{"key": "span.kind", "type": "string", "value": "client"}],
            "logs": [], "processID": "p1", "warnings": null},
           {"traceID": "eeeeeeeeeeeeeeee0000000000000002", "spanID": "0000000000000001",
            "operationName": "proxy",
            "references": [{"refType": "CHILD_OF", "traceID": "eeeeeeeeeeeeeeee0000000000000002",
                            "spanID": "0000000000000022"}],
            "startTime": 1735689840001100, "duration": 2000,
            "tags": [{"key": "zipkin.shared", "type": "bool", "value": true},
                     {"key": "span.kind", "type": "string", "value": "server"}],
            "logs": [], "processID": "p2", "warnings": null}],
         "processes": {"p1": {"serviceName": "edge", "tags": []},
                       "p2": {"serviceName": "backend", "tags": []}},
         "warnings": null}"""));
  }

  static final String TRACE_D_ADJUSTED = """
      {"traceID": "dddddddddddddddd0000000000000001",
       "spans": [
         {"traceID": "dddddddddddddddd0000000000000001", "spanID": "0000000000000010",
          "operationName": "call api", "references": [],
          "startTime": 1735689780000000, "duration": 1000,
          "tags": [{"key": "span.kind", "type": "string", "value": "client"}],
          "logs": [], "processID": "p1", "warnings": null},
         {"traceID": "dddddddddddddddd0000000000000001", "spanID": "0000000000000011",
          "operationName": "handle",
          "references": [{"refType": "CHILD_OF", "traceID": "dddddddddddddddd0000000000000001",
                          "spanID": "0000000000000010"}],
          "startTime": 1735689780000200, "duration": 600,
          "tags": [{"key": "span.kind", "type": "string", "value": "server"}],
          "logs": [], "processID": "p2",
          "warnings": ["This span's timestamps were adjusted by 700µs"]}],
       "processes": {
         "p1": {"serviceName": "web",
                "tags": [{"key": "host.name", "type": "string", "value": "node-a"}]},
         "p2": {"serviceName": "api",
                "tags": [{"key": "host.name", "type": "string", "value": "node-b"}]}},
       "warnings": null}""";

  @Test
  void clockSkewIsCorrectedWithAWarning() throws Exception {
    assertThat(get("/api/traces/" + D).json()).isEqualTo(envelope(TRACE_D_ADJUSTED));
    // Searches go through the same adjusters.
    assertThat(get("/api/traces?service=api").json()).isEqualTo(envelope(TRACE_D_ADJUSTED));
  }

  @Test
  void rawSkipsTheAdjusters() throws Exception {
    JsonObject raw = (JsonObject) get("/api/traces/" + D + "?raw=true").json();
    JsonArray spans = raw.getJsonArray("data").getJsonObject(0).getJsonArray("spans");
    // As stored: the server half first, at its own clock's time, without warnings.
    assertThat(spans.getJsonObject(0).getString("spanID")).isEqualTo("0000000000000011");
    assertThat(spans.getJsonObject(0).getLong("startTime")).isEqualTo(1735689779999500L);
    assertThat(spans.getJsonObject(0).getValue("warnings")).isNull();
    JsonObject rawShared = (JsonObject) get("/api/traces?raw=1&traceID=" + E).json();
    assertThat(rawShared.getJsonArray("data").getJsonObject(0).getJsonArray("spans").stream()
        .map(s -> ((JsonObject) s).getString("spanID")).toList())
        .containsExactly("0000000000000021", "0000000000000022", "0000000000000022");
  }

  // --- dependencies ---------------------------------------------------------------------------

  @Test
  void dependencies() throws Exception {
    long nowMillis = TestTraces.NOW.toEpochMilli();
    assertThat(get("/api/dependencies?endTs=" + nowMillis + "&lookback=3600000").json())
        .isEqualTo(json("""
            {"data": [{"parent": "edge", "child": "backend", "callCount": 1, "errorCount": 0},
                      {"parent": "frontend", "child": "payments", "callCount": 1, "errorCount": 0},
                      {"parent": "web", "child": "api", "callCount": 1, "errorCount": 0}],
             "total": 0, "limit": 0, "offset": 0, "errors": null}"""));
    // Defaults: now and a day back.
    assertThat(((JsonObject) get("/api/dependencies").json()).getJsonArray("data")).hasSize(3);
    assertThat(get("/api/dependencies?service=web").json()).isEqualTo(json("""
        {"data": [{"parent": "web", "child": "api", "callCount": 1, "errorCount": 0}],
         "total": 0, "limit": 0, "offset": 0, "errors": null}"""));
    assertThat(get("/api/dependencies?endTs=" + (TestTraces.T0.toEpochMilli() - 1)).json())
        .isEqualTo(json("""
            {"data": [], "total": 0, "limit": 0, "offset": 0, "errors": null}"""));
  }

  // --- bad input ------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "/api/traces?minDuration=abc | minDuration",
      "/api/traces?maxDuration=5 | maxDuration",
      "/api/traces?minDuration=-1ms | minDuration",
      "/api/traces?minDuration=2s&maxDuration=1s | maxDuration",
      "/api/traces?start=yesterday | start",
      "/api/traces?start=1.5 | start",
      "/api/traces?end=-5 | end",
      "/api/traces?start=1735689601000000&end=1735689600000000 | start",
      "/api/traces?end=999999999999999999 | end",
      "/api/traces?lookback=forever | lookback",
      "/api/traces?traceID=xyz | traceID",
      "/api/traces?traceID=000000000000000000000000000000001 | traceID",
      "/api/traces?traceID=00000000000000000000000000000000 | traceID",
      "/api/traces?tag=novalue | tag",
      "/api/traces?tag=span.kind:sideways | tag",
      "/api/traces?tags=%5B1%2C2%5D | tags",
      "/api/traces?tags=%7B%22a%22%3A1%7D | tags",
      "/api/traces?tags=%7Bbad | tags",
      "/api/traces?tags=null | tags",
      "/api/traces?limit=1501 | limit",
      "/api/traces?limit=0 | limit",
      "/api/traces?limit=-1 | limit",
      "/api/traces?limit=ten | limit",
      "/api/traces?raw=maybe | raw",
      "/api/traces/nothex | traceID",
      "/api/traces/000000000000000000000000000000001 | traceID",
      "/api/traces/" + "5b8efff798038103d269b633813fc60c?start=x | start",
      "/api/operations | service",
      "/api/operations?service=frontend&spanKind=sideways | spanKind",
      "/api/dependencies?endTs=abc | endTs",
      "/api/dependencies?lookback=-1 | lookback",
  })
  void badInputIs400NamingTheParameter(String pathAndQuery, String parameter) throws Exception {
    QueryApiServer.Response response = get(pathAndQuery);
    assertThat(response.status()).as(response.text()).isEqualTo(400);
    JsonObject body = (JsonObject) response.json();
    assertThat(body.getValue("data")).isNull();
    assertThat(body.getJsonArray("errors")).hasSize(1);
    JsonObject error = body.getJsonArray("errors").getJsonObject(0);
    assertThat(error.getInteger("code")).isEqualTo(400);
    assertThat(error.getString("msg")).contains("'" + parameter + "'");
  }

  @Test
  void badInputAnswerIsJaegersErrorEnvelope() throws Exception {
    assertThat(get("/api/traces?limit=2000").json()).isEqualTo(json("""
        {"data": null, "total": 0, "limit": 0, "offset": 0,
         "errors": [{"code": 400,
                     "msg": "unable to parse param 'limit': must be between 1 and 1500, was 2000"}]}
        """));
    assertThat(get("/api/traces?tag=novalue").json()).isEqualTo(json("""
        {"data": null, "total": 0, "limit": 0, "offset": 0,
         "errors": [{"code": 400, "msg": "unable to parse param 'tag': malformed 'tag' parameter, expecting key:value, received: novalue"}]}
        """));
  }
}
