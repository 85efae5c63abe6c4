package io.meshtrace.controlplane.slo.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.controlplane.admin.AdminWrites;
import io.meshtrace.controlplane.file.FollowedFileTest;
import io.meshtrace.controlplane.slo.Objective;
import io.meshtrace.controlplane.slo.ObjectivesFile;
import io.meshtrace.controlplane.slo.ServedObjectives;
import io.meshtrace.controlplane.slo.SloObserver;
import io.meshtrace.controlplane.slo.attainment.AttainmentReader;
import io.meshtrace.controlplane.slo.attainment.SloApi;
import io.meshtrace.lifecycle.Component;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.meshtrace.storage.postgres.PostgresStorageConfig;
import io.meshtrace.storage.postgres.TestPostgres;
import io.meshtrace.tenant.RequestTenant;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The objectives' admin API against a real PostgreSQL over real HTTP: the token, validation
 * naming field, line and column, the API's objective winning over the file's of the same name
 * (and the file's back once deleted), the history, and a second replica picking a change up.
 */
class SloAdminApiTest {
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .build();
  static final String TOKEN = "s3cret-slo-token";
  static final String FILE = """
      objectives:
        - name: checkout-availability
          service: checkout
          indicator: availability
          target: 99.9
        - name: cart-latency
          service: cart
          indicator: latency
          threshold: 400ms
          target: 99
      """;

  Vertx vertx;
  PostgresStorage storage;
  ApiObjectiveVersions store;
  List<Objective> fileObjectives;
  List<Component> stopping = new ArrayList<>();
  String base;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    storage = PostgresStorage.open(vertx,
        PostgresStorageConfig.defaults(TestPostgres.freshDatabase())).await();
    store = new ApiObjectiveVersions(storage.objectiveDocumentLog());
    fileObjectives = ObjectivesFile.parse(FILE);
    base = serve(TOKEN);
  }

  @AfterEach
  void stop() throws Exception {
    for (Component component : stopping) {
      component.stop().await();
    }
    storage.close().await();
    vertx.close().await();
  }

  /** One meshtrace process: its poller of the API's versions, the APIs on a port of its own. */
  String serve(String token) throws Exception {
    ApiObjectivePoller versions = new ApiObjectivePoller(vertx, store, SloObserver.NONE);
    versions.start().await();
    stopping.add(versions);
    ServedObjectives served = new ServedObjectives(() -> fileObjectives, versions::objectives);
    Router router = Router.router(vertx);
    new SloApi(served, new AttainmentReader(storage.spanMetrics(), Clock.systemUTC(),
        storage::keptSince), RequestTenant.NONE).mount(router);
    new SloAdminApi(versions, store, AdminWrites.byToken(token),
        name -> fileObjectives.stream().anyMatch(o -> o.name().equals(name)), false)
        .mount(router);
    HttpServer server = vertx.createHttpServer().requestHandler(router)
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return "http://127.0.0.1:" + server.actualPort();
  }

  static HttpResponse<String> send(String method, String url, String body, String token)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    request.header("X-Changed-By", "alice");
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> put(String name, String body) throws Exception {
    return send("PUT", base + "/api/slo/objectives/" + name, body, TOKEN);
  }

  /** The objectives /api/slo serves, by name: source, whether it hides the file's, target. */
  static List<String> served(String base) throws Exception {
    HttpResponse<String> answer = send("GET", base + "/api/slo", null, null);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    List<String> served = new ArrayList<>();
    for (Object item : new JsonObject(answer.body()).getJsonArray("objectives")) {
      JsonObject objective = (JsonObject) item;
      served.add(objective.getString("name") + " " + objective.getString("source")
          + (objective.getBoolean("overridesFile") ? " over the file" : "") + " "
          + objective.getJsonObject("objective").getValue("target"));
    }
    return served;
  }

  @Test
  void writesNeedTheTokenAndAreRefusedWithoutOne() throws Exception {
    String body = "{\"service\": \"shop\", \"indicator\": \"availability\", \"target\": 99}";
    HttpResponse<String> none = send("PUT", base + "/api/slo/objectives/shop", body, null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"meshtrace\"");
    assertThat(send("PUT", base + "/api/slo/objectives/shop", body, "wrong").statusCode())
        .isEqualTo(401);
    assertThat(send("DELETE", base + "/api/slo/objectives/shop", null, null).statusCode())
        .isEqualTo(401);
    HttpResponse<String> disabled = send("PUT", serve(null) + "/api/slo/objectives/shop", body,
        TOKEN);
    assertThat(disabled.statusCode()).isEqualTo(403);
    assertThat(disabled.body()).contains("no admin token is configured");
    assertThat(store.latestVersionNumber().await()).isZero();
  }

  @Test
  void anObjectiveSetThroughTheApiWinsOverTheFilesOfTheSameNameUntilDeleted() throws Exception {
    assertThat(served(base)).containsExactly("cart-latency file 99",
        "checkout-availability file 99.9");

    HttpResponse<String> set = put("checkout-availability", """
        {"service": "checkout", "indicator": "availability", "target": 99.5, "window": "7d"}""");
    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    assertThat(new JsonObject(set.body())).isEqualTo(new JsonObject()
        .put("version", 1).put("change", "added objective checkout-availability"));
    assertThat(put("shop-availability", """
        {"service": "shop", "indicator": "availability", "target": 95}""").statusCode())
        .isEqualTo(200);
    // This replica serves it at once.
    assertThat(served(base)).containsExactly("cart-latency file 99",
        "checkout-availability api over the file 99.5", "shop-availability api 95");

    assertThat(send("DELETE", base + "/api/slo/objectives/checkout-availability", null, TOKEN)
        .statusCode()).isEqualTo(200);
    assertThat(served(base)).containsExactly("cart-latency file 99",
        "checkout-availability file 99.9", "shop-availability api 95");
    HttpResponse<String> again = send("DELETE", base
        + "/api/slo/objectives/checkout-availability", null, TOKEN);
    assertThat(again.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(again.body()).getJsonArray("errors").getString(0)).isEqualTo(
        "objective checkout-availability has no definition set through the admin API (it "
            + "comes from the --slo file: change it there)");
  }

  @Test
  void badInputIsRefusedNamingTheFieldAndChangesNothing() throws Exception {
    HttpResponse<String> threshold = put("cart-latency", """
        {"service": "cart", "indicator": "latency",
         "threshold": "300ms", "target": 99}""");
    assertThat(threshold.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(threshold.body()).getJsonArray("errors")).isEqualTo(new JsonArray()
        .add("threshold: 300ms is not a bucket bound of the exported histogram "
            + "traces_span_metrics_duration_milliseconds, so the PrometheusRule could not "
            + "count the calls under it exactly; use one of 2ms, 4ms, 6ms, 8ms, 10ms, 50ms, "
            + "100ms, 200ms, 400ms, 800ms, 1s, 1.4s, 2s, 5s, 10s, 15s (line 2, column 15)"));
    HttpResponse<String> twoProblems = put("x", """
        {"name": "y", "service": "cart", "indicator": "availability", "target": 100}""");
    assertThat(new JsonObject(twoProblems.body()).getJsonArray("errors")).containsExactly(
        "name: the body names 'y' but the path names 'x' (line 1, column 10)",
        "target: 100 is not a percentage above 0 and below 100 (100 would leave no error "
            + "budget to burn) (line 1, column 73)");
    HttpResponse<String> tenant = put("x", """
        {"service": "cart", "tenant": "team-a", "indicator": "availability", "target": 99}""");
    assertThat(new JsonObject(tenant.body()).getJsonArray("errors")).containsExactly(
        "tenant: tenancy is off (--tenancy), so every request is the default tenant's and none "
            + "would see an objective of tenant team-a");
    assertThat(put("x", "service: cart").statusCode()).isEqualTo(400); // YAML, not JSON
    assertThat(send("PUT", base + "/api/slo/objectives/x", null, TOKEN).statusCode())
        .isEqualTo(415);
    assertThat(send("GET", base + "/api/slo?sampled=maybe", null, null).statusCode())
        .isEqualTo(400);
    assertThat(store.latestVersionNumber().await()).isZero();
  }

  @Test
  void theHistorySaysWhoChangedWhatAndAnotherReplicaServesItWithinASecond() throws Exception {
    String other = serve(TOKEN);
    put("shop-availability", "{\"service\": \"shop\", \"indicator\": \"availability\", "
        + "\"target\": 95}");
    put("shop-availability", "{\"service\": \"shop\", \"indicator\": \"availability\", "
        + "\"target\": 97}");
    send("DELETE", base + "/api/slo/objectives/shop-availability", null, TOKEN);

    JsonArray versions = new JsonObject(send("GET", base + "/api/slo/history?limit=10", null,
        null).body()).getJsonArray("versions");
    assertThat(versions).extracting(v -> ((JsonObject) v).getLong("version") + " "
        + ((JsonObject) v).getString("changedBy") + ": " + ((JsonObject) v).getString("change"))
        .containsExactly("3 alice: removed objective shop-availability",
            "2 alice: changed objective shop-availability",
            "1 alice: added objective shop-availability");
    assertThat(versions.getJsonObject(1).getJsonArray("objectives").getJsonObject(0))
        .isEqualTo(new JsonObject("""
            {"name": "shop-availability", "service": "shop", "spanKind": "server",
             "indicator": "availability", "target": 97, "window": "30d"}"""));
    assertThat(send("GET", base + "/api/slo/history?limit=0", null, null).statusCode())
        .isEqualTo(400);

    put("cart-availability", "{\"service\": \"cart\", \"indicator\": \"availability\", "
        + "\"target\": 99}");
    long begun = System.nanoTime();
    FollowedFileTest.awaitTrue(() -> {
      try {
        return served(other).contains("cart-availability api 99");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat((System.nanoTime() - begun) / 1_000_000).isLessThan(2_000);
  }
}
