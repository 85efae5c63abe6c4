package io.meshtrace.storage.postgres;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A log of versions of one JSON document in a table of {@code (version, changed_at,
 * changed_by, change, document jsonb)}: the sampling strategies' and the SLO objectives' admin
 * API documents. Changes are serialised by a transaction-scoped advisory lock, so that two
 * replicas changing different parts at once both keep the other's change: each reads the
 * newest document inside the lock.
 *
 * @param <V> what a version is read as
 */
public final class PostgresDocumentTable<V> {
  private static final String COLUMNS = "version, changed_at, changed_by, change, document";

  /** Makes a version of what a row holds. */
  @FunctionalInterface
  public interface VersionOf<V> {
    V of(long version, Instant changedAt, String changedBy, String change, String documentJson);
  }

  /** A change: what it did, in words, and the whole document after it. */
  public record Change(String description, String documentJson) {}

  private final Pool pool;
  private final String table;
  private final long lockKey;
  private final VersionOf<V> versionOf;

  /** @param table trusted: a name of meshtrace's schema, never input */
  public PostgresDocumentTable(Pool pool, String table, long lockKey, VersionOf<V> versionOf) {
    this.pool = pool;
    this.table = table;
    this.lockKey = lockKey;
    this.versionOf = versionOf;
  }

  /** The newest version, or null when there is none. */
  public Future<V> latest() {
    return pool.query("SELECT " + COLUMNS + " FROM " + table + " ORDER BY version DESC LIMIT 1")
        .execute().map(rows -> rows.size() == 0 ? null : version(rows.iterator().next()));
  }

  /** The newest version's number, 0 when there is none. */
  public Future<Long> latestVersionNumber() {
    return pool.query("SELECT coalesce(max(version), 0) FROM " + table).execute()
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** The newest {@code limit} versions, newest first. */
  public Future<List<V>> history(int limit) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM " + table
            + " ORDER BY version DESC LIMIT $1").execute(Tuple.of(limit))
        .map(rows -> {
          List<V> versions = new ArrayList<>(rows.size());
          rows.forEach(row -> versions.add(version(row)));
          return versions;
        });
  }

  /**
   * Appends the change {@code change} makes of the newest document (null when there is none);
   * an {@link IllegalArgumentException} from it fails the append and changes nothing.
   */
  public Future<V> append(String changedBy, Function<String, Change> change) {
    return pool.withTransaction(conn -> conn
        .query("SELECT pg_advisory_xact_lock(" + lockKey + ")").execute()
        .compose(locked -> conn.query("SELECT document FROM " + table
            + " ORDER BY version DESC LIMIT 1").execute())
        .compose(rows -> {
          String current = rows.size() == 0 ? null : text(rows.iterator().next().getValue(0));
          Change next;
          try {
            next = change.apply(current);
          } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
          }
          return conn.preparedQuery("INSERT INTO " + table
                  + " (changed_by, change, document) VALUES ($1, $2, $3::text::jsonb)"
                  + " RETURNING " + COLUMNS)
              .execute(Tuple.of(changedBy, next.description(), next.documentJson()))
              .map(inserted -> version(inserted.iterator().next()));
        }));
  }

  private V version(Row row) {
    return versionOf.of(row.getLong("version"), row.getOffsetDateTime("changed_at").toInstant(),
        row.getString("changed_by"), row.getString("change"), text(row.getValue("document")));
  }

  /** jsonb reads back as a JsonObject. */
  private static String text(Object stored) {
    return stored instanceof JsonObject json ? json.encode() : String.valueOf(stored);
  }
}
