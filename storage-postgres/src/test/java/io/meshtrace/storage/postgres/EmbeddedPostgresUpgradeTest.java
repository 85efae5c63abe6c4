package io.meshtrace.storage.postgres;

import static io.meshtrace.storage.postgres.PostgresStorageTest.randomTraceId;
import static io.meshtrace.storage.postgres.PostgresStorageTest.resourceSpans;
import static io.meshtrace.storage.postgres.PostgresStorageTest.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.model.TraceId;
import io.meshtrace.storage.postgres.embedded.EmbeddedPostgres;
import io.meshtrace.storage.postgres.embedded.TestFiles;
import io.meshtrace.storage.postgres.embedded.TrustModeCluster;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.PgException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory of a meshtrace from before issue 18, whose PostgreSQL trusted every local
 * connection, upgraded unattended by the first start of this one: a password is set and
 * required, and the spans stored before are all there.
 */
class EmbeddedPostgresUpgradeTest {
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
  void aTrustModeDataDirectoryGetsAPasswordAndKeepsItsSpans() throws Exception {
    TraceId traceId = randomTraceId();
    long start = PostgresStorageTest.nowNanos();
    List<ResourceSpans> stored = List.of(resourceSpans("before-the-upgrade",
        span(traceId, 1, 0, "GET /", start, start + 1_000_000)));
    try (TrustModeCluster old = TrustModeCluster.start(dir)) {
      PostgresStorage storage = PostgresStorage.open(vertx,
          PostgresStorageConfig.defaults(old.connectOptions())).await();
      try {
        storage.spanSink().accept(stored).await();
      } finally {
        storage.close().await();
      }
    }
    assertThat(dir.resolve("postgres-password")).doesNotExist();

    try (EmbeddedPostgres upgraded =
        EmbeddedPostgres.start(dir, EmbeddedPostgres.defaultBinariesCache())) {
      Path file = dir.resolve("postgres-password");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
      assertThat(Files.readString(dir.resolve("postgres/pg_hba.conf")))
          .doesNotContainPattern("(?m)^(local|host)\\s.*\\strust\\b")
          .containsPattern("(?m)^host\\s+all\\s+all\\s+127\\.0\\.0\\.1/32\\s+scram-sha-256");
      assertThatThrownBy(() -> PgConnection.connect(vertx,
              TestFiles.withoutPassword(upgraded.connectOptions()))
          .compose(PgConnection::close).await())
          .isInstanceOf(PgException.class);

      PostgresStorage storage = PostgresStorage.open(vertx,
          PostgresStorageConfig.defaults(upgraded.connectOptions())).await();
      try {
        assertThat(storage.spanStore().getTrace(traceId).await()).isEqualTo(stored);
      } finally {
        storage.close().await();
      }
    }
    // The next start uses the password as it is: nothing more to upgrade.
    String password = Files.readString(dir.resolve("postgres-password"));
    try (EmbeddedPostgres again =
        EmbeddedPostgres.start(dir, EmbeddedPostgres.defaultBinariesCache())) {
      assertThat(again.connectOptions().getPassword()).isEqualTo(password);
    }
  }
}
