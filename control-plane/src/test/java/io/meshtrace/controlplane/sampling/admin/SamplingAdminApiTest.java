package io.meshtrace.controlplane.sampling.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.controlplane.sampling.ObservedTraffic;
import io.meshtrace.controlplane.sampling.ObservedTrafficPoller;
import io.meshtrace.controlplane.sampling.RootSpanThroughputReader;
import io.meshtrace.controlplane.sampling.SamplingObserver;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.controlplane.sampling.SamplingStrategiesJson;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.meshtrace.controlplane.sampling.served.ServedSamplingStrategies;
import io.meshtrace.lifecycle.Component;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.meshtrace.storage.postgres.PostgresStorageConfig;
import io.meshtrace.storage.postgres.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admin API against a real embedded PostgreSQL, over real HTTP: authorisation, validation
 * that names the field, the overlay on the file's strategies, history, and a second replica
 * picking a change up.
 */
class SamplingAdminApiTest {
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static final String TOKEN = "s3cret-token";
  static final String FILE = """
      {"default_strategy": {"type": "probabilistic", "param": 0.01},
       "service_strategies": [
         {"service": "checkout", "type": "probabilistic", "param": 0.8},
         {"service": "cart", "type": "ratelimiting", "param": 5}]}""";

  Vertx vertx;
  PostgresStorage storage;
  AdminStrategyVersions store;
  Replica source;
  List<Component> stopping = new ArrayList<>();
  String base;

  /** What one meshtrace process serves: the file, the API's versions, both combined. */
  record Replica(SamplingStrategySource file, AdminVersionPoller versions,
      ServedSamplingStrategies served) {
    SamplingStrategies current() {
      return served.current();
    }

    SamplingStrategyVersion apiVersion() {
      return versions.current();
    }
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    storage = PostgresStorage.open(vertx,
        PostgresStorageConfig.defaults(TestPostgres.freshDatabase())).await();
    store = new AdminStrategyVersions(storage.strategyDocumentLog());
    source = replica(null);
    base = serve(source, TOKEN);
  }

  @AfterEach
  void stop() throws Exception {
    for (Component component : stopping) {
      component.stop().await();
    }
    storage.close().await();
    vertx.close().await();
  }

  /** @param throughput null: no traffic, so Jaeger's rules only */
  Replica replica(RootSpanThroughputReader throughput) throws Exception {
    SamplingStrategySource file = SamplingStrategySource.fixed(SamplingStrategies.resolve(
        SamplingStrategiesJson.parse(FILE).document(),
        SamplingStrategies.JAEGER_DEFAULT_PROBABILITY), "file strategies.json");
    AdminVersionPoller versions = start(new AdminVersionPoller(vertx, store,
        SamplingObserver.NONE));
    Supplier<ObservedTraffic> traffic = () -> null;
    if (throughput != null) {
      traffic = start(new ObservedTrafficPoller(vertx, throughput, Clock.systemUTC()))::current;
    }
    return new Replica(file, versions, new ServedSamplingStrategies(file, versions, traffic,
        () -> null));
  }

  <T extends Component> T start(T component) {
    component.start().await();
    stopping.add(component);
    return component;
  }

  String serve(Replica strategies, String token) throws Exception {
    Router router = Router.router(vertx);
    new SamplingAdminApi(strategies.served(), strategies.file(), strategies.versions(), store,
        token).mount(vertx, router);
    HttpServer server = vertx.createHttpServer().requestHandler(router)
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return "http://127.0.0.1:" + server.actualPort() + "/api/sampling";
  }

  static HttpResponse<String> send(String method, String url, String body, String token,
      String contentType) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    request.header("X-Changed-By", "alice");
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> put(String path, String body) throws Exception {
    return send("PUT", base + path, body, TOKEN, "application/json");
  }

  JsonObject getJson(String path) throws Exception {
    HttpResponse<String> response = send("GET", base + path, null, null, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  @Test
  void writesNeedTheTokenAndAreRefusedWithoutOne() throws Exception {
    String body = "{\"type\": \"probabilistic\", \"param\": 0.5}";
    HttpResponse<String> none = send("PUT", base + "/strategies/services/shop", body, null,
        "application/json");
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"meshtrace\"");
    assertThat(send("PUT", base + "/strategies/services/shop", body, "wrong", "application/json")
        .statusCode()).isEqualTo(401);
    assertThat(send("DELETE", base + "/strategies/services/shop", null, null, null).statusCode())
        .isEqualTo(401);
    String noToken = serve(source, null);
    HttpResponse<String> disabled = send("PUT", noToken + "/strategies/services/shop", body,
        TOKEN, "application/json");
    assertThat(disabled.statusCode()).isEqualTo(403);
    assertThat(disabled.body()).contains("no admin token is configured");
    assertThat(store.latestVersionNumber().await()).isZero();
    // Reads are open.
    assertThat(getJson("/strategies/services/shop").getString("source")).isEqualTo("default");
  }

  @Test
  void aServiceSetThroughTheApiIsServedOverTheFileUntilDeleted() throws Exception {
    assertThat(getJson("/strategies/services/checkout").getString("source")).isEqualTo("file");
    HttpResponse<String> set = put("/strategies/services/checkout", """
        {"type": "probabilistic", "param": 0.25,
         "operation_strategies": [{"operation": "/health", "type": "probabilistic", "param": 0}]}""");
    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    assertThat(new JsonObject(set.body()).getLong("version")).isEqualTo(1);
    // Served at once by this replica: what /sampling answers comes from source.current().
    JsonObject served = getJson("/strategies/services/checkout");
    assertThat(served.getString("source")).isEqualTo("api");
    assertThat(served.getJsonObject("strategy").getJsonObject("operationSampling")
        .getDouble("defaultSamplingProbability")).isEqualTo(0.25);
    assertThat(source.current().forService("checkout").getOperationSampling()
        .getPerOperationStrategies(0).getOperation()).isEqualTo("/health");
    // The file's other services are untouched.
    assertThat(source.current().forService("cart").getRateLimitingSampling()
        .getMaxTracesPerSecond()).isEqualTo(5);

    assertThat(send("DELETE", base + "/strategies/services/checkout", null, TOKEN, null)
        .statusCode()).isEqualTo(200);
    assertThat(getJson("/strategies/services/checkout").getString("source")).isEqualTo("file");
    assertThat(source.current().forService("checkout").getProbabilisticSampling()
        .getSamplingRate()).isEqualTo(0.8);
    HttpResponse<String> again = send("DELETE", base + "/strategies/services/checkout", null,
        TOKEN, null);
    assertThat(again.statusCode()).isEqualTo(404);
    assertThat(again.body()).contains("has no strategy set through the admin API");
  }

  @Test
  void badInputIsRefusedWithTheFieldNamedAndChangesNothing() throws Exception {
    put("/strategies/services/shop", "{\"type\": \"probabilistic\", \"param\": 0.5}");
    HttpResponse<String> probability = put("/strategies/services/shop",
        "{\"type\": \"probabilistic\", \"param\": 1.5}");
    assertThat(probability.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(probability.body()).getJsonArray("errors").getString(0))
        .startsWith("param: ").contains("1.5").doesNotContain("service_strategies")
        .doesNotContain("line");
    assertThat(put("/strategies/services/shop", "{\"type\": \"sometimes\", \"param\": 1}")
        .body()).contains("type");
    assertThat(put("/strategies/services/shop", "{\"type\": \"ratelimiting\", \"param\": -1}")
        .statusCode()).isEqualTo(400);
    assertThat(put("/strategies/services/shop", "{\"service\": \"other\", \"param\": 1}").body())
        .contains("the body names \\\"other\\\"");
    assertThat(put("/strategies/services/shop", "{not json").statusCode()).isEqualTo(400);
    assertThat(send("PUT", base + "/strategies/services/shop", "{}", TOKEN, "text/plain")
        .statusCode()).isEqualTo(415);
    HttpResponse<String> duplicate = put("/strategies", """
        {"service_strategies": [{"service": "a", "type": "probabilistic", "param": 0.1},
                                {"service": "a", "type": "probabilistic", "param": 0.2}]}""");
    assertThat(duplicate.statusCode()).isEqualTo(400);
    assertThat(duplicate.body()).contains("service_strategies[1]");
    assertThat(send("GET", base + "/history?limit=0", null, null, null).statusCode())
        .isEqualTo(400);
    // Only the first, valid change was stored.
    assertThat(store.latestVersionNumber().await()).isEqualTo(1);
    assertThat(source.current().forService("shop").getProbabilisticSampling().getSamplingRate())
        .isEqualTo(0.5);
  }

  @Test
  void historySaysWhoChangedWhatAndWhen() throws Exception {
    put("/strategies/services/shop", "{\"type\": \"probabilistic\", \"param\": 0.5}");
    put("/strategies/services/shop", "{\"type\": \"probabilistic\", \"param\": 0.6}");
    put("/strategies", """
        {"default_strategy": {"type": "probabilistic", "param": 0.02},
         "service_strategies": [{"service": "cart", "type": "probabilistic", "param": 1}]}""");
    JsonArray versions = getJson("/history").getJsonArray("versions");
    assertThat(versions).hasSize(3);
    assertThat(versions.getJsonObject(0).getString("change"))
        .isEqualTo("replaced the document: default strategy changed; added cart; removed shop");
    assertThat(versions.getJsonObject(1).getString("change")).isEqualTo("changed service shop");
    assertThat(versions.getJsonObject(2).getString("change")).isEqualTo("added service shop");
    assertThat(versions.getJsonObject(2).getString("changedBy")).isEqualTo("alice");
    assertThat(versions.getJsonObject(0).getString("changedAt")).isNotEmpty();
    JsonObject document = getJson("/strategies");
    assertThat(document.getLong("apiVersion")).isEqualTo(3);
    assertThat(document.getJsonObject("served").getJsonObject("default_strategy")
        .getDouble("param")).isEqualTo(0.02);
    // The file's checkout stays, the API's cart replaces the file's.
    assertThat(source.current().forService("checkout").getProbabilisticSampling()
        .getSamplingRate()).isEqualTo(0.8);
    assertThat(source.current().forService("cart").getProbabilisticSampling().getSamplingRate())
        .isEqualTo(1.0);
  }

  @Test
  void anotherReplicaServesAChangeAfterItsNextPoll() throws Exception {
    Replica other = replica(null);
    assertThat(AdminVersionPoller.POLL_MILLIS).isLessThanOrEqualTo(500);
    put("/strategies/services/shop", "{\"type\": \"probabilistic\", \"param\": 0.5}");
    long changed = System.nanoTime();
    long deadline = changed + TimeUnit.SECONDS.toNanos(5);
    while (!other.current().hasOwnStrategy("shop") && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    // The bound: every replica serves a change within a second (one poll: 500 ms).
    assertThat(System.nanoTime() - changed).isLessThan(TimeUnit.SECONDS.toNanos(1));
    assertThat(other.current().forService("shop").getProbabilisticSampling().getSamplingRate())
        .isEqualTo(0.5);
    assertThat(other.apiVersion().version()).isEqualTo(1);
  }

  @Test
  void aFractionalRateLimitIsServedAsTheProbabilityOfTheTrafficStoredSpansShow()
      throws Exception {
    // 120 root spans of "search" a minute or two ago, sampled at 0.5: 240 traces in the
    // five-minute window, 0.8 a second; a limit of 0.2 a second is then a probability of 0.25.
    java.time.Instant at = java.time.Instant.now().minusSeconds(90);
    List<io.opentelemetry.proto.trace.v1.ResourceSpans> batch = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      long nanos = at.getEpochSecond() * 1_000_000_000L + at.getNano() + i * 1_000_000L;
      batch.add(io.opentelemetry.proto.trace.v1.ResourceSpans.newBuilder()
          .setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder()
              .addAttributes(attribute("service.name", "search")))
          .addScopeSpans(io.opentelemetry.proto.trace.v1.ScopeSpans.newBuilder()
              .addSpans(io.opentelemetry.proto.trace.v1.Span.newBuilder()
                  .setTraceId(com.google.protobuf.ByteString.copyFrom(
                      java.nio.ByteBuffer.allocate(16).putLong(7).putLong(i + 1L).array()))
                  .setSpanId(com.google.protobuf.ByteString.copyFrom(
                      java.nio.ByteBuffer.allocate(8).putLong(i + 1L).array()))
                  .setName("GET /q").setStartTimeUnixNano(nanos).setEndTimeUnixNano(nanos + 1000)
                  .addAttributes(attribute("sampler.type", "probabilistic"))
                  .addAttributes(attribute("sampler.param", "0.5"))))
          .build());
    }
    storage.spanSink().accept(batch).await();
    storage.flushRootSpanThroughput().await();
    put("/strategies/services/search", "{\"type\": \"ratelimiting\", \"param\": 0.2}");

    Replica withTraffic = replica(storage::rootSpanThroughput);
    assertThat(withTraffic.current().forService("search").getProbabilisticSampling()
        .getSamplingRate()).isCloseTo(0.25, org.assertj.core.data.Offset.offset(1e-9));
    // Without traffic, as Jaeger: the fraction dropped.
    assertThat(source.current().forService("search").getRateLimitingSampling()
        .getMaxTracesPerSecond()).isZero();
  }

  static io.opentelemetry.proto.common.v1.KeyValue attribute(String key, String value) {
    return io.opentelemetry.proto.common.v1.KeyValue.newBuilder().setKey(key)
        .setValue(io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  @Test
  void concurrentChangesToDifferentServicesAreAllKept() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> puts = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      puts.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(base
              + "/strategies/services/svc-" + i))
          .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString("{\"type\": \"probabilistic\", \"param\": 0."
              + i + "}")).build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> put : puts) {
      assertThat(put.get().statusCode()).isEqualTo(200);
    }
    assertThat(store.latest().await().document().serviceStrategies()).hasSize(8);
    assertThat(source.current().services()).contains("svc-0", "svc-7");
  }
}
