package io.meshtrace.storage.postgres;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure that a commit on the writer's connections is durable before anything is
 * acknowledged: {@code synchronous_commit} must be on (meshtrace asks for it per session, but a
 * connection pooler in between may drop session parameters), and {@code fsync} off is worth a
 * loud warning, as then nothing a database says is durable is.
 */
final class DurabilityCheck {
  private static final Logger LOG = LoggerFactory.getLogger(DurabilityCheck.class);
  /** Each waits at least for the local WAL flush. */
  private static final Set<String> DURABLE = Set.of("on", "local", "remote_write",
      "remote_apply");

  private DurabilityCheck() {}

  static Future<Void> run(Pool writes) {
    return writes.query("SELECT current_setting('synchronous_commit'), current_setting('fsync')")
        .execute()
        .compose(rows -> {
          Row row = rows.iterator().next();
          String synchronousCommit = row.getString(0);
          if (!DURABLE.contains(synchronousCommit)) {
            return Future.failedFuture(new IllegalStateException("PostgreSQL runs meshtrace's "
                + "writes with synchronous_commit = " + synchronousCommit + ", so an "
                + "acknowledged span could be lost in a crash; meshtrace asks for 'on' per "
                + "session: let the session parameter through (a pooler may drop it) or set "
                + "synchronous_commit = on for meshtrace's role"));
          }
          if ("off".equals(row.getString(1))) {
            LOG.warn("PostgreSQL runs with fsync = off: commits are not durable, and an "
                + "acknowledged span can be lost if the database's host crashes");
          }
          return Future.succeededFuture();
        });
  }
}
