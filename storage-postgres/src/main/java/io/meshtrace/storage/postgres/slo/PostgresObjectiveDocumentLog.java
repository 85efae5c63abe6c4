package io.meshtrace.storage.postgres.slo;

import io.meshtrace.storage.postgres.PostgresDocumentTable;
import io.meshtrace.storage.slo.ObjectiveDocumentLog;
import io.meshtrace.storage.slo.ObjectiveDocumentVersion;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.function.Function;

/**
 * The admin API's SLO objectives documents in {@code slo_objective_versions} (migration V9),
 * kept as {@link PostgresDocumentTable} keeps a document's versions.
 */
public final class PostgresObjectiveDocumentLog implements ObjectiveDocumentLog {
  private static final long LOCK_KEY = 0x736c6f6f626aL; // "sloobj";

  private final PostgresDocumentTable<ObjectiveDocumentVersion> table;

  public PostgresObjectiveDocumentLog(Pool pool) {
    this.table = new PostgresDocumentTable<>(pool, "slo_objective_versions", LOCK_KEY, ObjectiveDocumentVersion::new);
  }

  @Override
  public Future<ObjectiveDocumentVersion> latest() {
    return table.latest();
  }

  @Override
  public Future<Long> latestVersionNumber() {
    return table.latestVersionNumber();
  }

  @Override
  public Future<List<ObjectiveDocumentVersion>> history(int limit) {
    return table.history(limit);
  }

  @Override
  public Future<ObjectiveDocumentVersion> append(String changedBy, Function<String, Change> change) {
    return table.append(changedBy, current -> {
      Change next = change.apply(current);
      return new PostgresDocumentTable.Change(next.description(), next.documentJson());
    });
  }
}
