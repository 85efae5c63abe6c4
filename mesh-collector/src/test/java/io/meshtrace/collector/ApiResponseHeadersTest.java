package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.HTTP;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every API answer, of every listener, says nosniff and no-store, errors included; the UI's
 * assets keep their own caching.
 */
class ApiResponseHeadersTest {
  static MeshtraceServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServers.allInOne();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @Test
  void apiAnswersSayNosniffAndNoStore() throws Exception {
    List<HttpRequest> requests = List.of(
        get("query", "/api/services"), get("query", "/api/v3/services"),
        get("query", "/api/traces/00000000000000000000000000000001"),
        get("query", "/api/traces?limit=x"),
        get("zipkin", "/api/v2/services"),
        post("zipkin", "/api/v2/spans", "application/json", "[]"),
        post("otlpHttp", "/v1/traces", "application/json", "{}"),
        post("jaegerHttp", "/api/traces", "text/plain", "x"),
        get("jaegerHttp", "/api/sampling?service=a"),
        get("samplingHttp", "/sampling?service=a"),
        get("admin", "/metrics"), get("admin", "/readyz"));
    for (HttpRequest request : requests) {
      HttpResponse<String> answer = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(answer.headers().firstValue("X-Content-Type-Options"))
          .as("%s (%d)", request.uri(), answer.statusCode()).hasValue("nosniff");
      assertThat(answer.headers().firstValue("Cache-Control"))
          .as("%s (%d)", request.uri(), answer.statusCode()).hasValue("no-store");
    }
    HttpResponse<String> ui = HTTP.send(get("query", "/"), HttpResponse.BodyHandlers.ofString());
    assertThat(ui.statusCode()).isEqualTo(200);
    assertThat(ui.headers().firstValue("Cache-Control")).isNotEqualTo(java.util.Optional.of(
        "no-store"));
  }

  private static HttpRequest get(String listener, String path) {
    return HttpRequest.newBuilder(URI.create(url(server, listener, path)))
        .timeout(Duration.ofSeconds(30)).GET().build();
  }

  private static HttpRequest post(String listener, String path, String type, String body) {
    return HttpRequest.newBuilder(URI.create(url(server, listener, path)))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }
}
