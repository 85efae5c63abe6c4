package io.meshtrace.storage.postgres.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.pgclient.PgException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresTest {
  static Vertx vertx;

  @TempDir
  Path dir;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() {
    vertx.close().await();
  }

  @Test
  void aDataDirectoryServesOneProcessAtATime() throws IOException {
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(dir, EmbeddedPostgres.defaultBinariesCache())) {
      assertThat(query(pg, "SELECT 1")).isEqualTo("1");
      assertThatThrownBy(() -> EmbeddedPostgres.start(dir, EmbeddedPostgres.defaultBinariesCache()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("is in use by another meshtrace process");
    }
  }

  @Test
  void dataSurvivesAStopAndAStartOnTheSamePort() throws IOException {
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(dir, EmbeddedPostgres.defaultBinariesCache())) {
      query(pg, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
      int port = pg.port();
      pg.stopServer();
      assertThat(pg.isRunning()).isFalse();
      pg.startServer();
      assertThat(pg.port()).isEqualTo(port);
      assertThat(query(pg, "SELECT v FROM kept")).isEqualTo("still here");
    }
    // A later process (here: a later start) finds the same cluster.
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(dir, EmbeddedPostgres.defaultBinariesCache())) {
      assertThat(query(pg, "SELECT v FROM kept")).isEqualTo("still here");
    }
  }

  @Test
  void theServerAsksForThePasswordFromAnOwnerOnlyFileAndListensOnLoopbackOnly()
      throws IOException {
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(dir, EmbeddedPostgres.defaultBinariesCache())) {
      Path file = dir.resolve("postgres-password");
      assertThat(pg.passwordFile()).isEqualTo(file);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
      // Outside PGDATA: nothing PostgreSQL serves or copies into a backup.
      assertThat(file.startsWith(dir.resolve("postgres"))).isFalse();
      String password = Files.readString(file);
      assertThat(password).hasSizeGreaterThanOrEqualTo(43)
          .isEqualTo(pg.connectOptions().getPassword());
      assertThat(Files.list(dir).map(p -> p.getFileName().toString()))
          .noneMatch(name -> name.endsWith(".tmp"));

      assertThat(query(pg, "SELECT current_setting('password_encryption') || ' '"
          + " || current_setting('listen_addresses') || ' '"
          + " || (SELECT count(*) FROM pg_hba_file_rules WHERE auth_method <> 'scram-sha-256')"
          + " || ' ' || (SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = current_user)"))
          .isEqualTo("scram-sha-256 127.0.0.1 0 SCRAM-SHA-256$");
      assertThatThrownBy(() -> query(TestFiles.withoutPassword(pg.connectOptions()), "SELECT 1"))
          .isInstanceOf(PgException.class).hasMessageContaining("password");
      assertThatThrownBy(() -> query(pg.connectOptions().setPassword("not-" + password),
          "SELECT 1"))
          .isInstanceOf(PgException.class)
          .hasMessageContaining("password authentication failed");
    }
  }

  @Test
  void aPasswordFileOthersCouldReadIsReplacedByANewPassword() throws IOException {
    String exposed;
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(dir, EmbeddedPostgres.defaultBinariesCache())) {
      query(pg, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
      exposed = pg.connectOptions().getPassword();
    }
    Path file = dir.resolve("postgres-password");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(dir, EmbeddedPostgres.defaultBinariesCache())) {
      assertThat(pg.connectOptions().getPassword()).isNotEqualTo(exposed)
          .isEqualTo(Files.readString(file));
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
      assertThat(query(pg, "SELECT v FROM kept")).isEqualTo("still here");
      assertThatThrownBy(() -> query(pg.connectOptions().setPassword(exposed), "SELECT 1"))
          .isInstanceOf(PgException.class)
          .hasMessageContaining("password authentication failed");
    }
  }

  @Test
  void deletingThePasswordFileRotatesThePassword() throws IOException {
    String old;
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(dir, EmbeddedPostgres.defaultBinariesCache())) {
      old = pg.connectOptions().getPassword();
    }
    Files.delete(dir.resolve("postgres-password"));
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(dir, EmbeddedPostgres.defaultBinariesCache())) {
      assertThat(pg.connectOptions().getPassword()).isNotEqualTo(old);
      assertThat(query(pg, "SELECT 1")).isEqualTo("1");
      assertThatThrownBy(() -> query(pg.connectOptions().setPassword(old), "SELECT 1"))
          .isInstanceOf(PgException.class);
    }
  }

  @Test
  void theSupervisorRestartsAKilledServerThatStillAsksForThePassword() throws Exception {
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(dir, EmbeddedPostgres.defaultBinariesCache());
        EmbeddedPostgresSupervisor supervisor = new EmbeddedPostgresSupervisor(pg)) {
      supervisor.start();
      pg.postmaster().destroyForcibly();
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (supervisor.restarts() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(supervisor.restarts()).isEqualTo(1);
      assertThat(query(pg, "SELECT 1")).isEqualTo("1");
      assertThatThrownBy(() -> query(TestFiles.withoutPassword(pg.connectOptions()), "SELECT 1"))
          .isInstanceOf(PgException.class);
    }
  }

  @Test
  void itsMemorySizingIsTheOneGivenAtEveryStartAndRestart() throws Exception {
    EmbeddedPostgresSettings small = new EmbeddedPostgresSettings(16 * 1024 * 1024, 12);
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(dir, EmbeddedPostgres.defaultBinariesCache(),
        small);
        EmbeddedPostgresSupervisor supervisor = new EmbeddedPostgresSupervisor(pg)) {
      assertThat(query(pg, "SHOW shared_buffers")).isEqualTo("16MB");
      assertThat(query(pg, "SHOW max_connections")).isEqualTo("12");
      // From the command line: it wins over postgresql.conf, whatever an operator wrote there.
      assertThat(query(pg, "SELECT source FROM pg_settings WHERE name = 'shared_buffers'"))
          .isEqualTo("command line");
      supervisor.start();
      pg.postmaster().destroyForcibly();
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (supervisor.restarts() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(query(pg, "SHOW shared_buffers")).isEqualTo("16MB");
      assertThat(query(pg, "SHOW max_connections")).isEqualTo("12");
    }
    // Without settings: PostgreSQL's defaults.
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(dir, EmbeddedPostgres.defaultBinariesCache())) {
      assertThat(query(pg, "SHOW shared_buffers")).isEqualTo("128MB");
      assertThat(query(pg, "SHOW max_connections")).isEqualTo("100");
    }
  }

  /** Runs SQL and returns the first column of the first row, or "" when there is none. */
  private static String query(EmbeddedPostgres pg, String sql) {
    return query(pg.connectOptions(), sql);
  }

  private static String query(PgConnectOptions options, String sql) {
    RowSet<Row> rows = PgConnection.connect(vertx, options)
        .compose(conn -> conn.query(sql).execute().eventually(conn::close))
        .await();
    Iterator<Row> first = rows.iterator();
    return first.hasNext() ? String.valueOf(first.next().getValue(0)) : "";
  }
}
