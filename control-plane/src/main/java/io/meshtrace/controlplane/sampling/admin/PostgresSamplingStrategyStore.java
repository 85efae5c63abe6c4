package io.meshtrace.controlplane.sampling.admin;

import io.meshtrace.controlplane.sampling.InvalidSamplingStrategiesException;
import io.meshtrace.controlplane.sampling.SamplingStrategiesDocument;
import io.meshtrace.controlplane.sampling.SamplingStrategiesJson;
import io.meshtrace.controlplane.sampling.SamplingStrategiesJsonWriter;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The admin API's strategies in {@code sampling_strategy_versions}: every change appends the
 * whole document as it is after the change. Changes are serialised by a transaction-scoped
 * advisory lock, so that two replicas changing different services at once both keep the
 * other's change (each reads the newest document inside the lock).
 */
public final class PostgresSamplingStrategyStore {
  private static final long LOCK_KEY = 0x73616d706cL; // "sampl"
  private static final String COLUMNS = "version, changed_at, changed_by, change, document";

  /** What a change does to the document, and how to say it in the history. */
  public record Change(SamplingStrategiesDocument document, String description) {}

  private final Pool pool;

  public PostgresSamplingStrategyStore(Pool pool) {
    this.pool = pool;
  }

  /** The newest version, or null when nothing was ever set through the API. */
  public Future<SamplingStrategyVersion> latest() {
    return pool.query("SELECT " + COLUMNS + " FROM sampling_strategy_versions"
            + " ORDER BY version DESC LIMIT 1").execute()
        .map(rows -> rows.size() == 0 ? null : version(rows.iterator().next()));
  }

  /** The newest version number, 0 when there is none: what replicas poll. */
  public Future<Long> latestVersionNumber() {
    return pool.query("SELECT coalesce(max(version), 0) FROM sampling_strategy_versions")
        .execute().map(rows -> rows.iterator().next().getLong(0));
  }

  /** The newest {@code limit} versions, newest first. */
  public Future<List<SamplingStrategyVersion>> history(int limit) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM sampling_strategy_versions"
            + " ORDER BY version DESC LIMIT $1").execute(Tuple.of(limit))
        .map(rows -> {
          List<SamplingStrategyVersion> versions = new ArrayList<>(rows.size());
          rows.forEach(row -> versions.add(version(row)));
          return versions;
        });
  }

  /**
   * Applies {@code change} to the newest document and stores the result as a new version. The
   * function may throw an IllegalArgumentException (nothing to delete, say): nothing is stored
   * and the future fails with it.
   */
  public Future<SamplingStrategyVersion> change(String changedBy,
      Function<SamplingStrategiesDocument, Change> change) {
    return pool.withTransaction(conn -> conn
        .query("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")").execute()
        .compose(locked -> conn.query("SELECT document FROM sampling_strategy_versions"
            + " ORDER BY version DESC LIMIT 1").execute())
        .compose(rows -> {
          SamplingStrategiesDocument current = rows.size() == 0
              ? SamplingStrategiesDocument.EMPTY : document(rows.iterator().next().getValue(0));
          Change next;
          try {
            next = change.apply(current);
          } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
          }
          return conn.preparedQuery("INSERT INTO sampling_strategy_versions"
                  + " (changed_by, change, document) VALUES ($1, $2, $3::jsonb)"
                  + " RETURNING " + COLUMNS)
              .execute(Tuple.of(changedBy, next.description(),
                  SamplingStrategiesJsonWriter.document(next.document())))
              .map(inserted -> version(inserted.iterator().next()));
        }));
  }

  private static SamplingStrategyVersion version(Row row) {
    return new SamplingStrategyVersion(row.getLong("version"),
        row.getOffsetDateTime("changed_at").toInstant(), row.getString("changed_by"),
        row.getString("change"), document(row.getValue("document")));
  }

  private static SamplingStrategiesDocument document(Object stored) {
    String text = stored instanceof JsonObject json ? json.encode() : String.valueOf(stored);
    try {
      return SamplingStrategiesJson.parse(text).document();
    } catch (InvalidSamplingStrategiesException e) {
      // Only validated documents are stored: this is a row changed by hand.
      throw new IllegalStateException("sampling_strategy_versions holds a document that is not"
          + " valid: " + e.getMessage(), e);
    }
  }
}
