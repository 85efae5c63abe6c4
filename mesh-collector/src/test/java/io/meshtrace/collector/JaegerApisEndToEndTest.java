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
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Jaeger v1 and v3 APIs as the server wires them: a Zipkin shared span from two sidecars
 * whose clocks disagree goes in on :9411 and comes out of :16686 with unique IDs and the skew
 * corrected, because {@code --max-clock-skew-adjustment} allows it.
 */
class JaegerApisEndToEndTest {
  static final String TRACE = "a1a1a1a1a1a1a1a1b2b2b2b2b2b2b2b2";
  static MeshtraceServer server;
  static long start;

  @BeforeAll
  static void send() throws Exception {
    server = TestServers.allInOne("--max-clock-skew-adjustment", "1s");
    start = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now().minusSeconds(60));
    // The server sidecar's clock is 1.2 ms behind: its half claims to start before the call.
    String spans = """
        [{"traceId": "%s", "id": "00000000000000b1", "kind": "CLIENT", "name": "get /shop",
          "timestamp": %d, "duration": 1000,
          "localEndpoint": {"serviceName": "gateway", "ipv4": "10.0.0.1"}},
         {"traceId": "%s", "id": "00000000000000b1", "kind": "SERVER", "name": "get /shop",
          "timestamp": %d, "duration": 600, "shared": true,
          "localEndpoint": {"serviceName": "shop", "ipv4": "10.0.0.2"}}]
        """.formatted(TRACE, start, TRACE, start - 500);
    HttpResponse<String> sent = post(url(server, "zipkin", "/api/v2/spans"), "application/json",
        spans.getBytes(StandardCharsets.UTF_8));
    assertThat(sent.statusCode()).isEqualTo(202);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void v1SearchShowsTheServerHalfWithItsOwnIdShiftedIntoItsCaller() throws Exception {
    HttpResponse<String> response = get(url(server, "query", "/api/traces?service=shop"));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonArray data = new JsonObject(response.body()).getJsonArray("data");
    assertThat(data).hasSize(1);
    JsonArray spans = data.getJsonObject(0).getJsonArray("spans");
    JsonArray summary = new JsonArray();
    for (Object span : spans) {
      JsonObject s = (JsonObject) span;
      summary.add(new JsonObject().put("spanID", s.getString("spanID"))
          .put("references", s.getJsonArray("references"))
          .put("startTime", s.getLong("startTime")).put("duration", s.getLong("duration"))
          .put("warnings", s.getValue("warnings")));
    }
    assertThat(summary).isEqualTo(new JsonArray("""
        [{"spanID": "00000000000000b1", "references": [], "startTime": %d, "duration": 1000,
          "warnings": null},
         {"spanID": "0000000000000001",
          "references": [{"refType": "CHILD_OF", "traceID": "%s", "spanID": "00000000000000b1"}],
          "startTime": %d, "duration": 600,
          "warnings": ["This span's timestamps were adjusted by 700µs"]}]
        """.formatted(start, TRACE, start + 200)));
  }

  @Test
  void v3ServesServicesAndOtlpJsonOnTheSameListener() throws Exception {
    assertThat(new JsonObject(get(url(server, "query", "/api/v3/services")).body()))
        .isEqualTo(new JsonObject("{\"services\": [\"gateway\", \"shop\"]}"));
    HttpResponse<String> trace = get(url(server, "query", "/api/v3/traces/" + TRACE));
    assertThat(trace.statusCode()).isEqualTo(200);
    JsonArray resourceSpans = new JsonObject(trace.body()).getJsonObject("result")
        .getJsonArray("resourceSpans");
    JsonObject server = resourceSpans.getJsonObject(1).getJsonArray("scopeSpans")
        .getJsonObject(0).getJsonArray("spans").getJsonObject(0);
    assertThat(server.getString("traceId")).isEqualTo(TRACE);
    assertThat(server.getString("spanId")).isEqualTo("0000000000000001");
    assertThat(server.getString("parentSpanId")).isEqualTo("00000000000000b1");
    assertThat(server.getString("startTimeUnixNano")).isEqualTo((start + 200) * 1000 + "");
  }
}
