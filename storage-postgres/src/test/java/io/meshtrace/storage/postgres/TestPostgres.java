package io.meshtrace.storage.postgres;

import io.meshtrace.storage.postgres.embedded.EmbeddedPostgres;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real embedded PostgreSQL per test JVM, and a fresh database in it for each test class
 * that asks, so that tests are isolated without paying a server start each.
 */
public final class TestPostgres {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedPostgres server;
  private static Vertx adminVertx;

  private TestPostgres() {}

  public static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        Path dir = Files.createTempDirectory("meshtrace-test-pg-");
        server = EmbeddedPostgres.start(dir, EmbeddedPostgres.defaultBinariesCache());
        adminVertx = Vertx.vertx();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          adminVertx.close();
          server.close();
          try {
            io.meshtrace.storage.postgres.embedded.TestFiles.deleteRecursively(dir);
          } catch (IOException ignored) {
            // temp dir: left for the OS
          }
        }, "test-postgres-stop"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return server;
  }

  /** Options that reach the test server's default database. */
  public static PgConnectOptions serverOptions() {
    return server().connectOptions();
  }

  /** Creates an empty database and returns options that reach it. */
  public static PgConnectOptions freshDatabase() {
    String name = "test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    PgConnectOptions admin = serverOptions();
    PgConnection.connect(adminVertx, admin)
        .compose(conn -> conn.query("CREATE DATABASE " + name).execute()
            .eventually(conn::close))
        .await();
    return serverOptions().setDatabase(name);
  }

  /** A {@code postgresql://} URL for {@code --pg-url} that reaches a fresh database. */
  public static String freshDatabaseUrl() {
    PgConnectOptions options = freshDatabase();
    return url(options);
  }

  /** The {@code postgresql://} URL of options (the embedded server's password is URL-safe). */
  public static String url(PgConnectOptions options) {
    return "postgresql://" + options.getUser() + ":" + options.getPassword() + "@"
        + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
  }
}
