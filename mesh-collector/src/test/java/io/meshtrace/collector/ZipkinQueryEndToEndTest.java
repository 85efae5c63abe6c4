package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.post;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.vertx.core.json.JsonArray;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Zipkin v2 query API as the all-in-one server mounts it on the Zipkin port, next to the
 * intake: spans POSTed to {@code /api/v2/spans} are searchable, listed and linked.
 */
class ZipkinQueryEndToEndTest {
  static MeshtraceServer server;
  static long start;
  static String trace;

  @BeforeAll
  static void start() throws Exception {
    server = TestServers.allInOne();
    start = System.currentTimeMillis() * 1000 - 5_000_000; // five seconds ago, in µs
    trace = """
        [{"traceId":"7e1f2a3b4c5d6e7f8091a2b3c4d5e6f7","id":"1000000000000001","kind":"SERVER",
          "name":"get /checkout","timestamp":%d,"duration":9000,
          "localEndpoint":{"serviceName":"gateway"},"tags":{"http.method":"GET"}},
         {"traceId":"7e1f2a3b4c5d6e7f8091a2b3c4d5e6f7","parentId":"1000000000000001",
          "id":"1000000000000002","kind":"CLIENT","name":"post /pay","timestamp":%d,
          "duration":4000,"localEndpoint":{"serviceName":"gateway"},
          "remoteEndpoint":{"serviceName":"payments"}},
         {"traceId":"7e1f2a3b4c5d6e7f8091a2b3c4d5e6f7","parentId":"1000000000000001",
          "id":"1000000000000002","kind":"SERVER","name":"post /pay","timestamp":%d,
          "duration":3000,"shared":true,"localEndpoint":{"serviceName":"payments"}}]"""
        .formatted(start, start + 1000, start + 1500);
    HttpResponse<String> posted = post(url(server, "zipkin", "/api/v2/spans"),
        "application/json", trace.getBytes(StandardCharsets.UTF_8));
    assertThat(posted.statusCode()).isEqualTo(202);
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @Test
  void namesAreListed() throws Exception {
    assertJson("/api/v2/services", "[\"gateway\",\"payments\"]");
    assertJson("/api/v2/spans?serviceName=gateway", "[\"get /checkout\",\"post /pay\"]");
    assertJson("/api/v2/remoteServices?serviceName=gateway", "[\"payments\"]");
  }

  @Test
  void tracesAreSearchable() throws Exception {
    assertJson("/api/v2/traces?serviceName=payments&annotationQuery=http.method%3DGET",
        "[]"); // the tag is the gateway's
    assertJson("/api/v2/traces?annotationQuery=http.method%3DGET&spanName=post%20%2Fpay",
        "[" + trace + "]");
    assertJson("/api/v2/traceMany?traceIds=7e1f2a3b4c5d6e7f8091a2b3c4d5e6f7",
        "[" + trace + "]");
  }

  @Test
  void dependenciesAreReadAtOnce() throws Exception {
    // Computed from the stored spans when asked for: no wait after the 202.
    assertJson("/api/v2/dependencies?endTs=" + (System.currentTimeMillis() + 60_000),
        "[{\"parent\":\"gateway\",\"child\":\"payments\",\"callCount\":1}]");
  }

  @Test
  void badParametersAre400() throws Exception {
    HttpResponse<String> response = get(url(server, "zipkin", "/api/v2/traces?limit=lots"));
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("limit is not a number: lots");
  }

  static void assertJson(String path, String expected) throws Exception {
    HttpResponse<String> response = get(url(server, "zipkin", path));
    assertThat(response.statusCode()).as("%s: %s", path, response.body()).isEqualTo(200);
    // compared as trees (field order does not matter); printed pretty when they differ
    JsonArray actual = new JsonArray(response.body());
    JsonArray wanted = new JsonArray(expected);
    if (!actual.equals(wanted)) {
      assertThat(actual.encodePrettily()).as(path).isEqualTo(wanted.encodePrettily());
    }
    assertThat(actual).as(path).isEqualTo(wanted);
  }
}
