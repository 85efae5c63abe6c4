package io.meshtrace.collector.metrics;

import io.meshtrace.kafka.KafkaSinkObserver;
import io.meshtrace.kafka.KafkaSpanIngester;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The Kafka path's meters (Prometheus names):
 *
 * <ul>
 *   <li>collector, {@code --span-sink kafka}: {@code meshtrace_kafka_produce_records_total
 *       {outcome="ok"|"failed"}}, {@code meshtrace_kafka_produce_seconds{outcome}} (one
 *       transaction, from begin to commit or abort);
 *   <li>ingester: {@code meshtrace_kafka_records_total{outcome="stored"|"skipped"}},
 *       {@code meshtrace_kafka_spans_total{outcome}}, {@code meshtrace_kafka_rebalances_total},
 *       and {@code meshtrace_kafka_consumer_lag{partition}} for each partition held, as of the
 *       last poll.
 * </ul>
 *
 * Every series whose labels are known exists from start-up; the lag's partitions are known
 * once they are assigned.
 */
public final class KafkaMetrics {
  private KafkaMetrics() {}

  /** The collector's sink observer, its series registered at zero. */
  public static KafkaSinkObserver producer(MeterRegistry registry) {
    Counter okRecords = Counter.builder("meshtrace.kafka.produce.records")
        .description("Span records written to Kafka, by whether their transaction committed")
        .tag("outcome", "ok").register(registry);
    Counter failedRecords = Counter.builder("meshtrace.kafka.produce.records")
        .description("Span records written to Kafka, by whether their transaction committed")
        .tag("outcome", "failed").register(registry);
    Timer ok = produceTimer(registry, "ok");
    Timer failed = produceTimer(registry, "failed");
    return new KafkaSinkObserver() {
      @Override
      public void committed(int records, long nanos) {
        okRecords.increment(records);
        ok.record(nanos, TimeUnit.NANOSECONDS);
      }

      @Override
      public void failed(int records, long nanos, Throwable failure) {
        failedRecords.increment(records);
        failed.record(nanos, TimeUnit.NANOSECONDS);
      }
    };
  }

  /** The ingester's meters, read from it when scraped; the lag refreshed by {@link #refresh}. */
  public static MultiGauge ingester(MeterRegistry registry, KafkaSpanIngester ingester) {
    FunctionCounter.builder("meshtrace.kafka.records", ingester, KafkaSpanIngester::recordsStored)
        .description("Kafka records read by the ingester, by what became of them")
        .tag("outcome", "stored").register(registry);
    FunctionCounter.builder("meshtrace.kafka.records", ingester,
            KafkaSpanIngester::recordsSkipped)
        .description("Kafka records read by the ingester, by what became of them")
        .tag("outcome", "skipped").register(registry);
    FunctionCounter.builder("meshtrace.kafka.spans", ingester, KafkaSpanIngester::spansStored)
        .description("Spans in the records read, stored or skipped as unstorable")
        .tag("outcome", "stored").register(registry);
    FunctionCounter.builder("meshtrace.kafka.spans", ingester, KafkaSpanIngester::spansSkipped)
        .description("Spans in the records read, stored or skipped as unstorable")
        .tag("outcome", "skipped").register(registry);
    FunctionCounter.builder("meshtrace.kafka.rebalances", ingester, KafkaSpanIngester::rebalances)
        .description("Partition assignments this ingester has taken part in").register(registry);
    MultiGauge lag = MultiGauge.builder("meshtrace.kafka.consumer.lag")
        .description("Records of a held partition not yet stored: its log end less the stored "
            + "position")
        .register(registry);
    return lag;
  }

  /** Rows of the lag gauge for the partitions held now. */
  public static void refresh(MultiGauge lag, KafkaSpanIngester ingester) {
    lag.register(ingester.lag().entrySet().stream()
        .map(entry -> MultiGauge.Row.of(Tags.of("partition", Integer.toString(entry.getKey())),
            entry.getValue()))
        .toList(), true);
  }

  private static Timer produceTimer(MeterRegistry registry, String outcome) {
    return Timer.builder("meshtrace.kafka.produce")
        .description("One Kafka transaction of span records, from begin to commit or abort")
        .tag("outcome", outcome)
        .serviceLevelObjectives(IngestMetrics.WRITE_LATENCY_OBJECTIVES)
        .register(registry);
  }

}
