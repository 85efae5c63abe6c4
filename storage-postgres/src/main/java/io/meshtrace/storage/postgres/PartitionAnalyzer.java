package io.meshtrace.storage.postgres;

import io.vertx.sqlclient.Pool;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Analyses a day's partition as the writer fills it, so that its statistics are never far
 * behind its rows. A new day's partition (or a new data directory) has none until autovacuum
 * gets to it, about a minute in, and the statistics it then takes describe the partition at
 * that moment: taken at 10,000 rows they say a trace ID matches one row in 740, and at
 * 5 million rows the planner still believes it. Searches walk the start time index only when the
 * planner knows how many rows a time range holds; without statistics it took a whole range
 * from the heap and sorted it (the first five runs of each search, before a generic plan).
 *
 * <p>A partition is analysed once this process has written {@link #FIRST_ANALYSE_ROWS} rows into
 * it, then each time it has written as many again as the partition held at the last analyse:
 * statistics are never more than half a partition's rows behind, for a number of analyses that
 * grows with the logarithm of the day's spans (about ten for 5 million). One ANALYZE runs at a
 * time, after commits and never in a write's way; its sample is 30,000 rows, whatever the size
 * of the partition. Counted for /metrics.
 */
final class PartitionAnalyzer {
  private static final Logger LOG = LoggerFactory.getLogger(PartitionAnalyzer.class);
  /** Below this a partition is small enough to read whole in a few milliseconds. */
  static final long FIRST_ANALYSE_ROWS = 10_000;

  private final Pool pool;
  /** Per day: rows written since its last analyse, and rows it held then (as this process saw). */
  private final Map<LocalDate, long[]> days = new HashMap<>();
  private final AtomicBoolean running = new AtomicBoolean();
  private final LongAdder analyses = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder nanos = new LongAdder();

  PartitionAnalyzer(Pool pool) {
    this.pool = pool;
  }

  /** Rows the writer has committed; starts an ANALYZE of a partition that is due one. */
  void committed(List<SpanRow> rows) {
    synchronized (days) {
      for (SpanRow row : rows) {
        days.computeIfAbsent(row.day(), d -> new long[2])[0]++;
      }
    }
    startDue();
  }

  /** Analyses a partition that is due, unless an ANALYZE is running (it calls again when done). */
  private void startDue() {
    LocalDate due = null;
    synchronized (days) {
      for (Map.Entry<LocalDate, long[]> day : days.entrySet()) {
        long[] counts = day.getValue();
        if (counts[0] >= Math.max(FIRST_ANALYSE_ROWS, counts[1])) {
          due = day.getKey();
          break;
        }
      }
    }
    if (due != null && running.compareAndSet(false, true)) {
      analyse(due);
    }
  }

  /** Whether an ANALYZE is running. */
  boolean running() {
    return running.get();
  }

  private void analyse(LocalDate day) {
    long written;
    synchronized (days) {
      long[] counts = days.get(day);
      written = counts[0];
      counts[1] += written;
      counts[0] = 0;
    }
    String partition = SpanPartitions.partitionName(day);
    long started = System.nanoTime();
    pool.query("ANALYZE " + partition).execute().onComplete(done -> {
      nanos.add(System.nanoTime() - started);
      if (done.succeeded()) {
        analyses.increment();
        LOG.debug("Analysed {} after {} new rows in {} ms", partition, written,
            (System.nanoTime() - started) / 1_000_000);
      } else {
        failures.increment();
        LOG.warn("Could not analyse {}: {}", partition, PgErrors.describe(done.cause()));
        if (done.cause() instanceof io.vertx.pgclient.PgException pg
            && "42P01".equals(pg.getSqlState())) {
          synchronized (days) {
            days.remove(day); // dropped by retention or by hand: nothing left to analyse
          }
        }
      }
      running.set(false);
      startDue(); // a partition that came due meanwhile
    });
  }

  /** ANALYZE statements that completed. */
  long analyses() {
    return analyses.sum();
  }

  /** ANALYZE statements that failed. */
  long failures() {
    return failures.sum();
  }

  /** Time spent in ANALYZE statements, succeeded or failed. */
  long nanos() {
    return nanos.sum();
  }
}
