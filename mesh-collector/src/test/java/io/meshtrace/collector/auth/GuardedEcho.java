package io.meshtrace.collector.auth;

import io.meshtrace.collector.config.AuthConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Vert.x HTTP server (HTTP/1.1 and h2c) whose only handler, behind a listener's guard,
 * echoes what reached it: the tenant header and the body's length. For the guard's own tests,
 * without PostgreSQL.
 */
final class GuardedEcho implements AutoCloseable {
  /** What the handler behind the guard saw. */
  record Echo(int status, String tenant, long bodyBytes, String body,
      io.vertx.core.MultiMap headers) {}

  final Vertx vertx = Vertx.vertx();
  final Authentication authentication;
  final RecordingObserver observer = new RecordingObserver();
  private final HttpServer server;
  private final HttpClient http2;

  GuardedEcho(String listener, AuthConfig config) throws Exception {
    authentication = new Authentication(vertx, config, null, Duration.ofMillis(200), observer);
    authentication.start().await(30, TimeUnit.SECONDS);
    server = vertx.createHttpServer(new HttpServerOptions())
        .exceptionHandler(failure -> org.slf4j.LoggerFactory.getLogger(GuardedEcho.class)
            .error("connection failed", failure))
        .requestHandler(authentication.guard(listener, request -> {
          long[] bytes = {0};
          request.handler(chunk -> bytes[0] += chunk.length());
          request.endHandler(v -> request.response().putHeader("content-type",
                  "application/json")
              .end(new JsonObject().put("tenant", request.getHeader("x-scope-orgid"))
                  .put("bytes", bytes[0]).encode()));
        }, "x-scope-orgid"))
        .listen(0, "127.0.0.1").await(30, TimeUnit.SECONDS);
    http2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
  }

  static AuthConfig config(Path file, boolean ingest, int maxFailures) {
    return new AuthConfig(file, ingest, null, null, null, "roles", null, Duration.ofSeconds(60),
        Duration.ofSeconds(30), maxFailures, Duration.ofMinutes(1));
  }

  int port() {
    return server.actualPort();
  }

  Echo send(HttpVersion version, HttpMethod method, String path, Map<String, String> headers,
      Buffer body) throws Exception {
    if (version != HttpVersion.HTTP_2) {
      return sendHttp1(method, path, headers, body);
    }
    HttpClient client = http2;
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1")
        .setPort(port()).setURI(path);
    headers.forEach(options::putHeader);
    return client.request(options)
        .compose(request -> body == null ? request.send() : request.send(body))
        .compose(response -> response.body().map(answer -> {
          String tenant = null;
          long bytes = -1;
          if (response.statusCode() == 200
              && "application/json".equals(response.getHeader("content-type"))) {
            JsonObject json = answer.toJsonObject();
            tenant = json.getString("tenant");
            bytes = json.getLong("bytes", -1L);
          }
          return new Echo(response.statusCode(), tenant, bytes, answer.toString(),
              response.headers());
        }))
        .await(60, TimeUnit.SECONDS);
  }

  /** HTTP/1.1 through the JDK's client, as Grafana's Go client would send it. */
  private Echo sendHttp1(HttpMethod method, String path, Map<String, String> headers,
      Buffer body) throws Exception {
    java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + port() + path))
        .timeout(Duration.ofSeconds(30))
        .method(method.name(), body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
            : java.net.http.HttpRequest.BodyPublishers.ofByteArray(body.getBytes()));
    headers.forEach(request::header);
    java.net.http.HttpResponse<String> response = io.meshtrace.collector.server.TestServers.HTTP
        .send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    String tenant = null;
    long bytes = -1;
    if (response.statusCode() == 200 && response.headers().firstValue("content-type")
        .orElse("").equals("application/json")) {
      JsonObject json = new JsonObject(response.body());
      tenant = json.getString("tenant");
      bytes = json.getLong("bytes", -1L);
    }
    io.vertx.core.MultiMap answerHeaders = io.vertx.core.MultiMap.caseInsensitiveMultiMap();
    response.headers().map().forEach(answerHeaders::add);
    return new Echo(response.statusCode(), tenant, bytes, response.body(), answerHeaders);
  }

  @Override
  public void close() {
    authentication.stop().await();
    vertx.close().await();
  }

  /** Counts what the guard reports. */
  static final class RecordingObserver implements AuthObserver {
    final java.util.List<String> refusals = new java.util.concurrent.CopyOnWriteArrayList<>();
    final java.util.concurrent.atomic.AtomicInteger loads = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger failedLoads = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void listenerGuarded(String listener) {}

    @Override
    public void refused(String listener, Refusal.Reason reason) {
      refusals.add(listener + ":" + reason.label());
    }

    @Override
    public void credentialsFileLoaded() {
      loads.incrementAndGet();
    }

    @Override
    public void credentialsFileFailed() {
      failedLoads.incrementAndGet();
    }
  }
}
