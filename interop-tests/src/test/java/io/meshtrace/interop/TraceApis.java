package io.meshtrace.interop;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Reads traces back through meshtrace's query APIs, the way the clients' users would. */
final class TraceApis {
  /** How long a sent trace may take to become readable. */
  static final Duration TIMEOUT = Duration.ofSeconds(20);

  private TraceApis() {}

  /**
   * Polls the Jaeger v1 API ({@code GET /api/traces/{id}} on the query port) until the trace is
   * there with at least {@code spans} spans.
   *
   * @return the trace: {@code traceID}, {@code spans}, {@code processes}
   */
  static JsonObject awaitJaegerTrace(MeshtraceServer server, String traceId, int spans)
      throws Exception {
    String url = TestServers.url(server, "query", "/api/traces/" + traceId);
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    String last;
    while (true) {
      HttpResponse<String> response = TestServers.get(url);
      last = response.statusCode() + " " + response.body();
      if (response.statusCode() == 200) {
        JsonArray data = new JsonObject(response.body()).getJsonArray("data");
        if (data != null && data.size() == 1
            && data.getJsonObject(0).getJsonArray("spans").size() >= spans) {
          return data.getJsonObject(0);
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("trace " + traceId + " did not reach the Jaeger v1 API with "
            + spans + " spans within " + TIMEOUT.toSeconds() + " s (GET " + url
            + "); last answer: " + abbreviate(last));
      }
      Thread.sleep(100);
    }
  }

  /** The trace from the Zipkin v2 API ({@code GET /api/v2/trace/{id}} on the Zipkin port). */
  static JsonArray zipkinTrace(MeshtraceServer server, String traceId) throws Exception {
    String url = TestServers.url(server, "zipkin", "/api/v2/trace/" + traceId);
    HttpResponse<String> response = TestServers.get(url);
    if (response.statusCode() != 200) {
      throw new AssertionError("GET " + url + " answered " + response.statusCode() + ": "
          + abbreviate(response.body()));
    }
    return new JsonArray(response.body());
  }

  static String abbreviate(String text) {
    return text.length() <= 2000 ? text : text.substring(0, 2000) + "...";
  }
}
