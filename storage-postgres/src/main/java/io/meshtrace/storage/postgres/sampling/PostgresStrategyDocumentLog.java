package io.meshtrace.storage.postgres.sampling;

import io.meshtrace.storage.postgres.PostgresDocumentTable;
import io.meshtrace.storage.sampling.StrategyDocumentLog;
import io.meshtrace.storage.sampling.StrategyDocumentVersion;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.function.Function;

/**
 * The admin API's sampling strategies documents in {@code sampling_strategy_versions}
 * (migration V2), kept as {@link PostgresDocumentTable} keeps a document's versions.
 */
public final class PostgresStrategyDocumentLog implements StrategyDocumentLog {
  private static final long LOCK_KEY = 0x73616d706cL; // "sampl";

  private final PostgresDocumentTable<StrategyDocumentVersion> table;

  public PostgresStrategyDocumentLog(Pool pool) {
    this.table = new PostgresDocumentTable<>(pool, "sampling_strategy_versions", LOCK_KEY, StrategyDocumentVersion::new);
  }

  @Override
  public Future<StrategyDocumentVersion> latest() {
    return table.latest();
  }

  @Override
  public Future<Long> latestVersionNumber() {
    return table.latestVersionNumber();
  }

  @Override
  public Future<List<StrategyDocumentVersion>> history(int limit) {
    return table.history(limit);
  }

  @Override
  public Future<StrategyDocumentVersion> append(String changedBy, Function<String, Change> change) {
    return table.append(changedBy, current -> {
      Change next = change.apply(current);
      return new PostgresDocumentTable.Change(next.description(), next.documentJson());
    });
  }
}
