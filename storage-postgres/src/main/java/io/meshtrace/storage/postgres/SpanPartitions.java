package io.meshtrace.storage.postgres;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows which daily partitions of {@code spans} exist and creates missing ones. The writer asks
 * before every insert, so a span from a day without a partition (a late or early span) makes its
 * partition on demand instead of failing: there is no DEFAULT partition to catch it, because one
 * would block {@code DETACH PARTITION CONCURRENTLY} when old days are dropped.
 */
final class SpanPartitions {
  private static final Logger LOG = LoggerFactory.getLogger(SpanPartitions.class);
  private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("'spans_'yyyyMMdd");

  private final Pool pool;
  private final Set<LocalDate> known = ConcurrentHashMap.newKeySet();

  SpanPartitions(Pool pool) {
    this.pool = pool;
  }

  static String partitionName(LocalDate day) {
    return NAME.format(day);
  }

  /** Re-reads the partitions that exist from the catalog. */
  Future<Set<LocalDate>> refresh() {
    return pool.query("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'spans'::regclass""").execute()
        .map(rows -> {
          Set<LocalDate> days = new TreeSet<>();
          for (Row row : rows) {
            String name = row.getString(0);
            try {
              days.add(LocalDate.parse(name, NAME));
            } catch (RuntimeException e) {
              LOG.warn("Ignoring partition {} of spans: its name is not spans_YYYYMMDD", name);
            }
          }
          known.retainAll(days);
          known.addAll(days);
          return days;
        });
  }

  /** Makes sure each day has a partition; cheap when they are all known to exist. */
  Future<Void> ensure(Collection<LocalDate> days) {
    List<LocalDate> missing = days.stream().filter(d -> !known.contains(d)).distinct().toList();
    if (missing.isEmpty()) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(
            "SELECT d, meshtrace_ensure_span_partition(d) FROM unnest($1::date[]) AS d")
        .execute(Tuple.of(missing.toArray(new LocalDate[0])))
        .map(rows -> {
          for (Row row : rows) {
            LocalDate day = row.getLocalDate(0);
            if (row.getBoolean(1)) {
              LOG.info("Created partition {}", partitionName(day));
            }
            known.add(day);
          }
          return null;
        });
  }

  void forget(LocalDate day) {
    known.remove(day);
  }
}
