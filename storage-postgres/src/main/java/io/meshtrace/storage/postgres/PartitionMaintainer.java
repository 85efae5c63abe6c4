package io.meshtrace.storage.postgres;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the daily partitions: creates them from yesterday to some days ahead, and drops the days
 * past retention whole, by {@code DETACH PARTITION ... CONCURRENTLY} (inserts into other days
 * go on meanwhile) and {@code DROP TABLE}, which frees their space at once where deleting rows
 * would leave it to vacuum. A detach an interrupted run left pending is finalized. The rows of
 * {@code trace_days}, {@code dependency_links} and the linked hours' links for those days go
 * too.
 * Runs at start-up and on a timer; replicas take turns through an advisory lock.
 */
final class PartitionMaintainer {
  private static final Logger LOG = LoggerFactory.getLogger(PartitionMaintainer.class);
  private static final long LOCK_KEY = 0x6d657369L; // "mesi"
  private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("'spans_'yyyyMMdd");

  private final Pool pool;
  private final SpanPartitions partitions;
  private final PostgresSpanMetrics spanMetrics;
  private final Clock clock;
  private final int daysAhead;
  private final int retentionDays;

  PartitionMaintainer(Pool pool, SpanPartitions partitions, PostgresSpanMetrics spanMetrics,
      Clock clock, int daysAhead, int retentionDays) {
    this.pool = pool;
    this.partitions = partitions;
    this.spanMetrics = spanMetrics;
    this.clock = clock;
    this.daysAhead = daysAhead;
    this.retentionDays = retentionDays;
  }

  /** The first day kept: days before it hold only spans older than retention. */
  LocalDate firstKeptDay() {
    return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC)
        .minusDays(retentionDays).toLocalDate();
  }

  Future<Void> run() {
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    List<LocalDate> ahead = new ArrayList<>();
    for (int i = -1; i <= daysAhead; i++) {
      ahead.add(today.plusDays(i));
    }
    return partitions.ensure(ahead)
        .compose(v -> spanMetrics.ensurePartitions(new java.util.TreeSet<>(ahead)))
        .compose(v -> dropExpired()).mapEmpty();
  }

  /** Drops the days before {@link #firstKeptDay()}; returns the dropped days. */
  Future<List<LocalDate>> dropExpired() {
    LocalDate cutoff = firstKeptDay();
    return pool.withConnection(conn -> conn
        .query("SELECT pg_try_advisory_lock(" + LOCK_KEY + ")").execute()
        .compose(locked -> {
          if (!locked.iterator().next().getBoolean(0)) {
            return Future.succeededFuture(List.<LocalDate>of()); // another replica is at it
          }
          return dropExpired(conn, cutoff)
              .eventually(() -> conn.query("SELECT pg_advisory_unlock(" + LOCK_KEY + ")")
                  .execute());
        }));
  }

  private Future<List<LocalDate>> dropExpired(SqlConnection conn, LocalDate cutoff) {
    // Attached partitions (maybe with a detach pending) and tables a crash left detached.
    return conn.query("""
            SELECT c.relname, coalesce(i.inhdetachpending, false), i.inhrelid IS NOT NULL
            FROM pg_class c
            LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = 'spans'::regclass
            WHERE c.relkind IN ('r', 'p') AND c.relname ~ '^spans_[0-9]{8}$'
              AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE relname = 'spans'
                                    AND relkind = 'p' LIMIT 1)""").execute()
        .compose(rows -> {
          Future<Void> chain = Future.succeededFuture();
          List<LocalDate> dropped = new ArrayList<>();
          for (Row row : rows) {
            String name = row.getString(0);
            LocalDate day = LocalDate.parse(name, NAME);
            if (!day.isBefore(cutoff)) {
              continue;
            }
            boolean pending = row.getBoolean(1);
            boolean attached = row.getBoolean(2);
            chain = chain.compose(v -> {
              Future<?> detach = !attached ? Future.succeededFuture()
                  : conn.query("ALTER TABLE spans DETACH PARTITION " + name
                      + (pending ? " FINALIZE" : " CONCURRENTLY")).execute();
              return detach.compose(d -> conn.query("DROP TABLE " + name).execute())
                  .map(d -> {
                    partitions.forget(day);
                    dropped.add(day);
                    LOG.info("Dropped partition {}: its spans are older than the retention of "
                        + "{} days", name, retentionDays);
                    return null;
                  });
            });
          }
          return chain.compose(v -> conn.preparedQuery("DELETE FROM trace_days WHERE day < $1")
                  .execute(Tuple.of(cutoff)))
              .compose(v -> conn.preparedQuery("DELETE FROM dependency_links WHERE hour < $1")
                  .execute(Tuple.of(cutoff.atStartOfDay().atOffset(ZoneOffset.UTC))))
              .compose(v -> conn.preparedQuery("DELETE FROM dependency_link_hours WHERE hour < $1")
                  .execute(Tuple.of(cutoff.atStartOfDay().atOffset(ZoneOffset.UTC))))
              .compose(v -> conn.preparedQuery(
                      "DELETE FROM linked_dependency_links WHERE hour < $1")
                  .execute(Tuple.of(cutoff.atStartOfDay().atOffset(ZoneOffset.UTC))))
              .compose(v -> conn.preparedQuery(
                      "DELETE FROM root_span_throughput WHERE minute < $1")
                  .execute(Tuple.of(cutoff.atStartOfDay().atOffset(ZoneOffset.UTC))))
              .compose(v -> spanMetrics.dropBefore(conn, cutoff))
              .map(v -> dropped);
        });
  }
}
