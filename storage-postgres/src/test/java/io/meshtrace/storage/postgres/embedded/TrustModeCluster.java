package io.meshtrace.storage.postgres.embedded;

import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A data directory as meshtrace made them before issue 18 ({@code initdb --auth=trust}, no
 * password file), with its server running, for tests of the upgrade.
 */
public final class TrustModeCluster implements AutoCloseable {
  private final Process postmaster;
  private final int port;

  private TrustModeCluster(Process postmaster, int port) {
    this.postmaster = postmaster;
    this.port = port;
  }

  public static TrustModeCluster start(Path dataDir) throws IOException, InterruptedException {
    Files.createDirectories(dataDir);
    Path binaries = PostgresBinaries.unpack(EmbeddedPostgres.defaultBinariesCache());
    Path pgData = dataDir.resolve("postgres");
    List<String> initdb = new ArrayList<>(EmbeddedPostgres.dropRootPrefix());
    initdb.addAll(List.of(binaries.resolve("bin/initdb").toString(), "--auth=trust",
        "--username=" + EmbeddedPostgres.USER, "--encoding=UTF8", "--locale=C",
        "--pgdata=" + pgData));
    Process made = new ProcessBuilder(initdb).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!made.waitFor(120, TimeUnit.SECONDS) || made.exitValue() != 0) {
      throw new IOException("initdb --auth=trust failed");
    }
    int port = EmbeddedPostgres.freePort();
    Process postmaster = EmbeddedPostgres.startPostmaster(binaries, dataDir, pgData, port,
        EmbeddedPostgresSettings.DEFAULTS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try {
        List<String> pid = Files.readAllLines(pgData.resolve("postmaster.pid"),
            StandardCharsets.UTF_8);
        if (pid.size() >= 8 && pid.get(7).trim().equals("ready")) {
          return new TrustModeCluster(postmaster, port);
        }
      } catch (IOException notYet) {
        // written shortly after the start
      }
      Thread.sleep(50);
    }
    postmaster.destroyForcibly();
    throw new IOException("the trust-mode PostgreSQL did not become ready");
  }

  /** Without a password: trust lets anyone in. */
  public PgConnectOptions connectOptions() {
    return new PgConnectOptions().setHost("127.0.0.1").setPort(port)
        .setUser(EmbeddedPostgres.USER).setDatabase(EmbeddedPostgres.DATABASE);
  }

  @Override
  public void close() {
    EmbeddedPostgres.stopProcess(postmaster.toHandle(), "trust-mode PostgreSQL");
  }
}
