package io.meshtrace.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.jaegertracing.internal.samplers.HttpSamplingManager;
import io.jaegertracing.internal.samplers.ProbabilisticSampler;
import io.jaegertracing.internal.samplers.RemoteControlledSampler;
import io.jaegertracing.internal.samplers.SamplingStatus;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.extension.trace.jaeger.sampler.JaegerRemoteSampler;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code control-plane} command against the SDKs that ask it for strategies: the
 * OpenTelemetry Java SDK's Jaeger remote sampler (gRPC) and Jaeger's last Java client (HTTP).
 */
class RemoteSamplingEndToEndTest {
  static final String STRATEGIES = """
      {
        "default_strategy": {"type": "probabilistic", "param": 0.001},
        "service_strategies": [
          {"service": "checkout", "type": "probabilistic", "param": 0.5,
           "operation_strategies": [
             {"operation": "A", "type": "probabilistic", "param": 1.0},
             {"operation": "B", "type": "probabilistic", "param": 0.0}]},
          {"service": "frontend", "type": "probabilistic", "param": 0.25},
          {"service": "edge", "type": "ratelimiting", "param": 3}
        ]
      }""";

  static final String ADMIN_TOKEN = "e2e-admin-token";

  @TempDir
  static Path dir;
  static Path strategies;
  static MeshtraceServer server;

  @BeforeAll
  static void start() throws Exception {
    strategies = dir.resolve("strategies.json");
    Files.writeString(strategies, STRATEGIES);
    server = TestServers.start("control-plane", "--sampling-strategies", strategies.toString(),
        "--sampling-strategies-reload-interval", "200ms", "--admin-token", ADMIN_TOKEN);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void theControlPlaneRunsTheSamplingListenersAndAdminOnly() {
    assertThat(server.ports().keySet()).containsExactly("samplingHttp", "samplingGrpc", "admin");
  }

  @Test
  void openTelemetrysJaegerRemoteSamplerSamplesOperationAAlwaysAndBNever() throws Exception {
    JaegerRemoteSampler sampler = JaegerRemoteSampler.builder()
        .setEndpoint("http://127.0.0.1:" + server.ports().get("samplingGrpc"))
        .setServiceName("checkout")
        .setPollingInterval(Duration.ofMillis(100))
        .setInitialSampler(Sampler.alwaysOff())
        .build();
    try (SdkTracerProvider provider = SdkTracerProvider.builder().setSampler(sampler).build()) {
      await(() -> sampler.toString().contains("PerOperationSampler"));
      assertThat(sampler.toString()).contains("A").contains("B");
      Tracer tracer = provider.get("remote-sampling-test");
      for (int i = 0; i < 200; i++) {
        assertThat(sampled(tracer, "A")).as("span %d of A", i).isTrue();
        assertThat(sampled(tracer, "B")).as("span %d of B", i).isFalse();
      }
    }
  }

  @Test
  void aStrategySetThroughTheAdminApiIsServedAtOnceAndItsDeletionRestoresTheDefault()
      throws Exception {
    String base = "http://127.0.0.1:" + server.ports().get("samplingHttp");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest.Builder put = HttpRequest.newBuilder(
            URI.create(base + "/api/sampling/strategies/services/payments"))
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(
            "{\"type\": \"probabilistic\", \"param\": 0.75}"));
    assertThat(http.send(put.build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(401);
    HttpResponse<String> set = http.send(put.header("Authorization", "Bearer " + ADMIN_TOKEN)
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    // Visible over HTTP and gRPC within a second of the change (here: at once).
    long changed = System.nanoTime();
    await(() -> TestServers.get(base + "/sampling?service=payments").body()
        .contains("\"samplingRate\":0.75")
        && grpcStrategy("payments").getProbabilisticSampling().getSamplingRate() == 0.75);
    assertThat(Duration.ofNanos(System.nanoTime() - changed)).isLessThan(Duration.ofSeconds(1));
    HttpResponse<String> deleted = http.send(HttpRequest.newBuilder(
            URI.create(base + "/api/sampling/strategies/services/payments"))
        .header("Authorization", "Bearer " + ADMIN_TOKEN).DELETE().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(TestServers.get(base + "/sampling?service=payments").body())
        .contains("\"samplingRate\":0.001");
  }

  static final io.vertx.grpc.common.ServiceMethod<
      io.jaegertracing.api_v2.Sampling.SamplingStrategyResponse,
      io.jaegertracing.api_v2.Sampling.SamplingStrategyParameters> GET_SAMPLING_STRATEGY =
      io.vertx.grpc.common.ServiceMethod.client(
          io.vertx.grpc.common.ServiceName.create("jaeger.api_v2", "SamplingManager"),
          "GetSamplingStrategy", io.vertx.grpc.common.GrpcMessageEncoder.encoder(),
          io.vertx.grpc.common.GrpcMessageDecoder.decoder(
              io.jaegertracing.api_v2.Sampling.SamplingStrategyResponse.getDefaultInstance()));

  static io.jaegertracing.api_v2.Sampling.SamplingStrategyResponse grpcStrategy(String service)
      throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.vertx.grpc.client.GrpcClient client = io.vertx.grpc.client.GrpcClient.client(vertx);
      return client.request(io.vertx.core.net.SocketAddress.inetSocketAddress(
                  server.ports().get("samplingGrpc"), "127.0.0.1"), GET_SAMPLING_STRATEGY)
          .compose(request -> request.send(io.jaegertracing.api_v2.Sampling
              .SamplingStrategyParameters.newBuilder().setServiceName(service).build()))
          .compose(io.vertx.grpc.client.GrpcClientResponse::last)
          .await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void withAdaptiveSamplingOnTheStoredProbabilitiesAreServedAndExported() throws Exception {
    String database = io.meshtrace.storage.postgres.TestPostgres.freshDatabaseUrl();
    TestServers.startOn(database, "control-plane").stop(); // creates the schema
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.vertx.pgclient.PgConnection.connect(vertx,
              io.vertx.pgclient.PgConnectOptions.fromUri(database))
          .compose(conn -> conn.query("INSERT INTO adaptive_sampling_probabilities VALUES"
              + " ('search', 'GET /q', 0.00025, now())").execute().eventually(conn::close))
          .await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    MeshtraceServer adaptive = TestServers.startOn(database, "control-plane",
        "--adaptive-sampling", "true", "--sampling-strategies", strategies.toString());
    try {
      String sampling = "http://127.0.0.1:" + adaptive.ports().get("samplingHttp");
      JsonObject served = new JsonObject(http11(sampling + "/sampling?service=search").body());
      JsonObject operations = served.getJsonObject("operationSampling");
      assertThat(operations.getDouble("defaultLowerBoundTracesPerSecond"))
          .isEqualTo(1.0 / 60);
      assertThat(operations.getJsonArray("perOperationStrategies").getJsonObject(0)
          .getJsonObject("probabilisticSampling").getDouble("samplingRate")).isEqualTo(0.00025);
      // A service with a typed entry in the file stays as written.
      assertThat(http11(sampling + "/sampling?service=frontend").body())
          .contains("\"samplingRate\":0.25").doesNotContain("operationSampling");
      assertThat(http11("http://127.0.0.1:" + adaptive.ports().get("admin") + "/metrics").body())
          .contains("meshtrace_sampling_adaptive_probability{"
              + "operation=\"GET /q\",service=\"search\"} 2.5E-4");
    } finally {
      adaptive.stop();
    }
  }

  /**
   * Plain HTTP/1.1 with a deadline: once, in a full run, a first request to a new server hung two
   * minutes inside the JDK client's h2c upgrade.
   */
  static HttpResponse<String> http11(String url) throws Exception {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
        .send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void jaegerClientGetsProbabilisticAndRateLimitingStrategies() throws Exception {
    HttpSamplingManager manager = new HttpSamplingManager("127.0.0.1:"
        + server.ports().get("samplingHttp"));
    RemoteControlledSampler frontend = jaegerSampler("frontend", manager);
    RemoteControlledSampler edge = jaegerSampler("edge", manager);
    try {
      await(() -> "0.25".equals(String.valueOf(tags(frontend).get("sampler.param"))));
      assertThat(tags(frontend)).containsEntry("sampler.type", "probabilistic");
      await(() -> "ratelimiting".equals(tags(edge).get("sampler.type")));
      assertThat(tags(edge)).containsEntry("sampler.param", 3.0);
    } finally {
      frontend.close();
      edge.close();
    }
  }

  @Test
  void aBrokenFileKeepsTheLastGoodStrategiesAndSaysSoThenAFixIsServed() throws Exception {
    try {
      // Replaced whole, so that no read sees it half written and the failure count is exact.
      replace(STRATEGIES.replace("\"param\": 0.25", "\"param\": 2.5"));
      await(() -> readyz().body().contains("degraded"));
      HttpResponse<String> ready = readyz();
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(ready.body()).getJsonObject("checks")
          .getString("samplingStrategies"))
          .startsWith("degraded: file " + strategies + " is broken")
          .endsWith("service_strategies[1].param: probability 2.5 is outside [0,1] "
              + "(line 8, column 63)");
      assertThat(metric("meshtrace_sampling_strategies_reloads_total{outcome=\"failed\","
          + "source=\"file\"}")).isEqualTo(1.0);
      assertThat(TestServers.get(url("samplingHttp", "/sampling?service=frontend")).body())
          .contains("\"samplingRate\":0.25");
    } finally {
      replace(STRATEGIES.replace("\"param\": 0.25", "\"param\": 0.75"));
    }
    // The fix reaches both protocols.
    await(() -> TestServers.get(url("samplingHttp", "/sampling?service=frontend")).body()
        .contains("\"samplingRate\":0.75"));
    assertThat(TestServers.get(url("samplingHttp", "/?service=frontend")).body())
        .isEqualTo("{\"strategyType\":0,\"probabilisticSampling\":{\"samplingRate\":0.75}}");
    JaegerRemoteSampler sampler = JaegerRemoteSampler.builder()
        .setEndpoint("http://127.0.0.1:" + server.ports().get("samplingGrpc"))
        .setServiceName("frontend").setPollingInterval(Duration.ofMillis(100)).build();
    try {
      await(() -> sampler.toString().contains("0.75"));
    } finally {
      sampler.close();
    }
    assertThat(readyz().body()).contains("\"samplingStrategies\":\"ok: file ");
    assertThat(metric("meshtrace_sampling_strategy_requests_total{endpoint=\"legacy\","
        + "outcome=\"ok\",service=\"frontend\"}")).isGreaterThanOrEqualTo(1.0);
    replace(STRATEGIES);
    await(() -> TestServers.get(url("samplingHttp", "/sampling?service=frontend")).body()
        .contains("\"samplingRate\":0.25"));
  }

  private static void replace(String content) throws java.io.IOException {
    Path temp = dir.resolve(".strategies.json.tmp");
    Files.writeString(temp, content);
    Files.move(temp, strategies, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static RemoteControlledSampler jaegerSampler(String service,
      HttpSamplingManager manager) {
    return new RemoteControlledSampler.Builder(service)
        .withSamplingManager(manager)
        .withInitialSampler(new ProbabilisticSampler(0))
        .withPollingInterval(100)
        .build();
  }

  private static Map<String, Object> tags(RemoteControlledSampler sampler) {
    SamplingStatus status = sampler.sample("GET /", 42);
    return status.getTags();
  }

  private static boolean sampled(Tracer tracer, String operation) {
    Span span = tracer.spanBuilder(operation).startSpan();
    try {
      return span.getSpanContext().isSampled();
    } finally {
      span.end();
    }
  }

  private static HttpResponse<String> readyz() throws Exception {
    return TestServers.get(url("admin", "/readyz"));
  }

  private static double metric(String series) throws Exception {
    for (String line : TestServers.get(url("admin", "/metrics")).body().split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1));
      }
    }
    throw new AssertionError("no " + series + " on /metrics");
  }

  private static String url(String listener, String path) {
    return TestServers.url(server, listener, path);
  }

  private static void await(Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 20 s");
      }
      Thread.sleep(50);
    }
  }
}
