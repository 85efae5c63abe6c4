package io.meshtrace.storage.postgres.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.io.IOException;
import java.nio.file.Path;
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

  /** Runs SQL and returns the first column of the first row, or "" when there is none. */
  private static String query(EmbeddedPostgres pg, String sql) {
    PgConnectOptions options = new PgConnectOptions().setHost(pg.host()).setPort(pg.port())
        .setUser(EmbeddedPostgres.USER).setDatabase(EmbeddedPostgres.DATABASE);
    RowSet<Row> rows = PgConnection.connect(vertx, options)
        .compose(conn -> conn.query(sql).execute().eventually(conn::close))
        .await();
    Iterator<Row> first = rows.iterator();
    return first.hasNext() ? String.valueOf(first.next().getValue(0)) : "";
  }
}
