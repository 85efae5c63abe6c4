package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.post;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Zipkin's semantics through the running server's HTTP APIs: dependency links as Zipkin's linker
 * derives them, readable from both APIs right after the intake's 202; {@code
 * --autocomplete-keys}; spans without a timestamp; spans without a service.
 */
class ZipkinSemanticsEndToEndTest {
  static MeshtraceServer server;
  static long now;

  @BeforeAll
  static void start() throws Exception {
    server = TestServers.allInOne("--autocomplete-keys", "env,http.method");
    now = System.currentTimeMillis() * 1000;
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  /**
   * One trace with what only a whole-trace linker sees: an uninstrumented caller named by the
   * server's remote endpoint, a producer and consumer through a broker, a loopback call, an
   * uninstrumented database and an error tag; sent twice, counted once.
   */
  @Test
  void dependenciesAreReadableRightAfterTheAck() throws Exception {
    // Each test's trace has its own lower 64 bits: Zipkin would link traces sharing them as one.
    String trace = """
        [{"traceId":"a100000000000000a100000000000001","id":"0000000000000001","kind":"SERVER",
          "name":"get /","timestamp":%1$d,"duration":9000,
          "localEndpoint":{"serviceName":"Web"},"remoteEndpoint":{"serviceName":"browser"}},
         {"traceId":"a100000000000000a100000000000001","parentId":"0000000000000001",
          "id":"0000000000000002","kind":"PRODUCER","name":"send","timestamp":%2$d,
          "duration":10,"localEndpoint":{"serviceName":"web"},
          "remoteEndpoint":{"serviceName":"kafka"}},
         {"traceId":"a100000000000000a100000000000001","parentId":"0000000000000002",
          "id":"0000000000000003","kind":"CONSUMER","name":"receive","timestamp":%3$d,
          "duration":10,"localEndpoint":{"serviceName":"worker"},
          "remoteEndpoint":{"serviceName":"kafka"}},
         {"traceId":"a100000000000000a100000000000001","parentId":"0000000000000001",
          "id":"0000000000000004","kind":"CLIENT","name":"self","timestamp":%2$d,
          "duration":100,"localEndpoint":{"serviceName":"web"}},
         {"traceId":"a100000000000000a100000000000001","parentId":"0000000000000001",
          "id":"0000000000000004","kind":"SERVER","name":"self","timestamp":%3$d,
          "duration":50,"shared":true,"localEndpoint":{"serviceName":"web"}},
         {"traceId":"a100000000000000a100000000000001","parentId":"0000000000000003",
          "id":"0000000000000005","kind":"CLIENT","name":"insert","timestamp":%3$d,
          "duration":5,"localEndpoint":{"serviceName":"worker"},
          "remoteEndpoint":{"serviceName":"postgres"},"tags":{"error":"deadlock"}}]"""
        .formatted(now, now + 1000, now + 2000);
    byte[] body = trace.getBytes(StandardCharsets.UTF_8);
    assertThat(post(url(server, "zipkin", "/api/v2/spans"), "application/json", body)
        .statusCode()).isEqualTo(202);
    assertThat(post(url(server, "zipkin", "/api/v2/spans"), "application/json", body)
        .statusCode()).isEqualTo(202);
    long acked = System.nanoTime();

    long endTs = now / 1000 + 1000;
    HttpResponse<String> zipkin = get(url(server, "zipkin",
        "/api/v2/dependencies?endTs=" + endTs + "&lookback=60000"));
    HttpResponse<String> jaeger = get(url(server, "query",
        "/api/dependencies?endTs=" + endTs + "&lookback=60000"));
    long readMillis = (System.nanoTime() - acked) / 1_000_000;

    assertThat(zipkin.statusCode()).isEqualTo(200);
    assertThat(new JsonArray(zipkin.body())).isEqualTo(new JsonArray("""
        [{"parent":"browser","child":"web","callCount":1},
         {"parent":"kafka","child":"worker","callCount":1},
         {"parent":"web","child":"kafka","callCount":1},
         {"parent":"web","child":"web","callCount":1},
         {"parent":"worker","child":"postgres","callCount":1,"errorCount":1}]"""));
    // Jaeger's API: the same links (Zipkin's intake lowercased "Web" already).
    assertThat(jaeger.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(jaeger.body()).getJsonArray("data")).isEqualTo(new JsonArray("""
        [{"parent":"browser","child":"web","callCount":1,"errorCount":0},
         {"parent":"kafka","child":"worker","callCount":1,"errorCount":0},
         {"parent":"web","child":"kafka","callCount":1,"errorCount":0},
         {"parent":"web","child":"web","callCount":1,"errorCount":0},
         {"parent":"worker","child":"postgres","callCount":1,"errorCount":1}]"""));
    assertThat(readMillis).as("both read within a second of the ack").isLessThan(1000);
  }

  @Test
  void autocompleteOffersTheConfiguredKeysAndTheirStoredValues() throws Exception {
    String span = """
        [{"traceId":"a200000000000000a200000000000001","id":"0000000000000001","kind":"SERVER",
          "name":"get","timestamp":%d,"duration":10,"localEndpoint":{"serviceName":"shop"},
          "tags":{"env":"prod","http.method":"GET","http.path":"/cart"}}]""".formatted(now);
    assertThat(post(url(server, "zipkin", "/api/v2/spans"), "application/json",
        span.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(202);

    assertThat(get(url(server, "zipkin", "/api/v2/autocompleteKeys")).body())
        .isEqualTo("[\"env\",\"http.method\"]");
    assertThat(get(url(server, "zipkin", "/api/v2/autocompleteValues?key=env")).body())
        .isEqualTo("[\"prod\"]");
    assertThat(get(url(server, "zipkin", "/api/v2/autocompleteValues?key=http.path")).body())
        .isEqualTo("[]");
    HttpResponse<String> noKey = get(url(server, "zipkin", "/api/v2/autocompleteValues"));
    assertThat(noKey.statusCode()).isEqualTo(400);
    assertThat(noKey.body().strip()).isEqualTo("key parameter is required");
  }

  /** As Zipkin: stored and read back by ID without a timestamp, never found by a search. */
  @Test
  void aSpanWithoutTimestampIsReadableButNotSearchable() throws Exception {
    String span = """
        [{"traceId":"a300000000000000a300000000000001","id":"0000000000000001","kind":"SERVER",
          "name":"untimed","localEndpoint":{"serviceName":"legacy"}}]""";
    assertThat(post(url(server, "zipkin", "/api/v2/spans"), "application/json",
        span.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(202);

    assertThat(new JsonArray(get(url(server, "zipkin",
        "/api/v2/trace/a300000000000000a300000000000001")).body()))
        .isEqualTo(new JsonArray(span));
    String window = "&endTs=" + (System.currentTimeMillis() + 60_000) + "&lookback=3600000";
    assertThat(get(url(server, "zipkin", "/api/v2/traces?serviceName=legacy" + window)).body())
        .isEqualTo("[]");
    assertThat(get(url(server, "zipkin", "/api/v2/traces?spanName=untimed" + window)).body())
        .isEqualTo("[]");
    // Jaeger's API tells it as a warning, not as a tag.
    JsonObject jaegerSpan = new JsonObject(get(url(server, "query",
        "/api/traces/a300000000000000a300000000000001")).body()).getJsonArray("data")
        .getJsonObject(0).getJsonArray("spans").getJsonObject(0);
    assertThat(jaegerSpan.getJsonArray("tags").encode()).doesNotContain("zipkin.");
    assertThat(jaegerSpan.getJsonArray("warnings")).containsExactly("the span was sent without a"
        + " timestamp: its start is its first annotation's, or when meshtrace received it");
  }

  /** Zipkin lists no service for spans that name none; Jaeger's API keeps OpenTelemetry's. */
  @Test
  void aSpanWithoutServiceIsInNoZipkinServiceList() throws Exception {
    String span = """
        [{"traceId":"a400000000000000a400000000000001","id":"0000000000000001","kind":"SERVER",
          "name":"anonymous","timestamp":%d,"duration":10}]""".formatted(now);
    assertThat(post(url(server, "zipkin", "/api/v2/spans"), "application/json",
        span.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(202);

    assertThat(new JsonArray(get(url(server, "zipkin", "/api/v2/services")).body()))
        .doesNotContain("unknown_service").isNotEmpty();
    assertThat(new JsonObject(get(url(server, "query", "/api/services")).body())
        .getJsonArray("data")).contains("unknown_service");
  }
}
