package io.meshtrace.query.jaeger.v3;

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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Jaeger's v3 API (its HTTP gateway) over real HTTP against real storage holding {@link
 * TestTraces}; OTLP JSON answers compared with literal documents.
 */
class JaegerApiV3Test {
  /** The hour before the test clock's now: every test trace. */
  static final String WINDOW =
      "query.startTimeMin=2024-12-31T23:10:00Z&query.startTimeMax=2025-01-01T00:10:00Z";
  static QueryApiServer server;

  @BeforeAll
  static void start() {
    server = new QueryApiServer(TestTraces.NOW, (router, store, clock) ->
        new JaegerApiV3(store, TraceAdjusters.standard(Duration.ofSeconds(1))).mount(router));
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

  /** The distinct trace IDs of a successful search, in order of appearance. */
  static List<String> traceIds(String query) throws Exception {
    QueryApiServer.Response response = get("/api/v3/traces?" + query);
    if (response.status() == 404) {
      assertThat(response.json()).isEqualTo(json(
          "{\"error\": {\"httpCode\": 404, \"message\": \"No traces found\"}}"));
      return List.of();
    }
    assertThat(response.status()).as(response.text()).isEqualTo(200);
    Set<String> ids = new LinkedHashSet<>();
    for (Object rs : ((JsonObject) response.json()).getJsonObject("result")
        .getJsonArray("resourceSpans")) {
      for (Object ss : ((JsonObject) rs).getJsonArray("scopeSpans")) {
        for (Object span : ((JsonObject) ss).getJsonArray("spans")) {
          ids.add(((JsonObject) span).getString("traceId"));
        }
      }
    }
    return List.copyOf(ids);
  }

  static String hex128(String id) {
    return "0".repeat(32 - id.length()) + id;
  }

  @Test
  void services() throws Exception {
    QueryApiServer.Response response = get("/api/v3/services");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.contentType()).startsWith("application/json");
    assertThat(response.json()).isEqualTo(json("""
        {"services": ["api", "backend", "edge", "frontend", "payments", "web"]}"""));
  }

  @Test
  void operationsWithKindFilterInBothSpellings() throws Exception {
    assertThat(get("/api/v3/operations?service=payments").json()).isEqualTo(json("""
        {"operations": [{"name": "charge", "spanKind": "server"},
                        {"name": "reconcile", "spanKind": "internal"}]}"""));
    assertThat(get("/api/v3/operations?service=frontend&spanKind=client").json())
        .isEqualTo(json("""
            {"operations": [{"name": "charge", "spanKind": "client"}]}"""));
    assertThat(get("/api/v3/operations?service=frontend&span_kind=server").json())
        .isEqualTo(json("""
            {"operations": [{"name": "get /cart", "spanKind": "server"},
                            {"name": "get /home", "spanKind": "server"}]}"""));
    assertThat(get("/api/v3/operations?service=nobody").json())
        .isEqualTo(json("{\"operations\": []}"));
  }

  static final String TRACE_A = """
      {"resourceSpans": [
        {"resource": {"attributes": [
           {"key": "service.name", "value": {"stringValue": "frontend"}},
           {"key": "k8s.pod.name", "value": {"stringValue": "frontend-1"}}]},
         "scopeSpans": [{"scope": {"name": "tomcat", "version": "1.0"}, "spans": [
           {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "0000000000000001",
            "name": "get /cart", "kind": 2,
            "startTimeUnixNano": "1735689600000000000", "endTimeUnixNano": "1735689600010000000",
            "attributes": [
              {"key": "http.status_code", "value": {"intValue": "200"}},
              {"key": "customer", "value": {"stringValue": "it's 100%_ \\"ü\\" {\\"json\\": [1]} \\\\ ✓"}},
              {"key": "url", "value": {"stringValue": "http://cart:8080/a?q=1&r=%20"}}]},
           {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "0000000000000002",
            "parentSpanId": "0000000000000001", "name": "charge", "kind": 3,
            "startTimeUnixNano": "1735689600001000000", "endTimeUnixNano": "1735689600006000000",
            "attributes": [{"key": "peer.service", "value": {"stringValue": "payments"}}]}]}]},
        {"resource": {"attributes": [
           {"key": "service.name", "value": {"stringValue": "payments"}}]},
         "scopeSpans": [{"scope": {}, "spans": [
           {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "0000000000000003",
            "parentSpanId": "0000000000000002", "name": "charge", "kind": 2,
            "startTimeUnixNano": "1735689600002000000", "endTimeUnixNano": "1735689600005000000",
            "events": [{"timeUnixNano": "1735689600003000000", "name": "charged",
                        "attributes": [{"key": "amount", "value": {"doubleValue": 12.5}}]}],
            "links": [{"traceId": "0000000000000000463ac35c9f6413ad",
                       "spanId": "0000000000000005"}]}]}]}]}""";

  @Test
  void traceByIdIsOtlpJson() throws Exception {
    QueryApiServer.Response response = get("/api/v3/traces/" + A);
    assertThat(response.status()).as(response.text()).isEqualTo(200);
    assertThat(response.json()).isEqualTo(new JsonObject().put("result", json(TRACE_A)));
    // Optional parameters, canonical and deprecated.
    assertThat(get("/api/v3/traces/" + A + "?startTime=2025-01-01T00:00:00Z"
        + "&end_time=2025-01-01T01:00:00.123456789Z&rawTraces=false").json())
        .isEqualTo(new JsonObject().put("result", json(TRACE_A)));
  }

  @Test
  void traceBy64BitIdHasA128BitIdInOtlp() throws Exception {
    QueryApiServer.Response response = get("/api/v3/traces/" + B);
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json()).isEqualTo(json("""
        {"result": {"resourceSpans": [
          {"resource": {"attributes": [
             {"key": "service.name", "value": {"stringValue": "frontend"}},
             {"key": "k8s.pod.name", "value": {"stringValue": "frontend-1"}}]},
           "scopeSpans": [{"scope": {"name": "tomcat", "version": "1.0"}, "spans": [
             {"traceId": "0000000000000000463ac35c9f6413ad", "spanId": "0000000000000005",
              "name": "get /home", "kind": 2,
              "startTimeUnixNano": "1735689660000000000",
              "endTimeUnixNano": "1735689660030000000",
              "attributes": [{"key": "http.status_code", "value": {"intValue": "500"}}],
              "status": {"message": "boom", "code": 2}}]}]}]}}"""));
    assertThat(get("/api/v3/traces/0000000000000000" + B).json()).isEqualTo(response.json());
  }

  @Test
  void unknownTraceIs404AsTheGatewayWritesIt() throws Exception {
    QueryApiServer.Response response = get("/api/v3/traces/fff");
    assertThat(response.status()).isEqualTo(404);
    assertThat(response.json()).isEqualTo(json("""
        {"error": {"httpCode": 404, "message": "No traces found"}}"""));
  }

  @Test
  void searchReturnsEveryMatchingTraceInOneTracesData() throws Exception {
    QueryApiServer.Response response = get("/api/v3/traces?" + WINDOW
        + "&query.serviceName=frontend&query.operationName=" + enc("get /cart"));
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json()).isEqualTo(new JsonObject().put("result", json(TRACE_A)));
    assertThat(traceIds(WINDOW + "&query.serviceName=frontend"))
        .containsExactly(hex128(B), A);
  }

  @Test
  void searchWithoutServiceAndBySnakeCaseNames() throws Exception {
    assertThat(traceIds(WINDOW)).containsExactly(E, D, C, hex128(B), A);
    assertThat(traceIds("query.start_time_min=2024-12-31T23:10:00Z"
        + "&query.start_time_max=2025-01-01T00:10:00Z&query.search_depth=2")).containsExactly(E, D);
    assertThat(traceIds(WINDOW + "&query.num_traces=1")).containsExactly(E);
    assertThat(traceIds(WINDOW + "&query.service_name=payments&query.operation_name=reconcile"))
        .containsExactly(C);
  }

  @Test
  void searchByAttributesDurationsAndTime() throws Exception {
    assertThat(traceIds(WINDOW + "&query.attributes="
        + enc(new JsonObject().put("customer", TestTraces.ODD_VALUE).encode())))
        .containsExactly(A);
    assertThat(traceIds(WINDOW + "&query.attributes=" + enc("{\"customer\":\"it's 100%\"}")))
        .isEmpty();
    assertThat(traceIds(WINDOW + "&query.durationMin=1s")).containsExactly(C);
    assertThat(traceIds(WINDOW + "&query.duration_min=25ms&query.duration_max=35ms"))
        .containsExactly(hex128(B));
    assertThat(traceIds("query.startTimeMin=2025-01-01T00:00:30Z"
        + "&query.startTimeMax=2025-01-01T00:01:30.000000001Z")).containsExactly(hex128(B));
    // Other zones are the same instants.
    assertThat(traceIds("query.startTimeMin=" + enc("2025-01-01T01:00:30+01:00")
        + "&query.startTimeMax=" + enc("2025-01-01T01:01:30+01:00"))).containsExactly(hex128(B));
  }

  @Test
  void searchFindingNothingIs404LikeJaeger() throws Exception {
    QueryApiServer.Response response = get("/api/v3/traces?" + WINDOW
        + "&query.serviceName=nobody");
    assertThat(response.status()).isEqualTo(404);
    assertThat(response.json()).isEqualTo(json("""
        {"error": {"httpCode": 404, "message": "No traces found"}}"""));
  }

  @Test
  void adjustersApplyAndWarningsAreTheJaegerAttribute() throws Exception {
    JsonObject skewed = (JsonObject) get("/api/v3/traces/" + D).json();
    assertThat(skewed).isEqualTo(json("""
        {"result": {"resourceSpans": [
          {"resource": {"attributes": [
             {"key": "service.name", "value": {"stringValue": "web"}},
             {"key": "host.name", "value": {"stringValue": "node-a"}}]},
           "scopeSpans": [{"scope": {}, "spans": [
             {"traceId": "dddddddddddddddd0000000000000001", "spanId": "0000000000000010",
              "name": "call api", "kind": 3,
              "startTimeUnixNano": "1735689780000000000",
              "endTimeUnixNano": "1735689780001000000"}]}]},
          {"resource": {"attributes": [
             {"key": "service.name", "value": {"stringValue": "api"}},
             {"key": "host.name", "value": {"stringValue": "node-b"}}]},
           "scopeSpans": [{"scope": {}, "spans": [
             {"traceId": "dddddddddddddddd0000000000000001", "spanId": "0000000000000011",
              "parentSpanId": "0000000000000010", "name": "handle", "kind": 2,
              "startTimeUnixNano": "1735689780000200000",
              "endTimeUnixNano": "1735689780000800000",
              "attributes": [{"key": "@jaeger@warnings", "value": {"arrayValue": {"values": [
                {"stringValue": "This span's timestamps were adjusted by 700µs"}]}}}]}]}]}]}}
        """));
    JsonArray sharedSpans = new JsonArray();
    for (Object rs : ((JsonObject) get("/api/v3/traces/" + E).json()).getJsonObject("result")
        .getJsonArray("resourceSpans")) {
      sharedSpans.addAll(((JsonObject) rs).getJsonArray("scopeSpans").getJsonObject(0)
          .getJsonArray("spans"));
    }
    assertThat(sharedSpans.stream().map(s -> ((JsonObject) s).getString("spanId")
        + "<" + ((JsonObject) s).getString("parentSpanId"))).containsExactly(
        "0000000000000021<null", "0000000000000022<0000000000000021",
        "0000000000000001<0000000000000022");
    // raw: as stored.
    JsonObject raw = (JsonObject) get("/api/v3/traces/" + D + "?raw_traces=true").json();
    assertThat(raw.encode()).doesNotContain("@jaeger@warnings").contains("1735689779999500000");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "/api/v3/traces | query.startTimeMin",
      "/api/v3/traces?query.startTimeMin=2025-01-01T00:00:00Z | query.startTimeMax",
      "/api/v3/traces?query.startTimeMin=yesterday&query.startTimeMax=2025-01-01T00:00:00Z | query.startTimeMin",
      "/api/v3/traces?query.start_time_min=2025-01-01T00:00:00&query.startTimeMax=2025-01-01T01:00:00Z | query.start_time_min",
      "/api/v3/traces?query.startTimeMin=2025-01-01T00:00:00Z&query.startTimeMax=2025-13-01T00:00:00Z | query.startTimeMax",
      "/api/v3/traces?query.startTimeMin=2025-01-01T01:00:00Z&query.startTimeMax=2025-01-01T00:00:00Z | query.startTimeMin",
      "/api/v3/traces?WINDOW&query.durationMin=abc | query.durationMin",
      "/api/v3/traces?WINDOW&query.duration_max=-1s | query.duration_max",
      "/api/v3/traces?WINDOW&query.searchDepth=ten | query.searchDepth",
      "/api/v3/traces?WINDOW&query.search_depth=0 | query.search_depth",
      "/api/v3/traces?WINDOW&query.searchDepth=1501 | query.searchDepth",
      "/api/v3/traces?WINDOW&query.attributes=%5B%5D | query.attributes",
      "/api/v3/traces?WINDOW&query.attributes=%7Bx | query.attributes",
      "/api/v3/traces?WINDOW&query.attributes=%7B%22a%22%3Atrue%7D | query.attributes",
      "/api/v3/traces?WINDOW&query.rawTraces=perhaps | query.rawTraces",
      "/api/v3/traces?WINDOW&query.filter=%7B%7D | query.filter",
      "/api/v3/traces/not-hex | trace_id",
      "/api/v3/traces/000000000000000000000000000000000 | trace_id",
      "/api/v3/traces/abc?startTime=noon | startTime",
      "/api/v3/traces/abc?raw_traces=2 | raw_traces",
      "/api/v3/operations | service",
      "/api/v3/operations?service=frontend&spanKind=sideways | spanKind",
  })
  void badInputIs400NamingTheParameter(String pathAndQuery, String parameter) throws Exception {
    QueryApiServer.Response response = get(pathAndQuery.replace("WINDOW", WINDOW));
    assertThat(response.status()).as(response.text()).isEqualTo(400);
    JsonObject error = ((JsonObject) response.json()).getJsonObject("error");
    assertThat(error.fieldNames()).containsExactlyInAnyOrder("httpCode", "message");
    assertThat(error.getInteger("httpCode")).isEqualTo(400);
    assertThat(error.getString("message")).startsWith("malformed parameter " + parameter + ": ");
  }
}
