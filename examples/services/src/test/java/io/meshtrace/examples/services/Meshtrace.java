package io.meshtrace.examples.services;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;

/**
 * A real meshtrace all-in-one in the test JVM (mesh-collector's {@link TestServers}: free ports,
 * a fresh database of the embedded test PostgreSQL), with what the example services need of it.
 */
final class Meshtrace implements AutoCloseable {
  final MeshtraceServer server;

  private Meshtrace(MeshtraceServer server) {
    this.server = server;
  }

  static Meshtrace allInOne(String... extraFlags) throws Exception {
    return new Meshtrace(TestServers.allInOne(extraFlags));
  }

  String url(String listener, String path) {
    return TestServers.url(server, listener, path);
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
    return TestServers.get(url);
  }

  @Override
  public void close() {
    server.stop();
  }
}
