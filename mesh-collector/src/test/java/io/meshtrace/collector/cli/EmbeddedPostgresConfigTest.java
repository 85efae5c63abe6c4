package io.meshtrace.collector.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.collector.config.InvalidConfigException;
import io.meshtrace.collector.config.MeshtraceConfig;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.storage.postgres.embedded.EmbeddedPostgresSettings;
import io.meshtrace.storage.postgres.embedded.TestFiles;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** --embedded-pg-shared-buffers and --embedded-pg-max-connections, read, checked and applied. */
class EmbeddedPostgresConfigTest {
  private static MeshtraceConfig parse(Map<String, String> env, String... args) {
    return MeshtraceCommand.parseConfig(args, env);
  }

  @Test
  void postgresDefaultsUnlessGivenByFlagOrEnvironment() {
    assertThat(parse(Map.of(), "all-in-one").embeddedPostgres().settings())
        .isEqualTo(EmbeddedPostgresSettings.DEFAULTS);
    MeshtraceConfig small = parse(Map.of("MESHTRACE_EMBEDDED_PG_MAX_CONNECTIONS", "20"),
        "all-in-one", "--embedded-pg-shared-buffers", "32MiB");
    assertThat(small.embeddedPostgres().sharedBuffers()).isEqualTo(32L * 1024 * 1024);
    assertThat(small.embeddedPostgres().maxConnections()).isEqualTo(20);
  }

  @Test
  void whatPostgresOrMeshtraceCannotWorkWithStopsStartUpNamingTheSetting() {
    assertThatThrownBy(() -> parse(Map.of(), "all-in-one", "--embedded-pg-shared-buffers", "512KiB"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("embedded-pg-shared-buffers").hasMessageContaining("at least 1MiB");
    assertThatThrownBy(() -> parse(Map.of(), "all-in-one", "--embedded-pg-shared-buffers", "2000000"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("embedded-pg-shared-buffers").hasMessageContaining("8KiB block");
    assertThatThrownBy(() -> parse(Map.of(), "all-in-one", "--embedded-pg-max-connections", "0"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("embedded-pg-max-connections");
    // The default pools (4 reads + 3 writes) and 2 spare need 9.
    assertThatThrownBy(() -> parse(Map.of(), "all-in-one", "--embedded-pg-max-connections", "8"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("embedded-pg-max-connections")
        .hasMessageContaining("is 8 but must be at least 9: --pg-pool-size (4) + "
            + "--pg-write-pool-size (3) + 2 spare for psql");
    assertThat(parse(Map.of(), "all-in-one", "--embedded-pg-max-connections", "6",
        "--pg-pool-size", "2", "--pg-write-pool-size", "2", "--writer-concurrency", "1")
        .embeddedPostgres().maxConnections()).isEqualTo(6);
    // With --pg-url there is no embedded server to size.
    assertThat(parse(Map.of(), "query", "--pg-url", "postgresql://u:p@db:5432/traces",
        "--embedded-pg-max-connections", "3").embeddedPostgres().maxConnections()).isEqualTo(3);
  }

  @Test
  void aServerStartsItsPostgresWithThem() throws Exception {
    Path dataDir = Files.createTempDirectory("meshtrace-small-pg-");
    MeshtraceServer server = TestServers.withEmbeddedPostgres(dataDir,
        "--embedded-pg-shared-buffers", "16MiB", "--embedded-pg-max-connections", "12");
    Vertx vertx = Vertx.vertx();
    try {
      String shown = PgConnection.connect(vertx, server.embeddedPostgres().connectOptions())
          .compose(conn -> conn.query("SELECT current_setting('shared_buffers') || ' '"
              + " || current_setting('max_connections')").execute().eventually(conn::close))
          .await().iterator().next().getString(0);
      assertThat(shown).isEqualTo("16MB 12");
    } finally {
      vertx.close().await();
      server.stop();
      TestFiles.deleteRecursively(dataDir);
    }
  }
}
