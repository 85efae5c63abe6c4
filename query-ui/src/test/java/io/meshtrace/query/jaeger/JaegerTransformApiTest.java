package io.meshtrace.query.jaeger;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.query.QueryApiServer;
import io.meshtrace.query.TestTraces;
import io.meshtrace.query.adjust.TraceAdjusters;
import io.meshtrace.tenant.RequestTenant;
import io.meshtrace.zipkin.codec.ZipkinJsonV2ToOtlp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/transform} over real HTTP: Jaeger's own fixture pair (its test's body and
 * answer), Zipkin v2 JSON answered as the same spans stored through the Zipkin translation are
 * read back, several traces in order, nothing stored, and bad bodies refused with 400 or 413.
 */
class JaegerTransformApiTest {
  static final long MAX_BODY = 64 * 1024;
  static final String ZIPKIN_TRACE = "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a";

  static QueryApiServer server;

  @BeforeAll
  static void start() {
    server = QueryApiServer.withStorage(TestTraces.NOW, (router, storage, clock) -> {
      new JaegerQueryApi(storage.spanStores(), RequestTenant.NONE,
          TraceAdjusters.standard(Duration.ofSeconds(1)), clock).mount(router);
      new JaegerTransformApi(MAX_BODY, clock).mount(router);
    });
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static QueryApiServer.Response transform(String body) throws Exception {
    return server.send("POST", "/api/transform", "application/json",
        body.getBytes(StandardCharsets.UTF_8));
  }

  static String zipkinTrace(long startMicros) {
    return """
        [{"traceId":"%1$s","id":"0000000000000001","kind":"SERVER","name":"get /a",
          "timestamp":%2$d,"duration":900,"localEndpoint":{"serviceName":"front","ipv4":"10.0.0.1"},
          "tags":{"http.method":"GET","http.status_code":"200"}},
         {"traceId":"%1$s","parentId":"0000000000000001","id":"0000000000000002","kind":"CLIENT",
          "name":"select","timestamp":%3$d,"duration":300,"localEndpoint":{"serviceName":"front"},
          "remoteEndpoint":{"serviceName":"db"},"annotations":[{"timestamp":%3$d,"value":"sent"}]}]
        """.formatted(ZIPKIN_TRACE, startMicros, startMicros + 100);
  }

  @Test
  void jaegersOwnFixtureIsAnsweredAsJaegerAnswersIt() throws Exception {
    String in;
    try (InputStream stream = getClass().getResourceAsStream("/jaeger/otlp2jaeger-in.json")) {
      in = new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    }
    Path out = Path.of(System.getProperty("meshtrace.fixtures"), "jaeger",
        "jaeger_otlp2jaeger-out.json");
    QueryApiServer.Response response = transform(in);
    assertThat(response.status()).as(response.text()).isEqualTo(200);
    assertThat(response.contentType()).startsWith("application/json");
    assertThat(new JsonObject(response.text())).isEqualTo(new JsonObject(Files.readString(out)));
  }

  @Test
  void zipkinJsonIsAnsweredAsTheSameSpansStoredAreReadAndNothingIsStored() throws Exception {
    long start = TestTraces.T0_MICROS + 5_000_000;
    QueryApiServer.Response response = transform(zipkinTrace(start));
    assertThat(response.status()).as(response.text()).isEqualTo(200);
    // Not stored by transforming it.
    assertThat(server.get("/api/traces/" + ZIPKIN_TRACE).status()).isEqualTo(404);

    server.store(ZipkinJsonV2ToOtlp.decode(zipkinTrace(start).getBytes(StandardCharsets.UTF_8), 0)
        .toArray(io.opentelemetry.proto.trace.v1.ResourceSpans[]::new));
    QueryApiServer.Response stored = server.get("/api/traces/" + ZIPKIN_TRACE + "?raw=true");
    assertThat(stored.status()).isEqualTo(200);
    assertThat(response.json()).isEqualTo(stored.json());
    JsonObject trace = ((JsonObject) response.json()).getJsonArray("data").getJsonObject(0);
    assertThat(trace.getString("traceID")).isEqualTo(ZIPKIN_TRACE);
    assertThat(trace.getJsonArray("spans")).hasSize(2);
    assertThat(trace.getJsonObject("processes").getJsonObject("p1").getString("serviceName"))
        .isEqualTo("front");
  }

  @Test
  void severalTracesComeInOrderOfFirstAppearance() throws Exception {
    String body = """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name",
            "value":{"stringValue":"svc"}}]},
          "scopeSpans":[{"spans":[
            {"traceId":"00000000000000000000000000000002","spanId":"0000000000000001",
             "name":"b","kind":2,"startTimeUnixNano":"2000","endTimeUnixNano":"3000"},
            {"traceId":"00000000000000000000000000000001","spanId":"0000000000000001",
             "name":"a","kind":1,"startTimeUnixNano":"1000","endTimeUnixNano":"9000"},
            {"traceId":"00000000000000000000000000000002","spanId":"0000000000000002",
             "parentSpanId":"0000000000000001","name":"b2","startTimeUnixNano":"1000",
             "endTimeUnixNano":"1500"}]}]}]}""";
    QueryApiServer.Response response = transform(body);
    assertThat(response.status()).as(response.text()).isEqualTo(200);
    JsonArray data = ((JsonObject) response.json()).getJsonArray("data");
    assertThat(data).hasSize(2);
    assertThat(data.getJsonObject(0).getString("traceID")).isEqualTo("0000000000000002");
    assertThat(data.getJsonObject(1).getString("traceID")).isEqualTo("0000000000000001");
    JsonArray spans = data.getJsonObject(0).getJsonArray("spans");
    assertThat(spans.getJsonObject(0).getString("operationName")).isEqualTo("b");
    assertThat(spans.getJsonObject(1).getString("operationName")).isEqualTo("b2");
    assertThat(spans.getJsonObject(1).getJsonArray("references").getJsonObject(0)
        .getString("spanID")).isEqualTo("0000000000000001");
    assertThat(((JsonObject) response.json()).getValue("errors")).isNull();
  }

  @Test
  void anEmptyRequestHasNoTraces() throws Exception {
    QueryApiServer.Response response = transform("{}");
    assertThat(response.status()).isEqualTo(200);
    assertThat(((JsonObject) response.json()).getJsonArray("data")).isEmpty();
  }

  static void assertRefused(QueryApiServer.Response response, String message) {
    assertThat(response.status()).as(response.text()).isEqualTo(400);
    JsonObject error = new JsonObject(response.text()).getJsonArray("errors").getJsonObject(0);
    assertThat(error.getInteger("code")).isEqualTo(400);
    assertThat(error.getString("msg")).startsWith(message);
  }

  @Test
  void badBodiesAreRefusedWithWhatIsWrong() throws Exception {
    assertRefused(transform("Bad Payload"), "cannot unmarshal OTLP : ");
    assertRefused(transform(""), "cannot unmarshal OTLP : ");
    assertRefused(transform("{\"resourceSpans\": 5}"), "cannot unmarshal OTLP : ");
    assertRefused(transform("[{\"traceId\": \"xyz\"}]"), "cannot read Zipkin v2 JSON: ");
    assertRefused(transform("[1, 2"), "cannot read Zipkin v2 JSON: ");
    assertRefused(transform("""
        {"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"0000000000000001","name":"x"}]}]}]}
        """), "span 0 (counting from 0) needs a trace ID");
    assertRefused(transform("""
        {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":
          "00000000000000000000000000000001","spanId":"01","name":"x"}]}]}]}
        """), "span 0 (counting from 0) needs a span ID");
  }

  @Test
  void aBodyOverTheLimitIsRefusedWith413() throws Exception {
    QueryApiServer.Response response = transform("[" + " ".repeat((int) MAX_BODY) + "]");
    assertThat(response.status()).isEqualTo(413);
  }
}
