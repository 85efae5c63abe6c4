package io.meshtrace.query.jaeger;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.query.QueryApiServer;
import io.meshtrace.query.TestTraces;
import io.meshtrace.query.adjust.TraceAdjusters;
import io.meshtrace.query.zipkin.ZipkinQueryApi;
import io.meshtrace.tenant.RequestTenant;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /api/archive/{traceID}} and {@code DELETE} over real HTTP against real storage
 * holding {@link TestTraces}: an archived trace is answered by Jaeger's and Zipkin's trace by ID
 * exactly as before once every span partition is dropped, as retention drops them; bad IDs are
 * 400 and unknown traces 404, in Jaeger's envelope.
 */
class JaegerArchiveApiTest {
  static final String ARCHIVED = "{\"data\":[],\"total\":0,\"limit\":0,\"offset\":0,\"errors\":[]}";

  QueryApiServer server;

  @BeforeEach
  void start() {
    server = QueryApiServer.withStorage(TestTraces.NOW, (router, storage, clock) -> {
      new JaegerQueryApi(storage.spanStores(), RequestTenant.NONE,
          TraceAdjusters.standard(Duration.ofSeconds(1)), clock).mount(router);
      new JaegerArchiveApi(storage.spanStores(), storage.traceArchives(), RequestTenant.NONE)
          .mount(router);
      new ZipkinQueryApi(storage.spanStores(), RequestTenant.NONE, List.of()).mount(router);
    });
    server.store(TestTraces.all());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  QueryApiServer.Response post(String path) throws Exception {
    return server.send("POST", path, null, null);
  }

  @Test
  void anArchivedTraceIsAnsweredAsBeforeAfterItsPartitionsAreDropped() throws Exception {
    QueryApiServer.Response jaeger = server.get("/api/traces/" + TestTraces.A);
    QueryApiServer.Response zipkin = server.get("/api/v2/trace/" + TestTraces.A);
    QueryApiServer.Response shared = server.get("/api/traces/" + TestTraces.E);
    assertThat(jaeger.status()).isEqualTo(200);
    assertThat(zipkin.status()).isEqualTo(200);

    QueryApiServer.Response archived = post("/api/archive/" + TestTraces.A);
    assertThat(archived.status()).as(archived.text()).isEqualTo(200);
    assertThat(archived.contentType()).startsWith("application/json");
    assertThat(new JsonObject(archived.text())).isEqualTo(new JsonObject(ARCHIVED));
    assertThat(post("/api/archive/" + TestTraces.E).status()).isEqualTo(200);

    server.dropSpanPartitions();

    assertThat(server.get("/api/traces/" + TestTraces.B).status()).isEqualTo(404);
    QueryApiServer.Response after = server.get("/api/traces/" + TestTraces.A);
    assertThat(after.status()).isEqualTo(200);
    assertThat(after.json()).isEqualTo(jaeger.json());
    QueryApiServer.Response zipkinAfter = server.get("/api/v2/trace/" + TestTraces.A);
    assertThat(zipkinAfter.status()).isEqualTo(200);
    assertThat(zipkinAfter.json()).isEqualTo(zipkin.json());
    // The shared span's halves are both archived; the adjuster gives the server half its own ID
    // again on the way out.
    assertThat(server.get("/api/traces/" + TestTraces.E).json()).isEqualTo(shared.json());
    // Archiving again what is only in the archive now keeps it as it was.
    assertThat(post("/api/archive/" + TestTraces.A).status()).isEqualTo(200);
    assertThat(server.get("/api/traces/" + TestTraces.A).json()).isEqualTo(jaeger.json());
  }

  @Test
  void anUnknownTraceIsNotFound() throws Exception {
    QueryApiServer.Response response = post("/api/archive/abcdef0123456789");
    assertThat(response.status()).isEqualTo(404);
    assertThat(new JsonObject(response.text())).isEqualTo(new JsonObject(
        "{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,"
            + "\"errors\":[{\"code\":404,\"msg\":\"trace not found\"}]}"));
    server.dropSpanPartitions();
    assertThat(post("/api/archive/" + TestTraces.A).status()).isEqualTo(404);
  }

  @ParameterizedTest
  @ValueSource(strings = {"not-hex", "0123456789abcdef0123456789abcdef0", "%20"})
  void aMalformedTraceIdIsRefused(String id) throws Exception {
    QueryApiServer.Response response = post("/api/archive/" + id);
    assertThat(response.status()).isEqualTo(400);
    JsonObject error = new JsonObject(response.text()).getJsonArray("errors").getJsonObject(0);
    assertThat(error.getInteger("code")).isEqualTo(400);
    assertThat(error.getString("msg")).startsWith("unable to parse param 'traceID': ");
    assertThat(server.send("DELETE", "/api/archive/" + id, null, null).status()).isEqualTo(400);
  }

  @Test
  void aDeletedArchiveIsGoneAndDeletingItAgainIsNotFound() throws Exception {
    assertThat(post("/api/archive/" + TestTraces.B).status()).isEqualTo(200);
    server.dropSpanPartitions();
    assertThat(server.get("/api/traces/" + TestTraces.B).status()).isEqualTo(200);

    QueryApiServer.Response deleted = server.send("DELETE", "/api/archive/" + TestTraces.B, null,
        null);
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(new JsonObject(deleted.text())).isEqualTo(new JsonObject(ARCHIVED));
    assertThat(server.get("/api/traces/" + TestTraces.B).status()).isEqualTo(404);
    QueryApiServer.Response again = server.send("DELETE", "/api/archive/" + TestTraces.B, null,
        null);
    assertThat(again.status()).isEqualTo(404);
    assertThat(again.text()).contains("\"msg\":\"trace not archived\"");
  }
}
