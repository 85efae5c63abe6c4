package io.meshtrace.storage.postgres.embedded;

import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.nio.file.Path;

/** Test access to the recursive delete the embedded server uses for its own directories. */
public final class TestFiles {
  private TestFiles() {}

  public static void deleteRecursively(Path dir) throws IOException {
    PostgresBinaries.deleteRecursively(dir);
  }

  /** The same server, user and database, and no password at all. */
  public static PgConnectOptions withoutPassword(PgConnectOptions options) {
    return new PgConnectOptions().setHost(options.getHost()).setPort(options.getPort())
        .setUser(options.getUser()).setDatabase(options.getDatabase());
  }
}
