package io.meshtrace.collector.server;

import io.meshtrace.lifecycle.Component;
import io.meshtrace.storage.postgres.embedded.EmbeddedPostgres;
import io.meshtrace.storage.postgres.embedded.EmbeddedPostgresSettings;
import io.meshtrace.storage.postgres.embedded.EmbeddedPostgresSupervisor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The PostgreSQL server meshtrace runs itself when no {@code --pg-url} is given, restarted when
 * it exits by itself. Down for longer than the recovery timeout, it makes the process unhealthy,
 * so that an orchestrator restarts the whole of meshtrace.
 */
final class EmbeddedPostgresServer implements Component {
  private final Vertx vertx;
  private final Path dataDir;
  private final EmbeddedPostgresSettings settings;
  private final Duration recoveryTimeout;
  private volatile EmbeddedPostgres server;
  private volatile EmbeddedPostgresSupervisor supervisor;

  EmbeddedPostgresServer(Vertx vertx, Path dataDir, EmbeddedPostgresSettings settings,
      Duration recoveryTimeout) {
    this.vertx = vertx;
    this.dataDir = dataDir;
    this.settings = settings;
    this.recoveryTimeout = recoveryTimeout;
  }

  @Override
  public String name() {
    return "embedded PostgreSQL in " + dataDir;
  }

  /** initdb on a new data directory, then the server; both block for seconds. */
  @Override
  public Future<Void> start() {
    return vertx.executeBlocking(() -> {
      server = EmbeddedPostgres.start(dataDir, EmbeddedPostgres.defaultBinariesCache(),
          settings);
      supervisor = new EmbeddedPostgresSupervisor(server);
      supervisor.start();
      return null;
    });
  }

  /** Where to connect, once started. */
  PgConnectOptions connectOptions() {
    return server.connectOptions();
  }

  /** The running server, or null before start. */
  EmbeddedPostgres server() {
    return server;
  }

  /** The supervisor, or null before start. */
  EmbeddedPostgresSupervisor supervisor() {
    return supervisor;
  }

  /** Why the process is unhealthy, or null: the server has been down too long. */
  String unhealthy() {
    EmbeddedPostgresSupervisor watching = supervisor;
    Duration down = watching == null ? Duration.ZERO : watching.downFor();
    return down.compareTo(recoveryTimeout) <= 0 ? null : "the embedded PostgreSQL has been down "
        + down.toSeconds() + " s, more than --embedded-pg-recovery-timeout ("
        + recoveryTimeout.toSeconds() + " s); see postgres.log in " + dataDir;
  }

  @Override
  public Future<Void> stop() {
    EmbeddedPostgres running = server;
    EmbeddedPostgresSupervisor watching = supervisor;
    return running == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      if (watching != null) {
        watching.close();
      }
      running.close();
      return null;
    });
  }
}
