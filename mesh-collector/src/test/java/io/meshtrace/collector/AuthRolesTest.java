package io.meshtrace.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.jaeger.codec.ThriftBatches;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * Every endpoint family of a server started with {@code --auth-file} and {@code --auth-ingest
 * true}, called with no credentials, with a credential lacking the role and with one that has
 * it: 401 / 403 / 2xx, or UNAUTHENTICATED / PERMISSION_DENIED / OK over gRPC with real gRPC
 * clients. Also: probes stay open, Grafana's basic auth and bearer tokens, a 2 MB ingest
 * request through basic auth, and no token or password ever reaching the log.
 */
class AuthRolesTest {
  static final String READER = "reader-token-7f3a9c2e41d8b6a0";
  static final String WRITER = "writer-token-2b8e4d6f1a3c5e7d";
  static final String ADMIN = "admin-token-9d1c3b5a7e2f4d6c";
  static final String GRAFANA_PASSWORD = "grafana-password-Xy7q";
  static final String WRONG = "wrong-token-0000aaaa1111bbbb";

  static final ServiceMethod<Buffer, Buffer> EXPORT = method(
      "opentelemetry.proto.collector.trace.v1.TraceService", "Export");
  static final ServiceMethod<Buffer, Buffer> GET_STRATEGY = method("jaeger.api_v2.SamplingManager",
      "GetSamplingStrategy");
  static final ServiceMethod<Buffer, Buffer> POST_SPANS = method("jaeger.api_v2.CollectorService",
      "PostSpans");

  static MeshtraceServer server;
  static Vertx vertx;
  static GrpcClient grpc;
  static PrintStream originalErr;
  static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();

  @BeforeAll
  static void start() throws Exception {
    // slf4j-simple writes to System.err as it is when each line is logged: capture all of it.
    originalErr = System.err;
    System.setErr(new PrintStream(new TeeStream(originalErr, LOG), true, StandardCharsets.UTF_8));
    Path file = Files.createTempFile("meshtrace-auth-", ".yaml");
    Files.writeString(file, """
        tokens:
          - {name: reader, token: %s, roles: [read]}
          - {name: writer, token: %s, roles: [write]}
          - {name: admin, token: %s, roles: [admin]}
        users:
          - name: grafana
            password: "%s"
            roles: [read]
          - name: sidecar
            password: "%s"
            roles: [write]
        """.formatted(READER, WRITER, ADMIN, BCrypt.hashpw(GRAFANA_PASSWORD, BCrypt.gensalt(4)),
        BCrypt.hashpw("sidecar-password", BCrypt.gensalt(4))));
    server = TestServers.allInOne("--auth-file", file.toString(), "--auth-ingest", "true",
        "--auth-max-failures", "1000");
    vertx = Vertx.vertx();
    grpc = GrpcClient.client(vertx);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
    if (vertx != null) {
      vertx.close().await();
    }
    System.setErr(originalErr);
  }

  /** One endpoint family: the role it needs and a call that answers 2xx or OK with it. */
  record Family(String name, String role, Call call) {
    @Override
    public String toString() {
      return name;
    }
  }

  @FunctionalInterface
  interface Call {
    /** The HTTP status, or for gRPC 200 (OK), 401 (UNAUTHENTICATED), 403 (PERMISSION_DENIED). */
    int send(String authorization) throws Exception;
  }

  static List<Family> families() {
    long now = System.currentTimeMillis() * 1000;
    String zipkinSpan = "[{\"traceId\":\"5af7183fb1d4cf5f\",\"id\":\"6b221d5bc9e6496c\","
        + "\"name\":\"get\",\"timestamp\":" + now + ",\"duration\":10,"
        + "\"localEndpoint\":{\"serviceName\":\"auth-test\"}}]";
    String strategy = "{\"type\":\"probabilistic\",\"param\":0.5}";
    String objective = "{\"service\":\"checkout\",\"indicator\":\"availability\","
        + "\"target\":99.9}";
    return List.of(
        new Family("query: Jaeger v1 /api/services", "read", auth -> http("query", "GET",
            "/api/services", null, null, auth)),
        new Family("query: Jaeger v3 /api/v3/services", "read", auth -> http("query", "GET",
            "/api/v3/services", null, null, auth)),
        new Family("query: Jaeger SPM /api/metrics/calls", "read", auth -> http("query", "GET",
            "/api/metrics/calls?service=auth-test", null, null, auth)),
        new Family("query: /api/me", "read", auth -> http("query", "GET", "/api/me", null, null,
            auth)),
        new Family("query: sampling strategies (read)", "read", auth -> http("query", "GET",
            "/api/sampling/strategies", null, null, auth)),
        new Family("query: sampling history", "admin", auth -> http("query", "GET",
            "/api/sampling/history", null, null, auth)),
        new Family("query: sampling PUT", "admin", auth -> http("query", "PUT",
            "/api/sampling/strategies/services/checkout", "application/json", strategy, auth)),
        new Family("query: GET /api/slo", "read", auth -> http("query", "GET", "/api/slo", null,
            null, auth)),
        new Family("query: SLO objective PUT", "admin", auth -> http("query", "PUT",
            "/api/slo/objectives/checkout", "application/json", objective, auth)),
        // Made first with the admin token, so that the right role finds one to delete.
        new Family("query: SLO objective DELETE", "admin", auth -> {
          http("query", "PUT", "/api/slo/objectives/to-delete", "application/json", objective,
              "Bearer " + ADMIN);
          return http("query", "DELETE", "/api/slo/objectives/to-delete", null, null, auth);
        }),
        new Family("query: SLO history", "admin", auth -> http("query", "GET",
            "/api/slo/history", null, null, auth)),
        // The trace is sent first, so that the right role finds one to archive.
        new Family("query: archive POST", "admin", auth -> {
          http("zipkin", "POST", "/api/v2/spans", "application/json", zipkinSpan,
              "Bearer " + WRITER);
          return http("query", "POST", "/api/archive/5af7183fb1d4cf5f", null, null, auth);
        }),
        new Family("query: archive DELETE", "admin", auth -> {
          http("zipkin", "POST", "/api/v2/spans", "application/json", zipkinSpan,
              "Bearer " + WRITER);
          http("query", "POST", "/api/archive/5af7183fb1d4cf5f", null, null, "Bearer " + ADMIN);
          return http("query", "DELETE", "/api/archive/5af7183fb1d4cf5f", null, null, auth);
        }),
        new Family("query: POST /api/transform", "read", auth -> http("query", "POST",
            "/api/transform", "application/json", "{\"resourceSpans\":[]}", auth)),
        new Family("zipkin: v2 query", "read", auth -> http("zipkin", "GET", "/api/v2/services",
            null, null, auth)),
        new Family("zipkin: POST /api/v2/spans", "write", auth -> http("zipkin", "POST",
            "/api/v2/spans", "application/json", zipkinSpan, auth)),
        new Family("otlpHttp: POST /v1/traces", "write", auth -> http("otlpHttp", "POST",
            "/v1/traces", "application/x-protobuf", ExportTraceServiceRequest.getDefaultInstance()
                .toByteArray(), auth)),
        new Family("jaegerHttp: POST /api/traces", "write", auth -> http("jaegerHttp", "POST",
            "/api/traces", "application/x-thrift", ThriftBatches.httpBody(
                ThriftBatches.everything(now, 0x77L, now)), auth)),
        new Family("jaegerHttp: GET /api/sampling", "write", auth -> http("jaegerHttp", "GET",
            "/api/sampling?service=cart", null, null, auth)),
        new Family("samplingHttp: GET /sampling", "write", auth -> http("samplingHttp", "GET",
            "/sampling?service=cart", null, null, auth)),
        new Family("samplingHttp: admin API read", "read", auth -> http("samplingHttp", "GET",
            "/api/sampling/strategies", null, null, auth)),
        new Family("samplingHttp: admin API PUT", "admin", auth -> http("samplingHttp", "PUT",
            "/api/sampling/strategies/services/cart", "application/json", strategy, auth)),
        new Family("admin: /metrics", "read", auth -> http("admin", "GET", "/metrics", null, null,
            auth)),
        new Family("otlpGrpc: Export", "write", auth -> grpc("otlpGrpc", EXPORT,
            ExportTraceServiceRequest.getDefaultInstance().toByteArray(), auth)),
        new Family("samplingGrpc: GetSamplingStrategy", "write", auth -> grpc("samplingGrpc",
            GET_STRATEGY, io.jaegertracing.api_v2.Sampling.SamplingStrategyParameters.newBuilder()
                .setServiceName("cart").build().toByteArray(), auth)),
        new Family("samplingGrpc: PostSpans", "write", auth -> grpc("samplingGrpc", POST_SPANS,
            io.jaegertracing.api_v2.Collector.PostSpansRequest.newBuilder().setBatch(
                JaegerIntakeEndToEndTest.grpcBatch(com.google.protobuf.ByteString.copyFrom(
                    new byte[] {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2}), now)).build()
                .toByteArray(), auth)));
  }

  /** A token that lacks the role, and one that has it. */
  static String wrongRoleFor(String role) {
    return role.equals("read") ? WRITER : READER;
  }

  static String rightRoleFor(String role) {
    return switch (role) {
      case "read" -> READER;
      case "write" -> WRITER;
      default -> ADMIN;
    };
  }

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (Family family : families()) {
      cases.add(Arguments.of(family, "no credentials", null, 401));
      cases.add(Arguments.of(family, "unknown token", "Bearer " + WRONG, 401));
      cases.add(Arguments.of(family, "without role " + family.role(),
          "Bearer " + wrongRoleFor(family.role()), 403));
      cases.add(Arguments.of(family, "with role " + family.role(),
          "Bearer " + rightRoleFor(family.role()), 200));
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("cases")
  void everyEndpointFamilyAsksForItsRole(Family family, String who, String authorization,
      int expected) throws Exception {
    int status = family.call().send(authorization);
    if (expected == 200) {
      assertThat(status).as(family.name()).isBetween(200, 299);
    } else {
      assertThat(status).as(family.name()).isEqualTo(expected);
    }
  }

  @Test
  void probesStayOpenAndTheUiShellAndAssetsToo() throws Exception {
    assertThat(http("admin", "GET", "/healthz", null, null, null)).isEqualTo(200);
    assertThat(http("admin", "GET", "/readyz", null, null, null)).isEqualTo(200);
    assertThat(http("query", "GET", "/search", null, null, null)).isEqualTo(200);
    HttpResponse<String> shell = TestServers.get(TestServers.url(server, "query", "/"));
    String asset = shell.body().replaceAll("(?s).*src=\"(/static/[^\"]+/app.js)\".*", "$1");
    assertThat(http("query", "GET", asset, null, null, null)).isEqualTo(200);
  }

  @Test
  void grafanasJaegerDataSourceWithBasicAuthOrABearerToken() throws Exception {
    String basic = "Basic " + Base64.getEncoder().encodeToString(("grafana:" + GRAFANA_PASSWORD)
        .getBytes(StandardCharsets.UTF_8));
    // Grafana sends the header on every call: after the first bcrypt, each is a cache hit.
    long begun = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      for (String path : List.of("/api/services", "/api/services/auth-test/operations",
          "/api/traces?service=auth-test&limit=20&lookback=1h", "/api/dependencies?endTs="
              + System.currentTimeMillis() + "&lookback=3600000")) {
        HttpResponse<String> answer = send("query", "GET", path, null, null, basic);
        assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(200);
      }
    }
    assertThat(Duration.ofNanos(System.nanoTime() - begun)).isLessThan(Duration.ofSeconds(20));
    assertThat(send("query", "GET", "/api/services", null, null, "Bearer " + READER)
        .statusCode()).isEqualTo(200);
    HttpResponse<String> wrong = send("query", "GET", "/api/services", null, null,
        "Basic " + Base64.getEncoder().encodeToString("grafana:nope".getBytes(
            StandardCharsets.UTF_8)));
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.headers().allValues("WWW-Authenticate")).contains(
        "Basic realm=\"meshtrace\", charset=\"UTF-8\"");
  }

  @Test
  void aLargeIngestRequestThroughBasicAuthArrivesWhole() throws Exception {
    long now = System.currentTimeMillis() * 1000;
    StringBuilder spans = new StringBuilder("[");
    int count = 8000;
    for (int i = 0; i < count; i++) {
      spans.append(i == 0 ? "" : ",").append(String.format("{\"traceId\":\"%016x\","
          + "\"id\":\"%016x\",\"name\":\"op-%d\",\"timestamp\":%d,\"duration\":5,"
          + "\"localEndpoint\":{\"serviceName\":\"big-basic\"},\"tags\":{\"pad\":\"%s\"}}",
          0xABCDEFL, i + 1, i, now, "x".repeat(200)));
    }
    byte[] body = spans.append("]").toString().getBytes(StandardCharsets.UTF_8);
    assertThat(body.length).isGreaterThan(2 << 20);
    String basic = "Basic " + Base64.getEncoder().encodeToString("sidecar:sidecar-password"
        .getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> posted = send("zipkin", "POST", "/api/v2/spans", "application/json",
        body, basic);
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
    HttpResponse<String> trace = send("query", "GET", "/api/traces/0000000000abcdef", null, null,
        "Bearer " + READER);
    assertThat(trace.statusCode()).isEqualTo(200);
    assertThat(io.vertx.core.json.JsonObject.mapFrom(new io.vertx.core.json.JsonObject(
        trace.body())).getJsonArray("data").getJsonObject(0).getJsonArray("spans").size())
        .isEqualTo(count);
  }

  @Test
  void theOtelSdksOtlpExporterWithABearerToken() throws Exception {
    String endpoint = "http://127.0.0.1:" + server.ports().get("otlpGrpc");
    try (OtelSdk sdk = new OtelSdk("otel-auth", OtlpGrpcSpanExporter.builder()
        .setEndpoint(endpoint).addHeader("authorization", "Bearer " + WRITER).build())) {
      sdk.provider.get("test").spanBuilder("authenticated export").startSpan().end();
      sdk.flush();
      String traceId = sdk.sent.getFinishedSpanItems().get(0).getTraceId();
      assertThat(send("query", "GET", "/api/traces/" + traceId, null, null, "Bearer " + READER)
          .statusCode()).isEqualTo(200);
    }
    try (OtelSdk sdk = new OtelSdk("otel-auth", OtlpGrpcSpanExporter.builder()
        .setEndpoint(endpoint).build())) {
      sdk.provider.get("test").spanBuilder("anonymous export").startSpan().end();
      org.assertj.core.api.Assertions.assertThatThrownBy(sdk::flush)
          .isInstanceOf(AssertionError.class);
    }
  }

  @Test
  void refusalsAreCountedAndNoCredentialEverReachesTheLog() throws Exception {
    http("query", "GET", "/api/services", null, null, "Bearer " + WRONG);
    http("query", "GET", "/api/services", null, null, "Basic " + Base64.getEncoder()
        .encodeToString(("grafana:" + WRONG).getBytes(StandardCharsets.UTF_8)));
    HttpResponse<String> metrics = send("admin", "GET", "/metrics", null, null,
        "Bearer " + READER);
    assertThat(metrics.body()).contains(
        "meshtrace_auth_failures_total{listener=\"query\",reason=\"invalid_credentials\"}",
        "meshtrace_auth_failures_total{listener=\"otlpGrpc\",reason=\"rate_limited\"} 0.0",
        "meshtrace_auth_file_reloads_total{outcome=\"loaded\"} 1.0");
    String log = LOG.toString(StandardCharsets.UTF_8);
    assertThat(log).contains("Credentials loaded from"); // the capture works
    for (String secret : List.of(READER, WRITER, ADMIN, WRONG, GRAFANA_PASSWORD,
        "sidecar-password")) {
      assertThat(log).doesNotContain(secret);
    }
  }

  static int http(String listener, String method, String path, String contentType, Object body,
      String authorization) throws Exception {
    return send(listener, method, path, contentType, body, authorization).statusCode();
  }

  static HttpResponse<String> send(String listener, String method, String path,
      String contentType, Object body, String authorization) throws Exception {
    byte[] bytes = body == null ? null : body instanceof byte[] raw ? raw
        : body.toString().getBytes(StandardCharsets.UTF_8);
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(TestServers.url(server,
            listener, path)))
        .timeout(Duration.ofSeconds(30))
        .method(method, bytes == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(bytes));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return TestServers.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static int grpc(String listener, ServiceMethod<Buffer, Buffer> method, byte[] message,
      String authorization) throws Exception {
    GrpcStatus status = grpc.request(SocketAddress.inetSocketAddress(
            server.ports().get(listener), "127.0.0.1"), method)
        .compose(request -> {
          if (authorization != null) {
            request.headers().set("authorization", authorization);
          }
          return request.send(Buffer.buffer(message));
        })
        .compose(response -> response.last().map(last -> response.status())
            .recover(failure -> io.vertx.core.Future.succeededFuture(response.status())))
        .await(30, TimeUnit.SECONDS);
    return switch (status) {
      case OK -> 200;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
      default -> 500 + status.code;
    };
  }

  private static ServiceMethod<Buffer, Buffer> method(String service, String name) {
    return ServiceMethod.client(ServiceName.create(service), name, GrpcMessageEncoder.IDENTITY,
        GrpcMessageDecoder.IDENTITY);
  }

  /** Writes to two streams. */
  static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream first;
    private final java.io.OutputStream second;

    TeeStream(java.io.OutputStream first, java.io.OutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public synchronized void write(int b) throws java.io.IOException {
      first.write(b);
      second.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws java.io.IOException {
      first.write(b, off, len);
      second.write(b, off, len);
    }
  }
}
