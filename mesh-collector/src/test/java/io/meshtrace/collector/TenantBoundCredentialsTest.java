package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.HTTP;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.model.TraceId;
import io.meshtrace.tenant.Tenant;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.GrpcStatus;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * {@code --tenancy true} with {@code --auth-file} and {@code --auth-ingest true} together, on
 * one real all-in-one server: a credential bound to a tenant wins over the request's tenant
 * header (README "Tenants"), for intake (Zipkin, OTLP/HTTP, OTLP/gRPC) and for the Jaeger v1 and
 * Zipkin v2 query APIs, checked in what is stored per tenant and what each caller reads back. An
 * unbound credential acts for the header's tenant and, without one, is refused as without
 * authentication. A bound credential with an invalid header value acts for its tenant, as a
 * Grafana Tempo user expects of a gateway that sets the tenant from the credential: the header
 * is not the credential's caller's to choose, so its value is ignored, valid or not.
 */
class TenantBoundCredentialsTest {
  static final String A = "team-a";
  static final String B = "team-b";
  static final String C = "team-c";
  static final String TOKEN_A = "team-a-token-4c1e8f2a9b3d7e6f";
  static final String TOKEN_B = "team-b-token-8d2f6a1c3e5b7d9f";
  static final String UNBOUND = "unbound-token-1a2b3c4d5e6f7a8b";
  static final String USER_B = "grafana-b";
  static final String PASSWORD_B = "grafana-b-password-Qz4w";
  /** Team-a's token and team-b's token both send a trace of this ID: two traces. */
  static final String SHARED = "5af7183fb1d4cf5f0000000000000ab0";
  static final String ONLY_B = "5af7183fb1d4cf5f0000000000000bb1";
  static final String ONLY_C = "5af7183fb1d4cf5f0000000000000cc1";

  static MeshtraceServer server;
  static long nowMicros;
  /** What team-a's token sent over OTLP/HTTP and OTLP/gRPC, each with the header team-b. */
  static List<SpanData> otlpHttpSent;
  static List<SpanData> otlpGrpcSent;
  static String otlpHttpTrace;
  static String otlpGrpcTrace;

  @BeforeAll
  static void start() throws Exception {
    Path file = Files.createTempFile("meshtrace-tenant-auth-", ".yaml");
    file.toFile().deleteOnExit();
    Files.writeString(file, """
        tokens:
          - {name: team-a-collectors, token: %s, roles: [read, write], tenant: team-a}
          - {name: team-b-collectors, token: %s, roles: [read, write], tenant: team-b}
          - {name: shared-collectors, token: %s, roles: [read, write]}
        users:
          - name: %s
            password: "%s"
            roles: [read]
            tenant: team-b
        """.formatted(TOKEN_A, TOKEN_B, UNBOUND, USER_B,
        new BCryptPasswordEncoder(4).encode(PASSWORD_B)));
    // The Jaeger agent's UDP ports carry neither credentials nor a tenant header.
    server = TestServers.allInOne("--tenancy", "true", "--jaeger-udp-tenant", "udp-tenant",
        "--auth-file", file.toString(), "--auth-ingest", "true", "--auth-max-failures", "1000");
    nowMicros = System.currentTimeMillis() * 1000;

    // Each bound token names the other team in the header: the token's tenant must win.
    assertAccepted(zipkin(bearer(TOKEN_A), B, frontendCallingBackend(SHARED)));
    assertAccepted(zipkin(bearer(TOKEN_B), A, "[" + span(SHARED, "b1", null, "SERVER", "b-op",
        "b-service", null) + "]"));
    assertAccepted(zipkin(bearer(TOKEN_B), null, "[" + span(ONLY_B, "b2", null, "SERVER",
        "b-only", "b-service", null) + "]"));
    // The unbound token writes for the header's tenant.
    assertAccepted(zipkin(bearer(UNBOUND), C, "[" + span(ONLY_C, "c1", null, "SERVER", "c-op",
        "c-service", null) + "]"));

    try (OtelSdk sdk = new OtelSdk("a-otlp-http", OtlpHttpSpanExporter.builder()
        .setEndpoint(url(server, "otlpHttp", "/v1/traces"))
        .addHeader("Authorization", bearer(TOKEN_A)).addHeader("X-Scope-OrgID", B).build())) {
      otlpHttpTrace = sdkTrace(sdk);
      otlpHttpSent = sdk.sent.getFinishedSpanItems();
    }
    try (OtelSdk sdk = new OtelSdk("a-otlp-grpc", OtlpGrpcSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + server.ports().get("otlpGrpc"))
        .addHeader("authorization", bearer(TOKEN_A)).addHeader("x-scope-orgid", B).build())) {
      otlpGrpcTrace = sdkTrace(sdk);
      otlpGrpcSent = sdk.sent.getFinishedSpanItems();
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
  }

  /** Case 1. */
  @Test
  void spansSentWithABoundTokenAreStoredAsItsTenantWhateverTheHeaderSays() throws Exception {
    // What storage holds, per tenant.
    assertThat(services(stored(A, SHARED))).containsOnly("frontend", "backend");
    assertThat(spanCount(stored(A, SHARED))).isEqualTo(3);
    assertThat(services(stored(B, SHARED))).containsOnly("b-service");
    SentSpans.assertStored(otlpHttpSent, stored(A, otlpHttpTrace));
    SentSpans.assertStored(otlpGrpcSent, stored(A, otlpGrpcTrace));
    for (String trace : List.of(otlpHttpTrace, otlpGrpcTrace)) {
      assertThat(stored(B, trace)).as("team-b's " + trace).isEmpty();
      assertThat(server.storage().spanStore().getTrace(TraceId.fromHex(trace)).await())
          .as("the default tenant's " + trace).isEmpty();
    }

    // What team-a's token reads back: the traces by ID and the services.
    assertThat(jaegerServices(get(bearer(TOKEN_A), null, "query", "/api/traces/" + SHARED)))
        .containsOnly("frontend", "backend");
    assertThat(jaegerServices(get(bearer(TOKEN_A), null, "query",
        "/api/traces/" + otlpHttpTrace))).containsOnly("a-otlp-http");
    assertThat(jaegerServices(get(bearer(TOKEN_A), null, "query",
        "/api/traces/" + otlpGrpcTrace))).containsOnly("a-otlp-grpc");
    assertThat(strings(data(get(bearer(TOKEN_A), null, "query", "/api/services"))))
        .containsExactlyInAnyOrder("frontend", "backend", "a-otlp-http", "a-otlp-grpc");

    // Team-b does not see them: neither its token nor the unbound token naming team-b.
    for (String authorization : List.of(bearer(TOKEN_B), bearer(UNBOUND))) {
      for (String trace : List.of(otlpHttpTrace, otlpGrpcTrace)) {
        assertThat(get(authorization, B, "query", "/api/traces/" + trace).statusCode())
            .isEqualTo(404);
      }
      assertThat(jaegerServices(get(authorization, B, "query", "/api/traces/" + SHARED)))
          .containsOnly("b-service");
      assertThat(strings(data(get(authorization, B, "query", "/api/services"))))
          .containsExactly("b-service");
    }
  }

  /** Case 2. */
  @Test
  void aBoundTokenReadsItsTenantsDataWhateverTheHeaderSays() throws Exception {
    String asA = bearer(TOKEN_A);
    assertThat(jaegerServices(get(asA, B, "query", "/api/traces/" + SHARED)))
        .containsOnly("frontend", "backend");
    assertThat(get(asA, B, "query", "/api/traces/" + ONLY_B).statusCode()).isEqualTo(404);
    assertThat(strings(data(get(asA, B, "query", "/api/services"))))
        .containsExactlyInAnyOrder("frontend", "backend", "a-otlp-http", "a-otlp-grpc");
    assertThat(data(get(asA, B, "query", "/api/traces?service=b-service&lookback=1h")))
        .isEmpty();

    assertThat(strings(zipkinArray(get(asA, B, "zipkin", "/api/v2/services"))))
        .containsExactlyInAnyOrder("frontend", "backend", "a-otlp-http", "a-otlp-grpc");
    JsonArray shared = zipkinArray(get(asA, B, "zipkin", "/api/v2/trace/" + SHARED));
    assertThat(shared).hasSize(3);
    assertThat(shared.encode()).contains("frontend").doesNotContain("b-service");
    assertThat(get(asA, B, "zipkin", "/api/v2/trace/" + ONLY_B).statusCode()).isEqualTo(404);

    // Team-b's token, naming team-a, reads team-b's.
    assertThat(strings(zipkinArray(get(bearer(TOKEN_B), A, "zipkin", "/api/v2/services"))))
        .containsExactly("b-service");
    assertThat(zipkinArray(get(bearer(TOKEN_B), A, "zipkin", "/api/v2/trace/" + SHARED)).encode())
        .contains("b-service").doesNotContain("frontend");
  }

  /** Case 3. */
  @Test
  void anUnboundTokenNeedsTheTenantHeaderAndActsForItsTenant() throws Exception {
    String unbound = bearer(UNBOUND);
    for (String[] endpoint : List.of(new String[] {"query", "/api/services"},
        new String[] {"query", "/api/traces/" + SHARED},
        new String[] {"zipkin", "/api/v2/services"})) {
      HttpResponse<String> refused = get(unbound, null, endpoint[0], endpoint[1]);
      assertThat(refused.statusCode()).as(endpoint[1]).isEqualTo(401);
      assertThat(refused.body()).contains("missing tenant header x-scope-orgid");
    }
    String nobody = "[" + span("5af7183fb1d4cf5f0000000000000dd1", "d1", null, "SERVER", "x",
        "nobody", null) + "]";
    HttpResponse<String> intake = zipkin(unbound, null, nobody);
    assertThat(intake.statusCode()).isEqualTo(401);
    assertThat(intake.body()).contains("missing tenant header x-scope-orgid");
    try (OtlpGrpcCalls grpc = new OtlpGrpcCalls(server.ports().get("otlpGrpc"))) {
      OtlpGrpcCalls.Reply reply = grpc.export(OtlpPayloads.trace(OtlpPayloads.randomTraceId(), 1,
          "nobody").toByteArray(), false, MultiMap.caseInsensitiveMultiMap()
          .add("authorization", unbound));
      assertThat(reply.status()).isEqualTo(GrpcStatus.UNAUTHENTICATED);
      assertThat(reply.message()).contains("missing tenant header x-scope-orgid");
    }

    // With the header: that tenant's, for writing (ONLY_C at start) and reading.
    assertThat(services(stored(C, ONLY_C))).containsOnly("c-service");
    assertThat(jaegerServices(get(unbound, C, "query", "/api/traces/" + ONLY_C)))
        .containsOnly("c-service");
    assertThat(strings(data(get(unbound, C, "query", "/api/services"))))
        .containsExactly("c-service");
    assertThat(jaegerServices(get(unbound, A, "query", "/api/traces/" + SHARED)))
        .containsOnly("frontend", "backend");
    assertThat(get(unbound, A, "query", "/api/traces/" + ONLY_C).statusCode()).isEqualTo(404);
    assertThat(get(bearer(TOKEN_A), C, "query", "/api/traces/" + ONLY_C).statusCode())
        .isEqualTo(404);
    for (String tenant : List.of(A, B, C)) {
      assertThat(strings(data(get(unbound, tenant, "query", "/api/services")))).as(tenant)
          .doesNotContain("nobody");
    }
  }

  /** Case 4. */
  @Test
  void aUserBoundToTeamBReadsTeamBsDataWhateverTheHeaderSays() throws Exception {
    String basic = "Basic " + Base64.getEncoder().encodeToString((USER_B + ":" + PASSWORD_B)
        .getBytes(StandardCharsets.UTF_8));
    for (String header : new String[] {null, A, B, C, "no/such tenant"}) {
      String as = "header " + header;
      assertThat(jaegerServices(get(basic, header, "query", "/api/traces/" + SHARED))).as(as)
          .containsOnly("b-service");
      assertThat(jaegerServices(get(basic, header, "query", "/api/traces/" + ONLY_B))).as(as)
          .containsOnly("b-service");
      assertThat(get(basic, header, "query", "/api/traces/" + otlpHttpTrace).statusCode()).as(as)
          .isEqualTo(404);
      assertThat(strings(data(get(basic, header, "query", "/api/services")))).as(as)
          .containsExactly("b-service");
      assertThat(strings(zipkinArray(get(basic, header, "zipkin", "/api/v2/services")))).as(as)
          .containsExactly("b-service");
    }
    // Read only: its tenant binding gives it no write.
    assertThat(zipkin(basic, B, "[]").statusCode()).isEqualTo(403);
  }

  /**
   * Case 5: the header is not a bound credential's to choose, so its value is ignored, valid or
   * not, and the answer is the credential's tenant's, not the 400 an invalid value gets
   * otherwise. This is what a Grafana Tempo user expects: there the tenant of an authenticated
   * request is set by the gateway from the credential, over whatever the client sent.
   */
  @Test
  void aBoundTokenWithAnInvalidOrNoHeaderActsForItsTenant() throws Exception {
    String trace = "5af7183fb1d4cf5f0000000000000ae5";
    for (String header : new String[] {"no/such tenant", "a".repeat(Tenant.MAX_LENGTH + 1), ""}) {
      HttpResponse<String> read = get(bearer(TOKEN_A), header, "query", "/api/services");
      assertThat(strings(data(read))).as("header '" + header + "'")
          .containsExactlyInAnyOrder("frontend", "backend", "a-otlp-http", "a-otlp-grpc");
      assertThat(zipkinArray(get(bearer(TOKEN_A), header, "zipkin", "/api/v2/trace/" + SHARED)))
          .hasSize(3);
    }
    assertAccepted(zipkin(bearer(TOKEN_A), "no/such tenant", "[" + span(trace, "e1", null,
        "SERVER", "bad-header-op", "frontend", null) + "]"));
    assertThat(services(stored(A, trace))).containsOnly("frontend");
    assertThat(stored(B, trace)).isEmpty();
    assertThat(jaegerServices(get(bearer(TOKEN_A), null, "query", "/api/traces/" + trace)))
        .containsOnly("frontend");

    // The unbound token has no tenant of its own: its invalid header is refused as without auth.
    HttpResponse<String> unbound = get(bearer(UNBOUND), "no/such tenant", "query",
        "/api/services");
    assertThat(unbound.statusCode()).isEqualTo(400);
    assertThat(unbound.body()).contains("invalid tenant in header x-scope-orgid");
  }

  // --- writing ---------------------------------------------------------------------------

  static String frontendCallingBackend(String traceId) {
    return "[" + span(traceId, "a1", null, "SERVER", "get /a", "frontend", null) + ","
        + span(traceId, "a2", "a1", "CLIENT", "call backend", "frontend", "backend") + ","
        + span(traceId, "a3", "a2", "SERVER", "handle", "backend", null) + "]";
  }

  static String span(String traceId, String id, String parentId, String kind, String name,
      String service, String remoteService) {
    return "{\"traceId\": \"" + traceId + "\", \"id\": \"" + spanId(id) + "\""
        + (parentId == null ? "" : ", \"parentId\": \"" + spanId(parentId) + "\"")
        + ", \"kind\": \"" + kind + "\", \"name\": \"" + name + "\", \"timestamp\": " + nowMicros
        + ", \"duration\": 1500, \"localEndpoint\": {\"serviceName\": \"" + service + "\"}"
        + (remoteService == null ? ""
            : ", \"remoteEndpoint\": {\"serviceName\": \"" + remoteService + "\"}") + "}";
  }

  private static String spanId(String prefix) {
    return (prefix + "00000000000000").substring(0, 14) + "01";
  }

  static HttpResponse<String> zipkin(String authorization, String tenant, String json)
      throws Exception {
    return send(request(authorization, tenant, "zipkin", "/api/v2/spans")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  static void assertAccepted(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
  }

  /** A root span and a child through the SDK; returns once the export has been answered. */
  static String sdkTrace(OtelSdk sdk) {
    // With a version: SentSpans compares the stored scope's version with it.
    var tracer = sdk.provider.get("tenant-bound-credentials-test", "1.0");
    var root = tracer.spanBuilder("sdk-root").setSpanKind(SpanKind.SERVER).startSpan();
    tracer.spanBuilder("sdk-child").setParent(io.opentelemetry.context.Context.current()
        .with(root)).startSpan().end();
    root.end();
    sdk.flush();
    return root.getSpanContext().getTraceId();
  }

  // --- reading ---------------------------------------------------------------------------

  static List<ResourceSpans> stored(String tenant, String traceId) {
    return server.storage().spanStores().forTenant(Tenant.of(tenant))
        .getTrace(TraceId.fromHex(traceId)).await();
  }

  static List<String> services(List<ResourceSpans> trace) {
    List<String> services = new ArrayList<>();
    for (ResourceSpans resourceSpans : trace) {
      Resource resource = resourceSpans.getResource();
      resource.getAttributesList().stream().filter(kv -> kv.getKey().equals("service.name"))
          .forEach(kv -> services.add(kv.getValue().getStringValue()));
    }
    return services;
  }

  static int spanCount(List<ResourceSpans> trace) {
    return trace.stream().flatMap(r -> r.getScopeSpansList().stream())
        .mapToInt(s -> s.getSpansCount()).sum();
  }

  static String bearer(String token) {
    return "Bearer " + token;
  }

  /** A GET with these credentials; no tenant header when {@code tenant} is null. */
  static HttpResponse<String> get(String authorization, String tenant, String listener,
      String path) throws Exception {
    return send(request(authorization, tenant, listener, path).GET());
  }

  static HttpRequest.Builder request(String authorization, String tenant, String listener,
      String path) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(server, listener, path)))
        .header("Authorization", authorization);
    if (tenant != null) {
      request.header("X-Scope-OrgID", tenant);
    }
    return request;
  }

  static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonArray data(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body()).getJsonArray("data");
  }

  static JsonArray zipkinArray(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonArray(response.body());
  }

  static List<String> strings(JsonArray array) {
    List<String> strings = new ArrayList<>();
    array.forEach(value -> strings.add(String.valueOf(value)));
    return strings;
  }

  static List<String> jaegerServices(HttpResponse<String> trace) {
    JsonObject processes = data(trace).getJsonObject(0).getJsonObject("processes");
    List<String> services = new ArrayList<>();
    processes.forEach(p -> services.add(((JsonObject) p.getValue()).getString("serviceName")));
    return services;
  }
}
