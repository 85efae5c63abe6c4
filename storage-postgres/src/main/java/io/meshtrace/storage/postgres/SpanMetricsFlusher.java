package io.meshtrace.storage.postgres;

import io.meshtrace.lifecycle.Component;
import io.meshtrace.lifecycle.PeriodicTask;
import io.meshtrace.metrics.RedMetrics;
import io.meshtrace.metrics.SpanMetricsAggregator;
import io.meshtrace.metrics.SpanMetricsKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.SortedMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the minutes the aggregator closed every few seconds, rolls hours up every few
 * minutes, and when stopped writes every minute still open, so that a restart loses none. A
 * write that fails puts its minutes back for the next one.
 */
final class SpanMetricsFlusher implements Component {
  private static final Logger LOG = LoggerFactory.getLogger(SpanMetricsFlusher.class);
  static final Duration FLUSH_INTERVAL = Duration.ofSeconds(5);
  static final Duration ROLLUP_INTERVAL = Duration.ofMinutes(5);

  private final SpanMetricsAggregator aggregator;
  private final PostgresSpanMetrics store;
  private final PeriodicTask flush;
  private final PeriodicTask rollUp;
  private long failedWrites;

  /** @param keptSince the start of retention, as it moves on */
  SpanMetricsFlusher(Vertx vertx, SpanMetricsAggregator aggregator, PostgresSpanMetrics store,
      Supplier<Instant> keptSince) {
    this.aggregator = aggregator;
    this.store = store;
    this.flush = new PeriodicTask(vertx, "span metrics writes", FLUSH_INTERVAL,
        () -> write(aggregator.takeClosed()), false);
    this.rollUp = new PeriodicTask(vertx, "span metrics rollup", ROLLUP_INTERVAL,
        () -> store.rollUp(keptSince.get()), false);
  }

  @Override
  public String name() {
    return "span metrics";
  }

  @Override
  public Future<Void> start() {
    return flush.start().compose(v -> rollUp.start());
  }

  @Override
  public Future<Void> stop() {
    return flush.stop().eventually(rollUp::stop).eventually(() -> write(aggregator.takeAll()));
  }

  /** Writes every minute, open or not (tests, and stopping). */
  Future<Void> flushAll() {
    return write(aggregator.takeAll());
  }

  private Future<Void> write(SortedMap<SpanMetricsKey, RedMetrics> minutes) {
    return store.write(minutes).recover(failure -> {
      aggregator.putBack(minutes);
      synchronized (this) {
        failedWrites++;
      }
      LOG.warn("Could not write the RED metrics of {} series-minutes, kept for the next try: {}",
          minutes.size(), failure.getMessage());
      return Future.succeededFuture();
    });
  }

  synchronized long failedWrites() {
    return failedWrites;
  }
}
