package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.HTTP;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.jaeger.codec.ThriftBatches;
import io.meshtrace.collector.server.TestServers;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.GrpcStatus;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code --tenancy true}, end to end: tenants A and B write through Zipkin, OTLP/HTTP, OTLP/gRPC
 * and Jaeger; over the Jaeger v1 and v3 and the Zipkin v2 APIs each reads its own spans and never
 * the other's, also of a trace ID both sent; a request without a valid tenant header is refused
 * before anything reads or stores it; what is mesh-wide (health, metrics, sampling, the UI's
 * pages) needs no tenant.
 */
class TenantsEndToEndTest {
  static final String A = "team-a";
  static final String B = "team-b";
  /** Both tenants send a trace of this ID: it stays two traces. */
  static final String SHARED = "5af7183fb1d4cf5f0000000000000a0b";
  static final String ONLY_A = "5af7183fb1d4cf5f0000000000000a0a";
  static MeshtraceServer server;
  static long nowMicros;
  static String otlpHttpTrace;
  static String otlpGrpcTrace;
  static final String JAEGER_B = String.format("%016x%016x", 0x0bL, 0x0b1L);

  @BeforeAll
  static void writeAsTwoTenants() throws Exception {
    server = TestServers.allInOne("--tenancy", "true", "--jaeger-udp-tenant", "udp-tenant",
        "--autocomplete-keys", "team,a-only-key");
    nowMicros = System.currentTimeMillis() * 1000;
    assertThat(zipkin(A, frontendCallingBackend(SHARED, "a1")).statusCode()).isEqualTo(202);
    assertThat(zipkin(A, frontendCallingBackend(ONLY_A, "a4")).statusCode()).isEqualTo(202);
    assertThat(zipkin(B, "[" + span(SHARED, "b1", null, "SERVER", "b-op", "b-service",
        "{\"team\": \"b\"}", null) + "]").statusCode()).isEqualTo(202);
    otlpHttpTrace = sdkTrace(OtlpHttpSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + server.ports().get("otlpHttp") + "/v1/traces")
        .addHeader("X-Scope-OrgID", A).build(), "a-otlp-http");
    otlpGrpcTrace = sdkTrace(OtlpGrpcSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + server.ports().get("otlpGrpc"))
        .addHeader("x-scope-orgid", A).build(), "a-otlp-grpc");
    HttpResponse<String> jaeger = send(HttpRequest.newBuilder(URI.create(
            url(server, "jaegerHttp", "/api/traces")))
        .header("Content-Type", "application/x-thrift").header("x-scope-orgid", B)
        .POST(HttpRequest.BodyPublishers.ofByteArray(ThriftBatches.httpBody(
            ThriftBatches.everything(nowMicros, 0x0bL, 0x0b1L)))));
    assertThat(jaeger.statusCode()).as(jaeger.body()).isEqualTo(202);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void jaegerV1ShowsEachTenantItsOwnTracesNamesAndDependencies() throws Exception {
    assertThat(jaegerServices(read(A, "query", "/api/traces/" + SHARED)))
        .containsOnly("frontend", "backend");
    assertThat(jaegerServices(read(B, "query", "/api/traces/" + SHARED)))
        .containsOnly("b-service");
    assertThat(read(B, "query", "/api/traces/" + ONLY_A).statusCode()).isEqualTo(404);
    assertThat(read(B, "query", "/api/traces/" + otlpGrpcTrace).statusCode()).isEqualTo(404);
    assertThat(read(A, "query", "/api/traces/" + JAEGER_B).statusCode()).isEqualTo(404);
    assertThat(read(B, "query", "/api/traces/" + JAEGER_B).statusCode()).isEqualTo(200);

    String search = "/api/traces?service=frontend&lookback=1h&limit=20";
    assertThat(data(read(A, "query", search))).hasSize(2);
    assertThat(data(read(B, "query", search))).isEmpty();
    assertThat(data(read(B, "query", "/api/traces?lookback=1h&limit=100")))
        .extracting(t -> ((JsonObject) t).getString("traceID"))
        .containsExactlyInAnyOrder(SHARED.replaceFirst("^0+", ""), JAEGER_B);
    assertThat(data(read(B, "query", "/api/traces?service=b-service&tags="
        + java.net.URLEncoder.encode("{\"team\":\"a\"}", StandardCharsets.UTF_8)))).isEmpty();

    assertThat(strings(data(read(A, "query", "/api/services"))))
        .contains("frontend", "backend", "a-otlp-http", "a-otlp-grpc")
        .doesNotContain("b-service", "checkout");
    assertThat(strings(data(read(B, "query", "/api/services"))))
        .containsExactlyInAnyOrder("b-service", "checkout");
    assertThat(strings(data(read(A, "query", "/api/services/frontend/operations"))))
        .contains("get /a");
    assertThat(data(read(B, "query", "/api/services/frontend/operations"))).isEmpty();
    assertThat(data(read(B, "query", "/api/operations?service=frontend"))).isEmpty();

    String dependencies = "/api/dependencies?endTs=" + (System.currentTimeMillis() + 3_600_000)
        + "&lookback=7200000";
    JsonArray ofA = awaitNonEmpty(() -> data(read(A, "query", dependencies)));
    assertThat(ofA).extracting(l -> ((JsonObject) l).getString("parent") + "->"
        + ((JsonObject) l).getString("child")).contains("frontend->backend");
    assertThat(data(read(B, "query", dependencies)).encode()).doesNotContain("frontend");
  }

  @Test
  void jaegerV3ShowsEachTenantItsOwn() throws Exception {
    assertThat(read(B, "query", "/api/v3/traces/" + ONLY_A).statusCode()).isEqualTo(404);
    assertThat(read(A, "query", "/api/v3/traces/" + ONLY_A).statusCode()).isEqualTo(200);
    assertThat(read(B, "query", "/api/v3/traces/" + SHARED).body()).contains("b-service")
        .doesNotContain("frontend");
    String search = "/api/v3/traces?query.service_name=frontend&query.start_time_min="
        + java.time.Instant.now().minusSeconds(3600) + "&query.start_time_max="
        + java.time.Instant.now().plusSeconds(60);
    assertThat(read(A, "query", search).statusCode()).isEqualTo(200);
    assertThat(read(B, "query", search).statusCode()).isEqualTo(404);
    assertThat(read(B, "query", "/api/v3/services").body()).contains("b-service")
        .doesNotContain("frontend");
    assertThat(new JsonObject(read(B, "query", "/api/v3/operations?service=frontend").body())
        .getJsonArray("operations")).isEmpty();
    assertThat(read(A, "query", "/api/v3/operations?service=frontend").body())
        .contains("get /a");
  }

  @Test
  void zipkinV2ShowsEachTenantItsOwnIncludingAutocomplete() throws Exception {
    assertThat(read(B, "zipkin", "/api/v2/trace/" + ONLY_A).statusCode()).isEqualTo(404);
    assertThat(read(B, "zipkin", "/api/v2/trace/" + SHARED).body()).contains("b-service")
        .doesNotContain("frontend");
    assertThat(new JsonArray(read(A, "zipkin", "/api/v2/trace/" + SHARED).body())).hasSize(3);
    String search = "/api/v2/traces?serviceName=frontend&lookback=3600000";
    assertThat(new JsonArray(read(A, "zipkin", search).body())).hasSize(2);
    assertThat(new JsonArray(read(B, "zipkin", search).body())).isEmpty();
    assertThat(new JsonArray(read(B, "zipkin", "/api/v2/traces?lookback=3600000").body())
        .encode()).doesNotContain("frontend");
    assertThat(strings(new JsonArray(read(B, "zipkin", "/api/v2/services").body())))
        .contains("b-service").doesNotContain("frontend");
    assertThat(new JsonArray(read(B, "zipkin", "/api/v2/spans?serviceName=frontend").body()))
        .isEmpty();
    assertThat(strings(new JsonArray(read(A, "zipkin", "/api/v2/spans?serviceName=frontend")
        .body()))).contains("get /a");
    assertThat(strings(new JsonArray(read(A, "zipkin",
        "/api/v2/remoteServices?serviceName=frontend").body()))).contains("backend");
    assertThat(new JsonArray(read(B, "zipkin", "/api/v2/remoteServices?serviceName=frontend")
        .body())).isEmpty();
    String dependencies = "/api/v2/dependencies?endTs=" + (System.currentTimeMillis() + 3_600_000)
        + "&lookback=7200000";
    assertThat(awaitNonEmpty(() -> new JsonArray(read(A, "zipkin", dependencies).body()))
        .encode()).contains("frontend");
    assertThat(read(B, "zipkin", dependencies).body()).doesNotContain("frontend");
    assertThat(strings(new JsonArray(read(A, "zipkin", "/api/v2/autocompleteKeys").body())))
        .contains("team");
    assertThat(strings(new JsonArray(read(A, "zipkin", "/api/v2/autocompleteValues?key=team")
        .body()))).containsExactly("a");
    assertThat(strings(new JsonArray(read(B, "zipkin", "/api/v2/autocompleteValues?key=team")
        .body()))).containsExactly("b");
    // The configured keys are the same for every tenant; their values are each tenant's own.
    assertThat(new JsonArray(read(B, "zipkin", "/api/v2/autocompleteValues?key=a-only-key")
        .body())).isEmpty();
  }

  @Test
  void aRequestWithoutAValidTenantIsRefusedBeforeAnythingReadsOrStoresIt() throws Exception {
    String body = "[" + span("5af7183fb1d4cf5f0000000000000c0c", "c1", null, "SERVER", "x",
        "nobody", "{}", null) + "]";
    HttpResponse<String> missing = send(HttpRequest.newBuilder(URI.create(
            url(server, "zipkin", "/api/v2/spans"))).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.body()).contains("missing tenant header x-scope-orgid");
    HttpResponse<String> invalid = zipkin("no/such tenant", body);
    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(invalid.body()).contains("invalid tenant");
    assertThat(read(null, "query", "/api/services").statusCode()).isEqualTo(401);
    assertThat(read("", "zipkin", "/api/v2/services").statusCode()).isEqualTo(401);
    assertThat(read("a".repeat(65), "query", "/api/v3/services").statusCode()).isEqualTo(400);
    assertThat(send(HttpRequest.newBuilder(URI.create(url(server, "otlpHttp", "/v1/traces")))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}"))).statusCode()).isEqualTo(401);
    try (OtlpGrpcCalls grpc = new OtlpGrpcCalls(server.ports().get("otlpGrpc"))) {
      OtlpGrpcCalls.Reply reply = grpc.export(ExportTraceServiceRequest.getDefaultInstance()
          .toByteArray(), false);
      assertThat(reply.status()).isEqualTo(GrpcStatus.UNAUTHENTICATED);
      assertThat(reply.message()).contains("missing tenant header");
    }
    assertThat(strings(data(read(B, "query", "/api/services")))).doesNotContain("nobody");
    // Mesh-wide: no tenant needed.
    assertThat(read(null, "admin", "/healthz").statusCode()).isEqualTo(200);
    assertThat(read(null, "admin", "/metrics").statusCode()).isEqualTo(200);
    assertThat(read(null, "query", "/").statusCode()).isEqualTo(200);
    assertThat(read(null, "samplingHttp", "/sampling?service=x").statusCode()).isEqualTo(200);
  }

  @Test
  void theJaegerAgentsUdpSpansAreTheConfiguredTenants() throws Exception {
    long low = 0x0d1L;
    byte[] packet = ThriftBatches.agentPacket(ThriftBatches.everything(nowMicros, 0, low), true);
    try (java.net.DatagramSocket socket = new java.net.DatagramSocket()) {
      socket.send(new java.net.DatagramPacket(packet, packet.length,
          java.net.InetAddress.getLoopbackAddress(), server.ports().get("jaegerCompact")));
    }
    String trace = "/api/traces/" + String.format("%016x", low);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (read("udp-tenant", "query", trace).statusCode() != 200) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(100);
    }
    assertThat(read(A, "query", trace).statusCode()).isEqualTo(404);
  }

  // --- writing ---------------------------------------------------------------------------

  static String frontendCallingBackend(String traceId, String prefix) {
    String root = prefix + "00000000000001".substring(prefix.length() - 2);
    String client = prefix + "00000000000002".substring(prefix.length() - 2);
    String server = prefix + "00000000000003".substring(prefix.length() - 2);
    return "[" + span(traceId, root, null, "SERVER", "get /a", "frontend",
            "{\"team\": \"a\", \"a-only-key\": \"x\"}", null) + ","
        + span(traceId, client, root, "CLIENT", "call backend", "frontend", "{}", "backend")
        + "," + span(traceId, server, client, "SERVER", "handle", "backend", "{}", null) + "]";
  }

  static String span(String traceId, String id, String parentId, String kind, String name,
      String service, String tags, String remoteService) {
    String spanId = id.length() == 16 ? id : (id + "0000000000000000").substring(0, 16);
    String parent = parentId == null ? null
        : parentId.length() == 16 ? parentId : (parentId + "0000000000000000").substring(0, 16);
    return "{\"traceId\": \"" + traceId + "\", \"id\": \"" + spanId + "\""
        + (parent == null ? "" : ", \"parentId\": \"" + parent + "\"")
        + ", \"kind\": \"" + kind + "\", \"name\": \"" + name + "\", \"timestamp\": " + nowMicros
        + ", \"duration\": 1500, \"localEndpoint\": {\"serviceName\": \"" + service + "\"}"
        + (remoteService == null ? ""
            : ", \"remoteEndpoint\": {\"serviceName\": \"" + remoteService + "\"}")
        + ", \"tags\": " + tags + "}";
  }

  static HttpResponse<String> zipkin(String tenant, String json) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(url(server, "zipkin", "/api/v2/spans")))
        .header("Content-Type", "application/json").header("X-Scope-OrgID", tenant)
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  static String sdkTrace(io.opentelemetry.sdk.trace.export.SpanExporter exporter, String service) {
    try (OtelSdk sdk = new OtelSdk(service, exporter)) {
      Tracer tracer = sdk.provider.get("tenants-test");
      io.opentelemetry.api.trace.Span root = tracer.spanBuilder("sdk-root")
          .setSpanKind(SpanKind.SERVER).startSpan();
      root.end();
      sdk.flush();
      return root.getSpanContext().getTraceId();
    }
  }

  // --- reading ---------------------------------------------------------------------------

  /** A GET as the tenant; no tenant header when {@code tenant} is null. */
  static HttpResponse<String> read(String tenant, String listener, String path) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(server, listener, path)))
        .GET();
    if (tenant != null) {
      request.header("X-Scope-OrgID", tenant);
    }
    return send(request);
  }

  static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonArray data(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body()).getJsonArray("data");
  }

  static List<String> strings(JsonArray array) {
    List<String> strings = new ArrayList<>();
    array.forEach(value -> strings.add(value instanceof JsonObject o ? o.getString("name")
        : String.valueOf(value)));
    return strings;
  }

  static List<String> jaegerServices(HttpResponse<String> trace) {
    JsonObject processes = data(trace).getJsonObject(0).getJsonObject("processes");
    List<String> services = new ArrayList<>();
    processes.forEach(p -> services.add(((JsonObject) p.getValue()).getString("serviceName")));
    return services;
  }

  interface Read {
    JsonArray get() throws Exception;
  }

  /** Dependency links are added every few seconds, not at commit. */
  static JsonArray awaitNonEmpty(Read read) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonArray result = read.get();
    while (result.isEmpty()) {
      assertThat(System.nanoTime()).as("dependencies within 30 s").isLessThan(deadline);
      Thread.sleep(250);
      result = read.get();
    }
    return result;
  }
}
