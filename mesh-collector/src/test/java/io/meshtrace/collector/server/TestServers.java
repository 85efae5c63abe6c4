package io.meshtrace.collector.server;

import io.meshtrace.collector.cli.MeshtraceCommand;
import io.meshtrace.storage.postgres.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts real meshtrace servers for tests, on free ports, against the test PostgreSQL. */
public final class TestServers {
  // HTTP/1.1: the JDK client's default h2c upgrade against Vert.x hung twice for 2 minutes in full
  // runs (EOF in Http2Connection, the request timeout not applied); every test client avoids it.
  public static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private TestServers() {}

  /** An all-in-one server on a fresh database; extra flags are appended. */
  public static MeshtraceServer allInOne(String... extraFlags) throws Exception {
    return start("all-in-one", extraFlags);
  }

  /** A server of one command ({@code all-in-one}, {@code control-plane}, ...). */
  public static MeshtraceServer start(String command, String... extraFlags) throws Exception {
    return startOn(TestPostgres.freshDatabaseUrl(), command, extraFlags);
  }

  /** A server of one command on the database at {@code pgUrl}. */
  public static MeshtraceServer startOn(String pgUrl, String command, String... extraFlags)
      throws Exception {
    return startWith(List.of("--pg-url", pgUrl), command, extraFlags);
  }

  /** An all-in-one server with its own embedded PostgreSQL in {@code dataDir}. */
  public static MeshtraceServer withEmbeddedPostgres(java.nio.file.Path dataDir,
      String... extraFlags) throws Exception {
    return startWith(List.of("--data-dir", dataDir.toString()), "all-in-one", extraFlags);
  }

  private static MeshtraceServer startWith(List<String> storage, String command,
      String... extraFlags) throws Exception {
    List<String> args = new ArrayList<>(List.of(command, "--bind", "127.0.0.1"));
    args.addAll(storage);
    args.addAll(List.of(
        "--zipkin-port", "0", "--otlp-grpc-port", "0", "--otlp-http-port", "0",
        "--jaeger-compact-port", "0", "--jaeger-binary-port", "0", "--jaeger-http-port", "0",
        "--query-port", "0", "--sampling-http-port", "0", "--sampling-grpc-port", "0",
        "--admin-port", "0"));
    if (!List.of(extraFlags).contains("--shutdown-drain")) {
      // Tests stop servers often; the drain itself has its own tests.
      args.addAll(List.of("--shutdown-drain", "0s"));
    }
    args.addAll(List.of(extraFlags));
    return MeshtraceServer.start(MeshtraceCommand.parseConfig(args.toArray(new String[0]), Map.of()));
  }

  public static String url(MeshtraceServer server, String listener, String path) {
    return "http://127.0.0.1:" + server.ports().get(listener) + path;
  }

  public static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  public static HttpResponse<String> post(String url, String contentType, byte[] body,
      String... headers) throws Exception {
    return HTTP.send(request(url, contentType, body, headers), HttpResponse.BodyHandlers.ofString());
  }

  /** For binary answers (protobuf). */
  public static HttpResponse<byte[]> postBytes(String url, String contentType, byte[] body,
      String... headers) throws Exception {
    return HTTP.send(request(url, contentType, body, headers),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static HttpRequest request(String url, String contentType, byte[] body,
      String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return request.build();
  }
}
