package io.meshtrace.storage.postgres.slo;

import io.meshtrace.storage.slo.ObjectiveDocumentLog;
import io.meshtrace.storage.slo.ObjectiveDocumentVersion;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The log in {@code slo_objective_versions} (migration V9), kept as the sampling strategies'
 * log is: changes are serialised by a transaction-scoped advisory lock, so that two replicas
 * changing different objectives at once both keep the other's change (each reads the newest
 * document inside the lock).
 */
public final class PostgresObjectiveDocumentLog implements ObjectiveDocumentLog {
  private static final long LOCK_KEY = 0x736c6f6f626aL; // "sloobj"
  private static final String COLUMNS = "version, changed_at, changed_by, change, document";

  private final Pool pool;

  public PostgresObjectiveDocumentLog(Pool pool) {
    this.pool = pool;
  }

  @Override
  public Future<ObjectiveDocumentVersion> latest() {
    return pool.query("SELECT " + COLUMNS + " FROM slo_objective_versions"
            + " ORDER BY version DESC LIMIT 1").execute()
        .map(rows -> rows.size() == 0 ? null : version(rows.iterator().next()));
  }

  @Override
  public Future<Long> latestVersionNumber() {
    return pool.query("SELECT coalesce(max(version), 0) FROM slo_objective_versions")
        .execute().map(rows -> rows.iterator().next().getLong(0));
  }

  @Override
  public Future<List<ObjectiveDocumentVersion>> history(int limit) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM slo_objective_versions"
            + " ORDER BY version DESC LIMIT $1").execute(Tuple.of(limit))
        .map(rows -> {
          List<ObjectiveDocumentVersion> versions = new ArrayList<>(rows.size());
          rows.forEach(row -> versions.add(version(row)));
          return versions;
        });
  }

  @Override
  public Future<ObjectiveDocumentVersion> append(String changedBy,
      Function<String, Change> change) {
    return pool.withTransaction(conn -> conn
        .query("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")").execute()
        .compose(locked -> conn.query("SELECT document FROM slo_objective_versions"
            + " ORDER BY version DESC LIMIT 1").execute())
        .compose(rows -> {
          String current = rows.size() == 0 ? null : text(rows.iterator().next().getValue(0));
          Change next;
          try {
            next = change.apply(current);
          } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
          }
          return conn.preparedQuery("INSERT INTO slo_objective_versions"
                  + " (changed_by, change, document) VALUES ($1, $2, $3::text::jsonb)"
                  + " RETURNING " + COLUMNS)
              .execute(Tuple.of(changedBy, next.description(), next.documentJson()))
              .map(inserted -> version(inserted.iterator().next()));
        }));
  }

  private static ObjectiveDocumentVersion version(Row row) {
    return new ObjectiveDocumentVersion(row.getLong("version"),
        row.getOffsetDateTime("changed_at").toInstant(), row.getString("changed_by"),
        row.getString("change"), text(row.getValue("document")));
  }

  /** jsonb reads back as a JsonObject. */
  private static String text(Object stored) {
    return stored instanceof JsonObject json ? json.encode() : String.valueOf(stored);
  }
}
