package io.meshtrace.storage.postgres.sampling;

import io.meshtrace.storage.sampling.StrategyDocumentLog;
import io.meshtrace.storage.sampling.StrategyDocumentVersion;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The log in {@code sampling_strategy_versions} (migration V2). Changes are serialised by a
 * transaction-scoped advisory lock, so that two replicas changing different services at once
 * both keep the other's change: each reads the newest document inside the lock.
 */
public final class PostgresStrategyDocumentLog implements StrategyDocumentLog {
  private static final long LOCK_KEY = 0x73616d706cL; // "sampl"
  private static final String COLUMNS = "version, changed_at, changed_by, change, document";

  private final Pool pool;

  public PostgresStrategyDocumentLog(Pool pool) {
    this.pool = pool;
  }

  @Override
  public Future<StrategyDocumentVersion> latest() {
    return pool.query("SELECT " + COLUMNS + " FROM sampling_strategy_versions"
            + " ORDER BY version DESC LIMIT 1").execute()
        .map(rows -> rows.size() == 0 ? null : version(rows.iterator().next()));
  }

  @Override
  public Future<Long> latestVersionNumber() {
    return pool.query("SELECT coalesce(max(version), 0) FROM sampling_strategy_versions")
        .execute().map(rows -> rows.iterator().next().getLong(0));
  }

  @Override
  public Future<List<StrategyDocumentVersion>> history(int limit) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM sampling_strategy_versions"
            + " ORDER BY version DESC LIMIT $1").execute(Tuple.of(limit))
        .map(rows -> {
          List<StrategyDocumentVersion> versions = new ArrayList<>(rows.size());
          rows.forEach(row -> versions.add(version(row)));
          return versions;
        });
  }

  @Override
  public Future<StrategyDocumentVersion> append(String changedBy,
      Function<String, Change> change) {
    return pool.withTransaction(conn -> conn
        .query("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")").execute()
        .compose(locked -> conn.query("SELECT document FROM sampling_strategy_versions"
            + " ORDER BY version DESC LIMIT 1").execute())
        .compose(rows -> {
          String current = rows.size() == 0 ? null : text(rows.iterator().next().getValue(0));
          Change next;
          try {
            next = change.apply(current);
          } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
          }
          return conn.preparedQuery("INSERT INTO sampling_strategy_versions"
                  + " (changed_by, change, document) VALUES ($1, $2, $3::text::jsonb)"
                  + " RETURNING " + COLUMNS)
              .execute(Tuple.of(changedBy, next.description(), next.documentJson()))
              .map(inserted -> version(inserted.iterator().next()));
        }));
  }

  private static StrategyDocumentVersion version(Row row) {
    return new StrategyDocumentVersion(row.getLong("version"),
        row.getOffsetDateTime("changed_at").toInstant(), row.getString("changed_by"),
        row.getString("change"), text(row.getValue("document")));
  }

  /** jsonb reads back as a JsonObject. */
  private static String text(Object stored) {
    return stored instanceof JsonObject json ? json.encode() : String.valueOf(stored);
  }
}
