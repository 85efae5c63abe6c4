package io.meshtrace.examples.services;

import io.meshtrace.collector.cli.MeshtraceCommand;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.storage.postgres.TestPostgres;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real meshtrace all-in-one in the test JVM, on free ports and a fresh database of the
 * embedded test PostgreSQL (as mesh-collector's TestServers does).
 */
final class Meshtrace implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  final MeshtraceServer server;

  private Meshtrace(MeshtraceServer server) {
    this.server = server;
  }

  static Meshtrace allInOne(String... extraFlags) throws Exception {
    List<String> args = new ArrayList<>(List.of("all-in-one", "--bind", "127.0.0.1",
        "--pg-url", TestPostgres.freshDatabaseUrl(),
        "--zipkin-port", "0", "--otlp-grpc-port", "0", "--otlp-http-port", "0",
        "--query-port", "0", "--sampling-http-port", "0", "--sampling-grpc-port", "0",
        "--admin-port", "0"));
    args.addAll(List.of(extraFlags));
    return new Meshtrace(MeshtraceServer.start(
        MeshtraceCommand.parseConfig(args.toArray(new String[0]), Map.of())));
  }

  String url(String listener, String path) {
    return "http://127.0.0.1:" + server.ports().get(listener) + path;
  }

  /** The flags that point an example service at this meshtrace. */
  List<String> serviceFlags() {
    return List.of(
        "--otlp-endpoint", url("otlpHttp", "/v1/traces"),
        "--zipkin-endpoint", url("zipkin", "/api/v2/spans"),
        "--sampling-endpoint", url("samplingGrpc", ""),
        "--sampling-poll-interval", "100ms");
  }

  /** A trace in the JSON of Jaeger's v1 API, as Grafana and the UI read it. */
  JsonObject jaegerTrace(String traceId) throws Exception {
    HttpResponse<String> response = get(url("query", "/api/traces/" + traceId));
    if (response.statusCode() != 200) {
      throw new AssertionError("GET /api/traces/" + traceId + ": " + response.statusCode()
          + " " + response.body());
    }
    return new JsonObject(response.body()).getJsonArray("data").getJsonObject(0);
  }

  static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    server.stop();
  }
}
