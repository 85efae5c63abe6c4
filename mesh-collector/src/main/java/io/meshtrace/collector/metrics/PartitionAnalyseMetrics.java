package io.meshtrace.collector.metrics;

import io.meshtrace.storage.postgres.PostgresStorage;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code meshtrace_partition_analyses_total{outcome}} and
 * {@code meshtrace_partition_analyse_seconds_total}: the ANALYZE statements the span writer runs
 * on a day's partition as it fills (so that query plans never lack statistics), and the time
 * they took, which is what they cost ingest. Registered when storage opens, at zero.
 */
public final class PartitionAnalyseMetrics {
  private PartitionAnalyseMetrics() {}

  public static void register(MeterRegistry registry, PostgresStorage storage) {
    FunctionCounter.builder("meshtrace.partition.analyses", storage,
            PostgresStorage::partitionAnalyses)
        .description("ANALYZE statements run on span partitions as the writer filled them")
        .tag("outcome", "ok").register(registry);
    FunctionCounter.builder("meshtrace.partition.analyses", storage,
            PostgresStorage::partitionAnalyseFailures)
        .description("ANALYZE statements run on span partitions as the writer filled them")
        .tag("outcome", "failed").register(registry);
    FunctionCounter.builder("meshtrace.partition.analyse.seconds", storage,
            PostgresStorage::partitionAnalyseSeconds)
        .description("Time spent in ANALYZE statements on span partitions")
        .register(registry);
  }
}
