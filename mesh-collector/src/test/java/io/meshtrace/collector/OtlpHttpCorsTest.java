package io.meshtrace.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Browser SDKs may send OTLP/HTTP from the configured origins only. */
class OtlpHttpCorsTest {
  static final String ORIGIN = "https://shop.example.com";
  static MeshtraceServer withCors;
  static MeshtraceServer withoutCors;
  static Vertx vertx;
  static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    withCors = TestServers.allInOne("--otlp-http-cors-origins", ORIGIN + ",https://admin.example.com");
    withoutCors = TestServers.allInOne();
    vertx = Vertx.vertx();
    client = vertx.createHttpClient();
  }

  @AfterAll
  static void stop() {
    client.close().await();
    vertx.close().await();
    withCors.stop();
    withoutCors.stop();
  }

  static HttpClientResponse send(MeshtraceServer server, HttpMethod method, String origin,
      String... headers) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1")
        .setPort(server.ports().get("otlpHttp")).setURI("/v1/traces").setTimeout(30_000)
        .putHeader("Origin", origin);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      options.putHeader(headers[i], headers[i + 1]);
    }
    byte[] body = method == HttpMethod.POST
        ? OtlpPayloads.trace(OtlpPayloads.randomTraceId(), 1, "browser").toByteArray() : new byte[0];
    return client.request(options)
        .compose(request -> request.send(Buffer.buffer(body)))
        .compose(response -> response.body().map(b -> response))
        .await();
  }

  @Test
  void preflightAndPostFromAnAllowedOrigin() {
    HttpClientResponse preflight = send(withCors, HttpMethod.OPTIONS, ORIGIN,
        "Access-Control-Request-Method", "POST",
        "Access-Control-Request-Headers", "content-type");
    assertThat(preflight.statusCode()).isBetween(200, 204);
    assertThat(preflight.getHeader("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
    assertThat(preflight.getHeader("Access-Control-Allow-Methods")).contains("POST");
    assertThat(preflight.getHeader("Access-Control-Allow-Headers").toLowerCase())
        .contains("content-type");

    HttpClientResponse post = send(withCors, HttpMethod.POST, ORIGIN,
        "Content-Type", "application/x-protobuf");
    assertThat(post.statusCode()).isEqualTo(200);
    assertThat(post.getHeader("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
  }

  @Test
  void anotherOriginIsNotAllowed() {
    HttpClientResponse preflight = send(withCors, HttpMethod.OPTIONS, "https://evil.example.net",
        "Access-Control-Request-Method", "POST");
    assertThat(preflight.statusCode()).isEqualTo(403);
    assertThat(preflight.getHeader("Access-Control-Allow-Origin")).isNull();
  }

  @Test
  void withoutConfigurationThereIsNoCors() {
    HttpClientResponse post = send(withoutCors, HttpMethod.POST, ORIGIN,
        "Content-Type", "application/x-protobuf");
    assertThat(post.statusCode()).isEqualTo(200);
    assertThat(post.getHeader("Access-Control-Allow-Origin")).isNull();
  }
}
