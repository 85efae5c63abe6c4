package io.meshtrace.storage.postgres.tls;

import io.meshtrace.storage.postgres.embedded.EmbeddedPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.SslMode;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns TLS on in an embedded PostgreSQL, with a server certificate a fresh test CA signed for
 * 127.0.0.1 and {@value #DNS_NAME} (not for {@code localhost}), as an external server would be.
 */
public final class TlsPostgres {
  public static final String DNS_NAME = "db.meshtrace.test";

  private TlsPostgres() {}

  /** @return the CA certificate that signed the server's */
  public static Path enable(EmbeddedPostgres pg, Vertx vertx, Path dir) throws Exception {
    TestCertificates.ServerFiles files = TestCertificates.authority("meshtrace test CA")
        .issueServer(dir, new String[] {"127.0.0.1"}, DNS_NAME);
    for (String statement : List.of(
        "ALTER SYSTEM SET ssl_cert_file = '" + files.certificate() + "'",
        "ALTER SYSTEM SET ssl_key_file = '" + files.key() + "'",
        "ALTER SYSTEM SET ssl = on",
        "SELECT pg_reload_conf()")) {
      PgConnection.connect(vertx, pg.connectOptions())
          .compose(conn -> conn.query(statement).execute().eventually(conn::close)).await();
    }
    // The reload is a signal: wait until a new connection is offered TLS.
    PgConnectOptions tls = pg.connectOptions().setSslMode(SslMode.REQUIRE)
        .setSslOptions(new ClientSSLOptions().setTrustAll(true));
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (true) {
      try {
        PgConnection.connect(vertx, tls).compose(PgConnection::close).await();
        return files.ca();
      } catch (Exception notYet) {
        if (System.nanoTime() > deadline) {
          List<String> log = java.nio.file.Files.readAllLines(
              pg.dataDirectory().resolve("postgres.log"));
          throw new IllegalStateException("PostgreSQL did not turn TLS on; the end of its log:\n"
              + String.join("\n", log.subList(Math.max(0, log.size() - 15), log.size())), notYet);
        }
        Thread.sleep(100);
      }
    }
  }
}
