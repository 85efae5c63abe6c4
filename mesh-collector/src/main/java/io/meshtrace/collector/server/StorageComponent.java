package io.meshtrace.collector.server;

import io.meshtrace.collector.config.SpanMetricsConfig;
import io.meshtrace.collector.config.StorageConfig;
import io.meshtrace.collector.config.StorageTimeoutConfig;
import io.meshtrace.lifecycle.Component;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.meshtrace.storage.postgres.PostgresStorageConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The PostgreSQL storage: opened (migrations, partitions) before anything that reads or writes
 * spans starts, closed after the last of them stopped, once the writes in flight are committed.
 */
final class StorageComponent implements Component {
  /** How long stopping waits for the writes in flight to commit. */
  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

  private final Vertx vertx;
  private final StorageConfig config;
  private final StorageTimeoutConfig timeouts;
  private final SpanMetricsConfig spanMetrics;
  private final Supplier<PgConnectOptions> connect;
  private volatile PostgresStorage storage;

  /** @param connect where the server is, asked at start (the embedded one starts first) */
  StorageComponent(Vertx vertx, StorageConfig config, StorageTimeoutConfig timeouts,
      SpanMetricsConfig spanMetrics, Supplier<PgConnectOptions> connect) {
    this.vertx = vertx;
    this.config = config;
    this.timeouts = timeouts;
    this.spanMetrics = spanMetrics;
    this.connect = connect;
  }

  @Override
  public String name() {
    return "storage";
  }

  @Override
  public Future<Void> start() {
    PgConnectOptions where = connect.get();
    return PostgresStorage.open(vertx, new PostgresStorageConfig(where, config.pgPoolSize(),
            config.pgWritePoolSize(), config.writerConcurrency(), config.maxBatchSpans(),
            config.partitionsAhead(), config.retentionDays(),
            PostgresStorageConfig.DEFAULT_MAX_FUTURE_SKEW, Set.copyOf(config.indexedTagKeys()),
            timeouts.postgresTimeouts(), spanMetrics.aggregatorSettings(),
            spanMetrics.export()))
        .<Void>map(opened -> {
          storage = opened;
          return null;
        })
        .recover(failure -> Future.failedFuture(new IllegalStateException("cannot open "
            + where.getHost() + ":" + where.getPort() + "/" + where.getDatabase() + ": "
            + failure.getMessage(), failure)));
  }

  /** The open storage; only once started. */
  PostgresStorage storage() {
    return storage;
  }

  @Override
  public Future<Void> stop() {
    PostgresStorage open = storage;
    if (open == null) {
      return Future.succeededFuture();
    }
    return waitForPendingWrites(open).transform(done -> open.close());
  }

  private Future<Void> waitForPendingWrites(PostgresStorage open) {
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    return vertx.executeBlocking(() -> {
      while (open.pendingSpans() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      return null;
    });
  }
}
