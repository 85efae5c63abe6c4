package io.meshtrace.collector.server;

import io.meshtrace.lifecycle.Component;
import io.meshtrace.storage.postgres.embedded.EmbeddedPostgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.nio.file.Path;

/** The PostgreSQL server meshtrace runs itself when no {@code --pg-url} is given. */
final class EmbeddedPostgresServer implements Component {
  private final Vertx vertx;
  private final Path dataDir;
  private volatile EmbeddedPostgres server;

  EmbeddedPostgresServer(Vertx vertx, Path dataDir) {
    this.vertx = vertx;
    this.dataDir = dataDir;
  }

  @Override
  public String name() {
    return "embedded PostgreSQL in " + dataDir;
  }

  /** initdb on a new data directory, then the server; both block for seconds. */
  @Override
  public Future<Void> start() {
    return vertx.executeBlocking(() -> {
      server = EmbeddedPostgres.start(dataDir, EmbeddedPostgres.defaultBinariesCache());
      return null;
    });
  }

  /** Where to connect, once started. */
  PgConnectOptions connectOptions() {
    return new PgConnectOptions().setHost(server.host()).setPort(server.port())
        .setUser(EmbeddedPostgres.USER).setDatabase(EmbeddedPostgres.DATABASE);
  }

  /** The running server, or null before start. */
  EmbeddedPostgres server() {
    return server;
  }

  @Override
  public Future<Void> stop() {
    EmbeddedPostgres running = server;
    return running == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      running.close();
      return null;
    });
  }
}
