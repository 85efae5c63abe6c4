package io.meshtrace.collector.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.storage.postgres.embedded.EmbeddedPostgres;
import io.meshtrace.storage.postgres.embedded.TestFiles;
import io.meshtrace.storage.postgres.tls.TestCertificates;
import io.meshtrace.storage.postgres.tls.TlsPostgres;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * meshtrace against a PostgreSQL that has TLS, given as users give it ({@code --pg-url ...
 * ?sslmode=verify-full&sslrootcert=...}): every connection it opens is encrypted, as the
 * server sees them, and a CA that did not sign the server's certificate stops start-up saying
 * so.
 */
class PostgresTlsEndToEndTest {
  static Vertx vertx;
  static Path dir;
  static EmbeddedPostgres pg;
  static Path ca;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    dir = Files.createTempDirectory("meshtrace-tls-e2e-");
    pg = EmbeddedPostgres.start(dir.resolve("data"), EmbeddedPostgres.defaultBinariesCache());
    ca = TlsPostgres.enable(pg, vertx, dir.resolve("tls"));
  }

  @AfterAll
  static void stop() throws Exception {
    pg.close();
    vertx.close().await();
    TestFiles.deleteRecursively(dir);
  }

  private static String url(String query) {
    PgConnectOptions options = pg.connectOptions();
    return "postgresql://" + options.getUser() + ":" + options.getPassword() + "@127.0.0.1:"
        + options.getPort() + "/" + options.getDatabase() + "?" + query;
  }

  @Test
  void everyConnectionOfAllInOneIsEncryptedAndVerified() throws Exception {
    MeshtraceServer server = TestServers.startOn(url("sslmode=verify-full&sslrootcert=" + ca),
        "all-in-one");
    try {
      long now = System.currentTimeMillis() * 1000;
      String span = "[{\"traceId\":\"5af7183fb1d4cf5f\",\"id\":\"6b221d5bc9e6496c\","
          + "\"name\":\"get /api\",\"timestamp\":" + now + ",\"duration\":1500,"
          + "\"localEndpoint\":{\"serviceName\":\"frontend\"}}]";
      assertThat(TestServers.post(TestServers.url(server, "zipkin", "/api/v2/spans"),
          "application/json", span.getBytes()).statusCode()).isEqualTo(202);
      assertThat(TestServers.get(TestServers.url(server, "query",
          "/api/traces/5af7183fb1d4cf5f")).body()).contains("get /api");

      List<String> connections = new ArrayList<>();
      PgConnection.connect(vertx, pg.connectOptions())
          .compose(conn -> conn.query("SELECT a.application_name, s.ssl FROM pg_stat_activity a"
              + " JOIN pg_stat_ssl s USING (pid) WHERE a.application_name LIKE 'meshtrace-%'")
              .execute().eventually(conn::close))
          .await()
          .forEach(row -> connections.add(row.getString(0) + " " + row.getBoolean(1)));
      assertThat(connections)
          .anyMatch(c -> c.startsWith("meshtrace-postgres-write "))
          .anyMatch(c -> c.startsWith("meshtrace-postgres-read "))
          .allMatch(c -> c.endsWith(" true"));
      // Pool metrics name the server, never the credentials.
      String metrics = TestServers.get(TestServers.url(server, "admin", "/metrics")).body();
      assertThat(metrics).contains("meshtrace-postgres-write")
          .doesNotContain(pg.connectOptions().getPassword());
    } finally {
      server.stop();
    }
  }

  @Test
  void aCaThatDidNotSignTheServersCertificateStopsStartUpSayingSo() {
    Path other = TestCertificates.authority("someone else's CA")
        .writeCertificate(dir.resolve("other/ca.crt"));
    String password = pg.connectOptions().getPassword();
    assertThatThrownBy(() -> TestServers.startOn(url("sslmode=verify-full"), "collector",
        "--pg-ca-file", other.toString()))
        .hasStackTraceContaining("is not signed by the CAs of --pg-ca-file " + other)
        .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(password));
  }

  private static String stackTrace(Throwable e) {
    java.io.StringWriter text = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(text));
    return text.toString();
  }
}
