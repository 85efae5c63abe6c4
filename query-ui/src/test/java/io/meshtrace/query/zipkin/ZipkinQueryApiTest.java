package io.meshtrace.query.zipkin;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.meshtrace.storage.postgres.PostgresStorageConfig;
import io.meshtrace.storage.postgres.TestPostgres;
import io.meshtrace.zipkin.codec.ZipkinToOtlp;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import zipkin2.codec.SpanBytesDecoder;

/**
 * The Zipkin v2 query API over real HTTP, against a Vert.x server and the real embedded
 * PostgreSQL. Answers are compared as parsed JSON trees with literal expected documents.
 *
 * <p>The fixture is written once: Zipkin spans go through the intake's Zipkin to OTLP
 * translation, one trace goes in as OTLP with mixed-case names (as an OpenTelemetry SDK sends).
 * Times are fixed, around 2023-11-14T22:13:20Z (the storage clock is set to that day).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZipkinQueryApiTest {
  static final String TRACE_A = "463ac35c9f6413ad48485a3953bb6124";
  static final String TRACE_B = "48485a3953bb6125"; // 64-bit
  static final String TRACE_D = "d0000000000000000000000000000001";
  static final String TRACE_E = "e0000000000000000000000000000001";
  static final String TRACE_F = "f0000000000000000000000000000001";
  /** A window around every fixture trace: endTs 10 s after trace A, lookback one hour. */
  static final String WINDOW = "endTs=1700000010000&lookback=3600000";

  static final String SPANS_A = """
      [{"traceId":"463ac35c9f6413ad48485a3953bb6124","id":"a000000000000001","kind":"SERVER",
        "name":"get /cart","timestamp":1700000000000000,"duration":5000,
        "localEndpoint":{"serviceName":"frontend","ipv4":"10.0.0.1"},
        "tags":{"http.method":"GET","http.path":"/cart"}},
       {"traceId":"463ac35c9f6413ad48485a3953bb6124","parentId":"a000000000000001",
        "id":"a000000000000002","kind":"CLIENT","name":"get /cart",
        "timestamp":1700000000001000,"duration":3000,
        "localEndpoint":{"serviceName":"frontend","ipv4":"10.0.0.1"},
        "remoteEndpoint":{"serviceName":"cart"}},
       {"traceId":"463ac35c9f6413ad48485a3953bb6124","parentId":"a000000000000001",
        "id":"a000000000000002","kind":"SERVER","name":"get /cart",
        "timestamp":1700000000001500,"duration":2000,"shared":true,
        "localEndpoint":{"serviceName":"cart","ipv4":"10.0.0.2"},
        "tags":{"error":"out of stock"}},
       {"traceId":"463ac35c9f6413ad48485a3953bb6124","parentId":"a000000000000002",
        "id":"a000000000000003","kind":"CLIENT","name":"select",
        "timestamp":1700000000002000,"duration":500,
        "localEndpoint":{"serviceName":"cart","ipv4":"10.0.0.2"},
        "remoteEndpoint":{"serviceName":"postgres"},
        "annotations":[{"timestamp":1700000000002100,"value":"query sent"}],
        "tags":{"db.statement":"SELECT 1"}}]""";
  static final String SPANS_B = """
      [{"traceId":"48485a3953bb6125","id":"b000000000000001","kind":"SERVER",
        "name":"get /health","timestamp":1699999940000000,"duration":100,
        "localEndpoint":{"serviceName":"frontend","ipv4":"10.0.0.1"},
        "annotations":[{"timestamp":1699999940000050,"value":"ping"}]}]""";
  /** Tag values that would match more than themselves if they reached SQL LIKE or a regex. */
  static final String SPANS_D = """
      [{"traceId":"d0000000000000000000000000000001","id":"d000000000000001","kind":"SERVER",
        "name":"literal","timestamp":1699999990000000,"duration":200,
        "localEndpoint":{"serviceName":"search"},
        "tags":{"quote":"say \\"hi\\"","pattern":"a_b%","unicode":"grüße ✓"}}]""";
  static final String SPANS_E = """
      [{"traceId":"e0000000000000000000000000000001","id":"e000000000000001","kind":"SERVER",
        "name":"literal","timestamp":1699999980000000,"duration":200,
        "localEndpoint":{"serviceName":"search"},
        "tags":{"quote":"say hi","pattern":"axbz%x","unicode":"grusse"}}]""";

  static final String JSON_A = """
      [{"traceId":"463ac35c9f6413ad48485a3953bb6124","id":"a000000000000001","kind":"SERVER",
        "name":"get /cart","timestamp":1700000000000000,"duration":5000,
        "localEndpoint":{"serviceName":"frontend","ipv4":"10.0.0.1"},
        "tags":{"http.method":"GET","http.path":"/cart"}},
       {"traceId":"463ac35c9f6413ad48485a3953bb6124","parentId":"a000000000000001",
        "id":"a000000000000002","kind":"CLIENT","name":"get /cart",
        "timestamp":1700000000001000,"duration":3000,
        "localEndpoint":{"serviceName":"frontend","ipv4":"10.0.0.1"},
        "remoteEndpoint":{"serviceName":"cart"}},
       {"traceId":"463ac35c9f6413ad48485a3953bb6124","parentId":"a000000000000001",
        "id":"a000000000000002","kind":"SERVER","name":"get /cart",
        "timestamp":1700000000001500,"duration":2000,
        "localEndpoint":{"serviceName":"cart","ipv4":"10.0.0.2"},
        "tags":{"error":"out of stock"},"shared":true},
       {"traceId":"463ac35c9f6413ad48485a3953bb6124","parentId":"a000000000000002",
        "id":"a000000000000003","kind":"CLIENT","name":"select",
        "timestamp":1700000000002000,"duration":500,
        "localEndpoint":{"serviceName":"cart","ipv4":"10.0.0.2"},
        "remoteEndpoint":{"serviceName":"postgres"},
        "annotations":[{"timestamp":1700000000002100,"value":"query sent"}],
        "tags":{"db.statement":"SELECT 1"}}]""";
  static final String JSON_B = """
      [{"traceId":"48485a3953bb6125","id":"b000000000000001","kind":"SERVER",
        "name":"get /health","timestamp":1699999940000000,"duration":100,
        "localEndpoint":{"serviceName":"frontend","ipv4":"10.0.0.1"},
        "annotations":[{"timestamp":1699999940000050,"value":"ping"}]}]""";
  static final String JSON_D = """
      [{"traceId":"d0000000000000000000000000000001","id":"d000000000000001","kind":"SERVER",
        "name":"literal","timestamp":1699999990000000,"duration":200,
        "localEndpoint":{"serviceName":"search"},
        "tags":{"pattern":"a_b%","quote":"say \\"hi\\"","unicode":"grüße ✓"}}]""";
  static final String JSON_E = """
      [{"traceId":"e0000000000000000000000000000001","id":"e000000000000001","kind":"SERVER",
        "name":"literal","timestamp":1699999980000000,"duration":200,
        "localEndpoint":{"serviceName":"search"},
        "tags":{"pattern":"axbz%x","quote":"say hi","unicode":"grusse"}}]""";
  /** Trace F as Zipkin shows it: names lowercase, peer.service as the remote endpoint. */
  static final String JSON_F = """
      [{"traceId":"f0000000000000000000000000000001","id":"f000000000000001","kind":"CLIENT",
        "name":"charge card","timestamp":1699999970000000,"duration":1000,
        "localEndpoint":{"serviceName":"billing"},
        "remoteEndpoint":{"serviceName":"stripe"},
        "tags":{"payment.currency":"EUR"}}]""";

  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  Vertx vertx;
  PostgresStorage storage;
  HttpServer server;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    storage = PostgresStorage.open(vertx,
        PostgresStorageConfig.defaults(TestPostgres.freshDatabase()),
        Clock.fixed(Instant.parse("2023-11-14T23:00:00Z"), ZoneOffset.UTC)).await();
    for (String spans : List.of(SPANS_A, SPANS_B, SPANS_D, SPANS_E)) {
      storage.spanSink().accept(ZipkinToOtlp.translate(
          SpanBytesDecoder.JSON_V2.decodeList(spans.getBytes(StandardCharsets.UTF_8)),
          System.currentTimeMillis() * 1000)).await();
    }
    storage.spanSink().accept(List.of(otlpTraceF())).await();

    Router router = Router.router(vertx);
    // As --autocomplete-keys quote,http.method,nothing would configure it.
    new ZipkinQueryApi(storage.spanStore(), List.of("quote", "http.method", "nothing"))
        .mount(router);
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
  }

  /** An OpenTelemetry SDK's span: mixed-case names, which Zipkin shows lowercase. */
  static ResourceSpans otlpTraceF() {
    Span span = Span.newBuilder()
        .setTraceId(ByteString.fromHex(TRACE_F))
        .setSpanId(ByteString.fromHex("f000000000000001"))
        .setName("Charge Card")
        .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
        .setStartTimeUnixNano(1699999970000000L * 1000)
        .setEndTimeUnixNano(1699999970001000L * 1000)
        .addAttributes(attr("peer.service", "Stripe"))
        .addAttributes(attr("payment.currency", "EUR"))
        .build();
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(attr("service.name", "Billing")))
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))
        .build();
  }

  static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder().setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  @AfterAll
  void stop() {
    server.close().await();
    storage.close().await();
    vertx.close().await();
  }

  // --- names ------------------------------------------------------------------------------

  @Test
  void services() throws Exception {
    assertJson("/api/v2/services", """
        ["billing","cart","frontend","search"]""");
  }

  @Test
  void spanNamesOfAServiceInAnyCase() throws Exception {
    assertJson("/api/v2/spans?serviceName=frontend", """
        ["get /cart","get /health"]""");
    assertJson("/api/v2/spans?serviceName=BILLING", """
        ["charge card"]""");
    assertJson("/api/v2/spans?serviceName=nobody", "[]");
    assertJson("/api/v2/spans?serviceName=", "[]");
  }

  @Test
  void remoteServices() throws Exception {
    assertJson("/api/v2/remoteServices?serviceName=frontend", """
        ["cart"]""");
    assertJson("/api/v2/remoteServices?serviceName=cart", """
        ["postgres"]""");
    assertJson("/api/v2/remoteServices?serviceName=Billing", """
        ["stripe"]""");
    assertJson("/api/v2/remoteServices?serviceName=search", "[]");
  }

  // --- traces by ID -----------------------------------------------------------------------

  @Test
  void traceById() throws Exception {
    assertJson("/api/v2/trace/" + TRACE_A, JSON_A);
    assertJson("/api/v2/trace/" + TRACE_A.toUpperCase(), JSON_A);
  }

  @Test
  void a64BitTraceIdIsFoundPaddedOrNot() throws Exception {
    assertJson("/api/v2/trace/" + TRACE_B, JSON_B);
    assertJson("/api/v2/trace/0000000000000000" + TRACE_B, JSON_B);
    // shorter IDs are left-padded, so this is another trace
    assertText("/api/v2/trace/" + TRACE_B.substring(4), 404, "00005a3953bb6125 not found");
  }

  @Test
  void unknownTraceIs404() throws Exception {
    assertText("/api/v2/trace/463ac35c9f6413ad48485a3953bb6999", 404,
        "463ac35c9f6413ad48485a3953bb6999 not found");
    // strict: the low half of a 128-bit trace is another trace
    assertText("/api/v2/trace/48485a3953bb6124", 404, "48485a3953bb6124 not found");
  }

  @Test
  void traceMany() throws Exception {
    assertJson("/api/v2/traceMany?traceIds=" + TRACE_A + "," + TRACE_B
        + ",463ac35c9f6413ad48485a3953bb6999", "[" + JSON_A + "," + JSON_B + "]");
    assertJson("/api/v2/traceMany?traceIds=" + TRACE_B, "[" + JSON_B + "]");
    assertJson("/api/v2/traceMany?traceIds=463ac35c9f6413ad48485a3953bb6999", "[]");
  }

  // --- search -----------------------------------------------------------------------------

  @Test
  void searchByService() throws Exception {
    assertJson("/api/v2/traces?serviceName=cart&" + WINDOW, "[" + JSON_A + "]");
    assertJson("/api/v2/traces?serviceName=frontend&" + WINDOW,
        "[" + JSON_A + "," + JSON_B + "]");
    assertJson("/api/v2/traces?serviceName=nobody&" + WINDOW, "[]");
  }

  @Test
  void everythingInTheWindowNewestFirst() throws Exception {
    assertJson("/api/v2/traces?" + WINDOW, "[" + String.join(",", JSON_A, JSON_D, JSON_E,
        JSON_F, JSON_B) + "]");
  }

  @Test
  void limitKeepsTheNewest() throws Exception {
    assertJson("/api/v2/traces?serviceName=frontend&limit=1&" + WINDOW, "[" + JSON_A + "]");
    assertJson("/api/v2/traces?serviceName=frontend&limit=2147483647&" + WINDOW,
        "[" + JSON_A + "," + JSON_B + "]");
  }

  @Test
  void endTsAndLookbackPlaceTheRoot() throws Exception {
    // only trace B's root (at 1699999940000 ms) lies in [1699999930000, 1699999950000]
    assertJson("/api/v2/traces?endTs=1699999950000&lookback=20000", "[" + JSON_B + "]");
    assertJson("/api/v2/traces?endTs=1699999000000&lookback=1000", "[]");
  }

  @Test
  void spanNameAndRemoteServiceAreLowercaseAndOfTheService() throws Exception {
    assertJson("/api/v2/traces?serviceName=cart&spanName=SELECT&" + WINDOW,
        "[" + JSON_A + "]");
    assertJson("/api/v2/traces?serviceName=frontend&spanName=select&" + WINDOW, "[]");
    assertJson("/api/v2/traces?serviceName=cart&remoteServiceName=postgres&" + WINDOW,
        "[" + JSON_A + "]");
    assertJson("/api/v2/traces?serviceName=frontend&remoteServiceName=postgres&" + WINDOW,
        "[]");
    // stored as "Billing" / "Charge Card" / "Stripe" by an OpenTelemetry SDK
    assertJson("/api/v2/traces?serviceName=billing&spanName=charge%20card&" + WINDOW,
        "[" + JSON_F + "]");
    assertJson("/api/v2/traces?serviceName=billing&remoteServiceName=STRIPE&" + WINDOW,
        "[" + JSON_F + "]");
  }

  @Test
  void annotationQueryMatchesTagsAnnotationsAndKeys() throws Exception {
    assertJson("/api/v2/traces?annotationQuery=ping&" + WINDOW, "[" + JSON_B + "]");
    assertJson("/api/v2/traces?annotationQuery=" + encode("query sent") + "&" + WINDOW,
        "[" + JSON_A + "]");
    assertJson("/api/v2/traces?annotationQuery=" + encode("http.method=GET") + "&" + WINDOW,
        "[" + JSON_A + "]");
    assertJson("/api/v2/traces?annotationQuery=" + encode("http.method=POST") + "&" + WINDOW,
        "[]");
    assertJson("/api/v2/traces?annotationQuery=db.statement&" + WINDOW, "[" + JSON_A + "]");
    assertJson("/api/v2/traces?serviceName=cart&annotationQuery=error&" + WINDOW,
        "[" + JSON_A + "]");
    assertJson("/api/v2/traces?annotationQuery=" + encode("error=out of stock") + "&"
        + WINDOW, "[" + JSON_A + "]");
  }

  /**
   * Zipkin's rule, not Jaeger's: criteria may be met by different spans of the trace, but with a
   * service name every criterion must be met by that service's spans.
   */
  @Test
  void criteriaMayBeMetByDifferentSpansOfTheService() throws Exception {
    String both = encode("http.method=GET and error");
    assertJson("/api/v2/traces?annotationQuery=" + both + "&" + WINDOW, "[" + JSON_A + "]");
    assertJson("/api/v2/traces?serviceName=frontend&annotationQuery=" + both + "&" + WINDOW,
        "[]");
    assertJson("/api/v2/traces?serviceName=cart&annotationQuery="
        + encode("error and db.statement=SELECT 1") + "&" + WINDOW, "[" + JSON_A + "]");
  }

  @Test
  void tagValuesMatchLiterally() throws Exception {
    assertJson("/api/v2/traces?annotationQuery=" + encode("pattern=a_b%") + "&" + WINDOW,
        "[" + JSON_D + "]");
    assertJson("/api/v2/traces?annotationQuery=" + encode("pattern=a_b") + "&" + WINDOW, "[]");
    assertJson("/api/v2/traces?annotationQuery=" + encode("quote=say \"hi\"") + "&" + WINDOW,
        "[" + JSON_D + "]");
    assertJson("/api/v2/traces?annotationQuery=" + encode("quote=say hi") + "&" + WINDOW,
        "[" + JSON_E + "]");
    assertJson("/api/v2/traces?serviceName=search&annotationQuery="
        + encode("unicode=grüße ✓") + "&" + WINDOW, "[" + JSON_D + "]");
    assertJson("/api/v2/traces?annotationQuery=" + encode("unicode=GRÜSSE ✓") + "&" + WINDOW,
        "[]");
  }

  @Test
  void durations() throws Exception {
    assertJson("/api/v2/traces?minDuration=4000&" + WINDOW, "[" + JSON_A + "]");
    assertJson("/api/v2/traces?minDuration=150&maxDuration=250&" + WINDOW,
        "[" + JSON_D + "," + JSON_E + "]");
    // the 500 µs span is cart's, not frontend's
    assertJson("/api/v2/traces?serviceName=frontend&minDuration=400&maxDuration=600&" + WINDOW,
        "[]");
    assertJson("/api/v2/traces?serviceName=cart&minDuration=400&maxDuration=600&" + WINDOW,
        "[" + JSON_A + "]");
  }

  // --- dependencies and autocomplete ------------------------------------------------------

  @Test
  void dependencies() throws Exception {
    // Traces D, E and F share their lower 64 bits, so Zipkin's linker takes them for one trace
    // (a 64-bit hop in a 128-bit trace): its two "search" roots and billing's client span
    // make the last two links, as Zipkin's own storage would.
    assertJson("/api/v2/dependencies?" + WINDOW, """
        [{"parent":"billing","child":"stripe","callCount":1},
         {"parent":"cart","child":"postgres","callCount":1},
         {"parent":"frontend","child":"cart","callCount":1,"errorCount":1},
         {"parent":"search","child":"billing","callCount":1},
         {"parent":"search","child":"search","callCount":1}]""");
    assertJson("/api/v2/dependencies?endTs=1600000000000&lookback=3600000", "[]");
  }

  @Test
  void autocomplete() throws Exception {
    // The configured keys, in their order, whether spans have them or not (Zipkin's answer).
    assertJson("/api/v2/autocompleteKeys", """
        ["quote","http.method","nothing"]""");
    assertJson("/api/v2/autocompleteValues?key=quote", """
        ["say \\"hi\\"","say hi"]""");
    assertJson("/api/v2/autocompleteValues?key=nothing", "[]");
    // Stored, but not a configured key: no values, as in Zipkin.
    assertJson("/api/v2/autocompleteValues?key=pattern", "[]");
  }

  @Test
  void autocompleteWithoutKeysOffersNothing() {
    ZipkinAutocomplete none = new ZipkinAutocomplete(storage.spanStore(), List.of());
    assertThat(none.keys().await()).isEmpty();
    assertThat(none.values("quote").await()).isEmpty();
  }

  // --- bad input --------------------------------------------------------------------------

  @Test
  void badSearchParametersAre400NamingTheParameter() throws Exception {
    assertText("/api/v2/traces?limit=ten", 400, "limit is not a number: ten");
    assertText("/api/v2/traces?limit=0", 400, "limit <= 0");
    assertText("/api/v2/traces?limit=-3", 400, "limit <= 0");
    assertText("/api/v2/traces?limit=2147483648", 400, "limit is too large: 2147483648");
    assertText("/api/v2/traces?minDuration=1ms", 400, "minDuration is not a number: 1ms");
    assertText("/api/v2/traces?minDuration=0", 400, "minDuration <= 0");
    assertText("/api/v2/traces?maxDuration=5", 400,
        "maxDuration is only valid with minDuration");
    assertText("/api/v2/traces?minDuration=5&maxDuration=4", 400, "maxDuration < minDuration");
    assertText("/api/v2/traces?maxDuration=x&minDuration=1", 400,
        "maxDuration is not a number: x");
    assertText("/api/v2/traces?endTs=yesterday", 400, "endTs is not a number: yesterday");
    assertText("/api/v2/traces?endTs=-1", 400, "endTs <= 0");
    assertText("/api/v2/traces?lookback=1.5", 400, "lookback is not a number: 1.5");
    assertText("/api/v2/traces?lookback=0", 400, "lookback <= 0");
  }

  @Test
  void badDependencyWindowIs400() throws Exception {
    assertText("/api/v2/dependencies?endTs=now", 400, "endTs is not a number: now");
    assertText("/api/v2/dependencies?endTs=0", 400, "endTs <= 0");
    assertText("/api/v2/dependencies?endTs=1700000000000&lookback=-5", 400, "lookback <= 0");
    assertText("/api/v2/dependencies?lookback=day", 400, "lookback is not a number: day");
  }

  @Test
  void badTraceIdsAre400() throws Exception {
    assertText("/api/v2/trace/xyz", 400, "trace ID is not hex: xyz");
    assertText("/api/v2/trace/" + "a".repeat(33), 400,
        "trace ID is longer than 32 hex characters: " + "a".repeat(33));
    assertText("/api/v2/trace/00000000000000000000000000000000", 400, "trace ID is all zeros");
    assertText("/api/v2/traceMany", 400, "traceIds parameter is empty");
    assertText("/api/v2/traceMany?traceIds=", 400, "traceIds parameter is empty");
    assertText("/api/v2/traceMany?traceIds=" + TRACE_A + ",nope", 400,
        "traceIds: trace ID is not hex: nope");
    assertText("/api/v2/traceMany?traceIds=" + TRACE_A + ",,", 400,
        "traceIds: trace ID is empty");
    assertText("/api/v2/traceMany?traceIds=" + TRACE_B + ",0000000000000000" + TRACE_B, 400,
        "redundant traceId: 0000000000000000" + TRACE_B);
  }

  @Test
  void missingRequiredParametersAre400() throws Exception {
    assertText("/api/v2/spans", 400, "serviceName parameter is required");
    assertText("/api/v2/remoteServices", 400, "serviceName parameter is required");
    assertText("/api/v2/autocompleteValues", 400, "key parameter is required");
  }

  // --- helpers ----------------------------------------------------------------------------

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.actualPort() + path))
        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  void assertJson(String path, String expected) throws Exception {
    assertJson(path, expected, 200);
  }

  void assertJson(String path, String expected, int status) throws Exception {
    HttpResponse<String> response = get(path);
    assertThat(response.statusCode()).as("%s: %s", path, response.body()).isEqualTo(status);
    if (status != 200) {
      return;
    }
    assertThat(response.headers().firstValue("Content-Type")).hasValue(
        "application/json; charset=utf-8");
    Object actual = Json.decodeValue(response.body());
    Object wanted = Json.decodeValue(expected);
    if (!actual.equals(wanted)) {
      // the pretty forms make the difference readable
      assertThat(pretty(actual)).as(path).isEqualTo(pretty(wanted));
    }
    assertThat(actual).as(path).isEqualTo(wanted);
  }

  static String pretty(Object json) {
    return json instanceof io.vertx.core.json.JsonArray a ? a.encodePrettily()
        : ((io.vertx.core.json.JsonObject) json).encodePrettily();
  }

  void assertText(String path, int status, String body) throws Exception {
    HttpResponse<String> response = get(path);
    assertThat(response.statusCode()).as("%s: %s", path, response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(
        "text/plain; charset=utf-8");
    assertThat(response.body().strip()).as(path).isEqualTo(body);
  }
}
