package io.meshtrace.storage.postgres;

import static io.meshtrace.storage.postgres.PostgresStorageTest.randomTraceId;
import static io.meshtrace.storage.postgres.PostgresStorageTest.resourceSpans;
import static io.meshtrace.storage.postgres.PostgresStorageTest.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.model.TraceId;
import io.meshtrace.storage.postgres.embedded.EmbeddedPostgres;
import io.meshtrace.storage.postgres.tls.TestCertificates;
import io.meshtrace.storage.postgres.tls.TlsPostgres;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real PostgreSQL with TLS on and a certificate from a test CA, reached through libpq URLs
 * as users write them: each sslmode does what libpq's does, and every pool of the storage is
 * encrypted ({@code pg_stat_ssl}, the server's own view).
 */
class PostgresTlsTest {
  static Vertx vertx;
  static Path dir;
  static EmbeddedPostgres pg;
  static Path ca;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    dir = Files.createTempDirectory("meshtrace-tls-pg-");
    pg = EmbeddedPostgres.start(dir.resolve("data"), EmbeddedPostgres.defaultBinariesCache());
    ca = TlsPostgres.enable(pg, vertx, dir.resolve("tls"));
  }

  @AfterAll
  static void stop() throws Exception {
    pg.close();
    vertx.close().await();
    io.meshtrace.storage.postgres.embedded.TestFiles.deleteRecursively(dir);
  }

  /** The URL of the embedded server with this host and these query parameters. */
  static String url(String host, String query) {
    PgConnectOptions options = pg.connectOptions();
    return "postgresql://" + options.getUser() + ":" + options.getPassword() + "@" + host + ":"
        + options.getPort() + "/" + options.getDatabase() + (query.isEmpty() ? "" : "?" + query);
  }

  /** Whether the server sees this connection as encrypted. */
  static boolean encrypted(PgConnectOptions options) {
    Row row = PgConnection.connect(vertx, options)
        .compose(conn -> conn.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .execute().eventually(conn::close))
        .await().iterator().next();
    return row.getBoolean(0);
  }

  @Test
  void verifyFullWithTheCaThatSignedTheCertificateConnectsEncrypted() {
    assertThat(encrypted(PostgresUrl.parse(url("127.0.0.1",
        "sslmode=verify-full&sslrootcert=" + ca), null))).isTrue();
    // The CA given apart from the URL, as --pg-ca-file does.
    assertThat(encrypted(PostgresUrl.parse(url("127.0.0.1", "sslmode=verify-full"), ca)))
        .isTrue();
  }

  @Test
  void aCaThatDidNotSignTheCertificateIsRefusedSayingSo() {
    Path other = TestCertificates.authority("someone else's CA")
        .writeCertificate(dir.resolve("other/ca.crt"));
    for (String mode : List.of("verify-full", "verify-ca", "require")) {
      PgConnectOptions options = PostgresUrl.parse(url("127.0.0.1",
          "sslmode=" + mode + "&sslrootcert=" + other), null);
      assertThatThrownBy(() -> encrypted(options)).as(mode)
          .hasMessageContaining("SSL handshake failed");
      assertThat(PostgresUrl.lastCertificateRefusal()).as(mode)
          .contains("the PostgreSQL server's certificate (CN=db.meshtrace.test, issued by "
              + "CN=meshtrace test CA) is not signed by the CAs of sslrootcert " + other);
    }
    // Storage that cannot open says why, not only that the handshake failed.
    assertThatThrownBy(() -> PostgresStorage.open(vertx, PostgresStorageConfig.defaults(
        PostgresUrl.parse(url("127.0.0.1", "sslmode=verify-full&sslrootcert=" + other), null)))
        .await())
        .hasMessageContaining("SSL handshake failed")
        .hasMessageContaining("is not signed by the CAs of sslrootcert " + other);
  }

  @Test
  void verifyFullWithAHostNameTheCertificateDoesNotNameIsRefusedSayingSo() {
    // localhost reaches the server, but the certificate is for 127.0.0.1 and db.meshtrace.test.
    assertThatThrownBy(() -> encrypted(PostgresUrl.parse(url("localhost",
        "sslmode=verify-full&sslrootcert=" + ca), null)))
        .hasMessageContaining("SSL handshake failed");
    assertThat(PostgresUrl.lastCertificateRefusal()).contains("the PostgreSQL server's "
        + "certificate names 127.0.0.1, db.meshtrace.test, not localhost");
    // verify-ca checks the signature only, as libpq's.
    assertThat(encrypted(PostgresUrl.parse(url("localhost",
        "sslmode=verify-ca&sslrootcert=" + ca), null))).isTrue();
  }

  @Test
  void requireWithoutACaEncryptsAndDisableDoesNot() {
    assertThat(encrypted(PostgresUrl.parse(url("127.0.0.1", "sslmode=require"), null))).isTrue();
    assertThat(encrypted(PostgresUrl.parse(url("localhost", "sslmode=prefer"), null))).isTrue();
    assertThat(encrypted(PostgresUrl.parse(url("127.0.0.1", "sslmode=disable"), null))).isFalse();
    assertThat(encrypted(PostgresUrl.parse(url("127.0.0.1", ""), null))).isFalse();
  }

  @Test
  void everyPoolOfTheStorageConnectsWithTheUrlsTls() {
    PgConnectOptions options = PostgresUrl.parse(url("127.0.0.1",
        "sslmode=verify-full&sslrootcert=" + ca), null);
    PostgresStorage storage = PostgresStorage.open(vertx,
        PostgresStorageConfig.defaults(options)).await();
    try {
      TraceId traceId = randomTraceId();
      long start = PostgresStorageTest.nowNanos();
      List<ResourceSpans> sent = List.of(resourceSpans("tls", span(traceId, 1, 0, "GET /",
          start, start + 1_000)));
      storage.spanSink().accept(sent).await();
      assertThat(storage.spanStore().getTrace(traceId).await()).isEqualTo(sent);

      List<String> connections = new ArrayList<>();
      PgConnection.connect(vertx, options)
          .compose(conn -> conn.query("SELECT a.application_name, s.ssl FROM pg_stat_activity a"
              + " JOIN pg_stat_ssl s USING (pid) WHERE a.application_name LIKE 'meshtrace-%'")
              .execute().eventually(conn::close))
          .await()
          .forEach(row -> connections.add(row.getString(0) + " " + row.getBoolean(1)));
      assertThat(connections).isNotEmpty()
          .anyMatch(c -> c.startsWith("meshtrace-postgres-write "))
          .anyMatch(c -> c.startsWith("meshtrace-postgres-read "))
          .allMatch(c -> c.endsWith(" true"));
    } finally {
      storage.close().await();
    }
  }
}
