package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.post;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.fuzz.Answers;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.RawHttp;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.storage.postgres.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Query parameters PostgreSQL cannot take (NUL, invalid UTF-8 after percent-decoding, lone
 * surrogates) never reach it: such a name cannot be stored (ingest replaces those characters),
 * so it is answered as an unknown name. And a read that storage fails is a 503 "storage
 * unavailable" that carries none of the database's text.
 */
class QueryUnstorableTextTest {
  static final Duration DEADLINE = Duration.ofSeconds(30);

  static PgConnectOptions database;
  static MeshtraceServer server;
  static int query;
  static int zipkin;

  @BeforeAll
  static void start() throws Exception {
    database = TestPostgres.freshDatabase();
    server = TestServers.startOn(TestPostgres.url(database), "all-in-one");
    query = server.ports().get("query");
    zipkin = server.ports().get("zipkin");
    long now = java.time.temporal.ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    String span = "[{\"traceId\":\"" + "a".repeat(32) + "\",\"id\":\"" + "b".repeat(16)
        + "\",\"name\":\"op\",\"kind\":\"SERVER\",\"timestamp\":" + now + ",\"duration\":10,"
        + "\"localEndpoint\":{\"serviceName\":\"svc\"},\"remoteEndpoint\":{\"serviceName\":\"peer\"},"
        + "\"tags\":{\"k\":\"v\",\"q\":\"?\"}}]";
    assertThat(post(url(server, "zipkin", "/api/v2/spans"), "application/json",
        span.getBytes(java.nio.charset.StandardCharsets.UTF_8)).statusCode()).isEqualTo(202);
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @Test
  void nulInAJaegerV1ParameterIsAnUnknownName() throws Exception {
    assertEmptyData(RawHttp.get(query, "/api/traces?service=%00", DEADLINE));
    assertEmptyData(RawHttp.get(query, "/api/services/%00/operations", DEADLINE));
    assertEmptyData(RawHttp.get(query, "/api/services/a%00b/operations", DEADLINE));
    assertEmptyData(RawHttp.get(query, "/api/operations?service=%00", DEADLINE));
    assertEmptyData(RawHttp.get(query, "/api/traces?service=svc&operation=op%00", DEADLINE));
    assertEmptyData(RawHttp.get(query, "/api/traces?service=svc&tag=k%00:v", DEADLINE));
    assertEmptyData(RawHttp.get(query, "/api/traces?service=svc&tag=k:v%00", DEADLINE));
    // {"k":"\u0000"} and {"\u0000":"v"}: JSON escapes reach the same NUL
    assertEmptyData(RawHttp.get(query,
        "/api/traces?service=svc&tags=%7B%22k%22%3A%22%5Cu0000%22%7D", DEADLINE));
    assertEmptyData(RawHttp.get(query,
        "/api/traces?service=svc&tags=%7B%22%5Cu0000%22%3A%22v%22%7D", DEADLINE));
  }

  @Test
  void invalidPercentEncodingIsA400ThatSaysSo() throws Exception {
    for (String path : List.of("/api/traces?lookback=%G0", "/api/dependencies?endTs=%2",
        "/api/v3/operations?service=%G0")) {
      RawHttp.Answer answer = RawHttp.get(query, path, DEADLINE);
      assertThat(answer.status()).as(path).isEqualTo(400);
      assertThat(answer.body()).as(path).startsWith("malformed request: ");
    }
  }

  @Test
  void otherTextPostgresCannotTakeIsAnUnknownNameToo() throws Exception {
    // invalid UTF-8 after percent-decoding, an encoded surrogate, a lone surrogate in JSON
    assertEmptyData(RawHttp.get(query, "/api/traces?service=%C3%28", DEADLINE));
    assertEmptyData(RawHttp.get(query, "/api/traces?service=%ED%A0%80", DEADLINE));
    assertEmptyData(RawHttp.get(query, "/api/traces?service=%FF%FE", DEADLINE));
    // {"q":"\ud800"}: sent as it is, the driver would write '?' and find the stored q=?
    assertEmptyData(RawHttp.get(query,
        "/api/traces?service=svc&tags=%7B%22q%22%3A%22%5Cud800%22%7D", DEADLINE));
    assertEmptyData(RawHttp.get(query, "/api/services/%ED%B0%80/operations", DEADLINE));
  }

  @Test
  void nulInAJaegerV3ParameterIsAnUnknownName() throws Exception {
    String window = "&query.start_time_min=" + Instant.now().minusSeconds(3600)
        + "&query.start_time_max=" + Instant.now().plusSeconds(60);
    RawHttp.Answer traces = RawHttp.get(query, "/api/v3/traces?query.service_name=%00" + window,
        DEADLINE);
    assertClean(traces);
    // Jaeger's gateway answers a search that finds nothing (an unknown service) so
    assertThat(traces.status()).as(traces.body()).isEqualTo(404);
    assertThat(traces.body()).contains("No traces found");
    RawHttp.Answer attributes = RawHttp.get(query, "/api/v3/traces?query.service_name=svc"
        + "&query.attributes=%7B%22k%22%3A%22%5Cu0000%22%7D" + window, DEADLINE);
    assertClean(attributes);
    assertThat(attributes.status()).as(attributes.body()).isEqualTo(404);
    RawHttp.Answer operations = RawHttp.get(query, "/api/v3/operations?service=%00", DEADLINE);
    assertClean(operations);
    assertThat(operations.status()).as(operations.body()).isEqualTo(200);
    assertThat(operations.body()).contains("\"operations\":[]");
  }

  @Test
  void nulInAZipkinParameterIsAnUnknownName() throws Exception {
    for (String target : List.of("/api/v2/spans?serviceName=%00",
        "/api/v2/remoteServices?serviceName=%00", "/api/v2/traces?serviceName=%00",
        "/api/v2/traces?serviceName=svc&spanName=%00",
        "/api/v2/traces?serviceName=svc&remoteServiceName=%00",
        "/api/v2/traces?annotationQuery=k%3Dv%00w", "/api/v2/traces?annotationQuery=k%00x",
        "/api/v2/autocompleteValues?key=%00")) {
      RawHttp.Answer answer = RawHttp.get(zipkin, target, DEADLINE);
      assertClean(answer);
      assertThat(answer.status()).as(target + ": " + answer.body()).isEqualTo(200);
      assertThat(answer.body().trim()).as(target).isEqualTo("[]");
    }
  }

  @Test
  void aReadStorageFailsIs503WithoutTheDatabasesText() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      sql(vertx, "ALTER TABLE services RENAME TO services_moved");
      try {
        for (String target : List.of("/api/services", "/api/services/svc/operations",
            "/api/v3/services", "/api/operations?service=svc")) {
          RawHttp.Answer answer = RawHttp.get(query, target, DEADLINE);
          assertClean(answer);
          assertThat(answer.status()).as(target + ": " + answer.body()).isEqualTo(503);
          assertThat(answer.body()).as(target).contains("storage unavailable");
        }
        RawHttp.Answer answer = RawHttp.get(zipkin, "/api/v2/services", DEADLINE);
        assertClean(answer);
        assertThat(answer.status()).as(answer.body()).isEqualTo(503);
        assertThat(answer.body()).contains("storage unavailable");
      } finally {
        sql(vertx, "ALTER TABLE services_moved RENAME TO services");
      }
      assertThat(RawHttp.get(query, "/api/services", DEADLINE).body()).contains("svc");
    } finally {
      vertx.close().await();
    }
  }

  static void sql(Vertx vertx, String statement) {
    PgConnection.connect(vertx, database)
        .compose(conn -> conn.query(statement).execute().eventually(conn::close))
        .await();
  }

  static void assertEmptyData(RawHttp.Answer answer) {
    assertClean(answer);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.body()).contains("\"data\":[]");
  }

  /** No 5xx but the storage-down 503, and none of the database's text. */
  static void assertClean(RawHttp.Answer answer) {
    assertThat(answer.status()).as(answer.body()).isBetween(200, 503);
    assertThat(Answers.databaseText(answer.body())).as("database text in %s", answer.body())
        .isNull();
  }
}
