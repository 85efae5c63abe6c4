package io.meshtrace.storage.postgres;

import io.meshtrace.metrics.SpanMetricsAggregator;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the PostgreSQL storage, filled from meshtrace's configuration.
 *
 * @param connect where the server is and how to log in
 * @param poolSize connections for reads (the query APIs, sampling's state), apart from the
 *     writer's so that a storm of searches cannot starve ingest
 * @param writePoolSize connections for writing spans and what goes with them (dictionaries,
 *     partitions, dependency counts); each has {@code synchronous_commit = on}
 * @param writerConcurrency inserts in flight at once; arrivals meanwhile gather into the next
 *     batch (group commit)
 * @param maxBatchSpans spans per insert statement at most (a single larger request still goes
 *     in one statement, so that it is never split)
 * @param partitionDaysAhead daily partitions created ahead of today
 * @param retentionDays spans older than this many days are dropped and not accepted
 * @param maxFutureSkew how far in the future a span may start and still be accepted
 * @param indexedTagKeys attribute keys whose values are indexed per trace ({@code trace_days}),
 *     for fast searches by values that name one request, such as Envoy's request ID
 * @param timeouts what bounds every wait on the database
 * @param spanMetrics how RED metrics of the committed spans are added up; null for not at all
 *     (they are still read, for what other replicas write)
 * @param exportSpanMetrics whether they are also added up since start-up for Prometheus
 */
public record PostgresStorageConfig(
    PgConnectOptions connect,
    int poolSize,
    int writePoolSize,
    int writerConcurrency,
    int maxBatchSpans,
    int partitionDaysAhead,
    int retentionDays,
    Duration maxFutureSkew,
    java.util.Set<String> indexedTagKeys,
    PostgresTimeouts timeouts,
    SpanMetricsAggregator.Settings spanMetrics,
    boolean exportSpanMetrics) {

  public PostgresStorageConfig {
    Objects.requireNonNull(connect, "connect");
    Objects.requireNonNull(maxFutureSkew, "maxFutureSkew");
    Objects.requireNonNull(timeouts, "timeouts");
    indexedTagKeys = java.util.Set.copyOf(indexedTagKeys);
    if (poolSize < 1) {
      throw new IllegalArgumentException("poolSize must be at least 1");
    }
    if (writerConcurrency < 1 || writerConcurrency >= writePoolSize) {
      throw new IllegalArgumentException(
          "writerConcurrency must be at least 1 and less than writePoolSize");
    }
    if (maxBatchSpans < 1) {
      throw new IllegalArgumentException("maxBatchSpans must be at least 1");
    }
    if (partitionDaysAhead < 0) {
      throw new IllegalArgumentException("partitionDaysAhead must not be negative");
    }
    if (retentionDays < 1) {
      throw new IllegalArgumentException("retentionDays must be at least 1");
    }
  }

  public static final int DEFAULT_POOL_SIZE = 4;
  public static final int DEFAULT_WRITER_CONCURRENCY = 2;
  /** The inserts in flight, and one for dictionaries, partitions and counts meanwhile. */
  public static final int DEFAULT_WRITE_POOL_SIZE = DEFAULT_WRITER_CONCURRENCY + 1;
  public static final int DEFAULT_MAX_BATCH_SPANS = 5000;
  public static final int DEFAULT_PARTITION_DAYS_AHEAD = 2;
  public static final int DEFAULT_RETENTION_DAYS = 7;
  /** A day, as Zipkin and Jaeger accept spans from clients whose clocks are that far off. */
  public static final Duration DEFAULT_MAX_FUTURE_SKEW =
      io.meshtrace.storage.StorableSpanChecker.DEFAULT_MAX_FUTURE_SKEW;
  /** Envoy's request ID: what people paste from an access log to find the trace. */
  public static final String DEFAULT_INDEXED_TAG_KEY = "guid:x-request-id";

  /**
   * 200 operations a service; minutes closed 30 s after their end; 200,000 spans held back for
   * their trace's probability; 100,000 traces' probabilities remembered.
   */
  public static final SpanMetricsAggregator.Settings DEFAULT_SPAN_METRICS =
      new SpanMetricsAggregator.Settings(200, Duration.ofSeconds(30), 200_000, 100_000);

  /** Defaults for everything but the connection. */
  public static PostgresStorageConfig defaults(PgConnectOptions connect) {
    return new PostgresStorageConfig(connect, DEFAULT_POOL_SIZE, DEFAULT_WRITE_POOL_SIZE,
        DEFAULT_WRITER_CONCURRENCY, DEFAULT_MAX_BATCH_SPANS, DEFAULT_PARTITION_DAYS_AHEAD,
        DEFAULT_RETENTION_DAYS, DEFAULT_MAX_FUTURE_SKEW,
        java.util.Set.of(DEFAULT_INDEXED_TAG_KEY), PostgresTimeouts.DEFAULTS,
        DEFAULT_SPAN_METRICS, true);
  }
}
