package io.meshtrace.storage.postgres.sampling;

import io.meshtrace.storage.sampling.Leadership;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;

/**
 * Leadership as a PostgreSQL session advisory lock held on a connection of its own: the lock
 * goes with the connection, so a leader that dies or loses its database hands over at once, and
 * the next replica to try takes it.
 */
public final class AdvisoryLockLeadership implements Leadership {
  /** The lock of adaptive sampling's calculation. */
  public static final long ADAPTIVE_SAMPLING = 0x6164617074L; // "adapt"
  /** The lock of linking closed hours' dependency links. */
  public static final long DEPENDENCY_LINKING = 0x6c696e6b73L; // "links"

  private final Pool pool;
  private final long key;
  private SqlConnection lockConnection;

  public AdvisoryLockLeadership(Pool pool, long key) {
    this.pool = pool;
    this.key = key;
  }

  @Override
  public Future<Boolean> tryAcquire() {
    if (held()) {
      return Future.succeededFuture(true);
    }
    return pool.getConnection().compose(conn -> conn
        .query("SELECT pg_try_advisory_lock(" + key + ")").execute()
        .map(rows -> rows.iterator().next().getBoolean(0))
        .compose(locked -> {
          if (!locked) {
            return conn.close().map(false);
          }
          synchronized (this) {
            lockConnection = conn;
          }
          conn.closeHandler(v -> {
            synchronized (this) {
              if (lockConnection == conn) {
                lockConnection = null; // lost with its connection
              }
            }
          });
          return Future.succeededFuture(true);
        }));
  }

  @Override
  public synchronized boolean held() {
    return lockConnection != null;
  }

  /**
   * Unlocks, then hands the connection back. Closing alone would not do, as a pooled connection
   * outlives its use, and the lock with it.
   */
  @Override
  public Future<Void> release() {
    SqlConnection conn;
    synchronized (this) {
      conn = lockConnection;
      lockConnection = null;
    }
    if (conn == null) {
      return Future.succeededFuture();
    }
    return conn.query("SELECT pg_advisory_unlock(" + key + ")").execute()
        .<Void>mapEmpty()
        .recover(failure -> Future.succeededFuture()) // a broken connection: the lock went with it
        .eventually(conn::close);
  }
}
