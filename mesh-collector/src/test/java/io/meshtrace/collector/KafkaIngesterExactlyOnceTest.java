package io.meshtrace.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshtrace.kafka.KafkaBroker;
import io.meshtrace.kafka.KafkaIngesterSettings;
import io.meshtrace.kafka.KafkaSinkSettings;
import io.meshtrace.kafka.KafkaSpanIngester;
import io.meshtrace.kafka.KafkaSpanSink;
import io.meshtrace.kafka.SpanRecordEncoding;
import io.meshtrace.model.TraceId;
import io.meshtrace.storage.StorableSpanChecker;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.meshtrace.storage.postgres.PoisonSpans;
import io.meshtrace.storage.postgres.PostgresStorageConfig;
import io.meshtrace.storage.postgres.TestPostgres;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Collector sink -> real Kafka broker -> ingester -> real PostgreSQL: every span stored once,
 * also when the ingester is replaced midway by a member that knows nothing of what the first
 * one did (nothing is ever committed to Kafka: the positions live with the spans), and records
 * that cannot be decoded are skipped, not retried forever.
 */
class KafkaIngesterExactlyOnceTest {
  static KafkaBroker broker;
  static Vertx vertx;
  static PostgresStorage storage;

  @BeforeAll
  static void start() throws Exception {
    broker = KafkaBroker.start();
    broker.createTopic("ingest-a", 4);
    vertx = Vertx.vertx();
    storage = PostgresStorage.open(vertx,
        PostgresStorageConfig.defaults(TestPostgres.freshDatabase())).await();
  }

  @AfterAll
  static void stop() throws Exception {
    if (storage != null) {
      storage.close().await();
    }
    if (vertx != null) {
      vertx.close().await();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void everySpanOnceAcrossAReplacedIngester() throws Exception {
    KafkaSpanSink sink = new KafkaSpanSink(vertx, new KafkaSinkSettings(broker.bootstrapServers(),
        "ingest-a", SpanRecordEncoding.OTLP_PROTO, "lz4", Duration.ofSeconds(5), 32L << 20, 2));
    sink.start().await(30, TimeUnit.SECONDS);
    List<TraceId> traces = new ArrayList<>();
    try {
      write(sink, traces, 0, 150);
      KafkaSpanIngester first = ingester();
      first.start().await();
      awaitStored(traces);
      first.stop().await(60, TimeUnit.SECONDS);

      write(sink, traces, 150, 100);
      KafkaSpanIngester second = ingester();
      second.start().await();
      awaitStored(traces);
      Thread.sleep(1000); // a moment for anything stored twice to show
      for (TraceId trace : traces) {
        int spans = storage.spanStore().getTrace(trace).await().stream()
            .mapToInt(r -> r.getScopeSpans(0).getSpansCount()).sum();
        assertThat(spans).as("spans of trace %s", trace).isEqualTo(3);
      }
      assertThat(second.recordsStored()).as("the second member read only what was new")
          .isEqualTo(100);
      second.stop().await(60, TimeUnit.SECONDS);
    } finally {
      sink.stop().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aRecordThatCannotBeDecodedIsSkippedAndTheRestStored() throws Exception {
    broker.createTopic("ingest-b", 1);
    java.util.Properties config = new java.util.Properties();
    config.put("bootstrap.servers", broker.bootstrapServers());
    try (org.apache.kafka.clients.producer.KafkaProducer<String, byte[]> producer =
        new org.apache.kafka.clients.producer.KafkaProducer<>(config,
            new org.apache.kafka.common.serialization.StringSerializer(),
            new org.apache.kafka.common.serialization.ByteArraySerializer())) {
      producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("ingest-b", "x",
          new byte[] {(byte) 0xff, 0x01, 0x02})).get(30, TimeUnit.SECONDS);
    }
    KafkaSpanSink sink = new KafkaSpanSink(vertx, new KafkaSinkSettings(broker.bootstrapServers(),
        "ingest-b", SpanRecordEncoding.OTLP_PROTO, "lz4", Duration.ofSeconds(5), 32L << 20, 2));
    sink.start().await(30, TimeUnit.SECONDS);
    List<TraceId> traces = new ArrayList<>();
    KafkaSpanIngester ingester = ingester("ingest-b");
    try {
      write(sink, traces, 1000, 5);
      ingester.start().await();
      awaitStored(traces);
      assertThat(ingester.recordsSkipped()).isEqualTo(1);
      assertThat(ingester.recordsStored()).isEqualTo(5);
    } finally {
      ingester.stop().await(60, TimeUnit.SECONDS);
      sink.stop().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aRecordStorageRefusesKeepsItsOtherSpansAndDoesNotStallItsPartition() throws Exception {
    broker.createTopic("ingest-c", 1);
    PoisonSpans.refuse(storage.pool());
    KafkaSpanSink sink = new KafkaSpanSink(vertx, new KafkaSinkSettings(broker.bootstrapServers(),
        "ingest-c", SpanRecordEncoding.OTLP_PROTO, "lz4", Duration.ofSeconds(5), 32L << 20, 2));
    sink.start().await(30, TimeUnit.SECONDS);
    List<TraceId> before = new ArrayList<>();
    List<TraceId> after = new ArrayList<>();
    TraceId poisoned = new TraceId(0x78, 1);
    KafkaSpanIngester ingester = ingester("ingest-c");
    try {
      write(sink, before, 2000, 3);
      sink.accept(List.of(ResourceSpans.newBuilder()
          .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder()
              .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue("cart"))))
          .addScopeSpans(ScopeSpans.newBuilder()
              .addSpans(span(poisoned, 1, "op-1")).addSpans(span(poisoned, 2, "poison"))
              .addSpans(span(poisoned, 3, "op-3")))
          .build())).await(30, TimeUnit.SECONDS);
      write(sink, after, 3000, 3);
      ingester.start().await();
      awaitStored(before);
      awaitStored(after);
      awaitStored(List.of(poisoned));
      for (TraceId trace : before) {
        assertThat(spansOf(trace)).isEqualTo(3);
      }
      for (TraceId trace : after) {
        assertThat(spansOf(trace)).isEqualTo(3);
      }
      assertThat(spansOf(poisoned)).isEqualTo(2);
      assertThat(ingester.spansSkipped()).isEqualTo(1);
      assertThat(ingester.recordsStored()).isEqualTo(7);
    } finally {
      ingester.stop().await(60, TimeUnit.SECONDS);
      sink.stop().await(30, TimeUnit.SECONDS);
      PoisonSpans.allow(storage.pool());
    }
  }

  private static Span span(TraceId trace, long id, String name) {
    long now = System.currentTimeMillis() * 1_000_000L;
    return Span.newBuilder().setTraceId(trace.toBytes())
        .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(id).array()))
        .setName(name).setStartTimeUnixNano(now).setEndTimeUnixNano(now + 1000).build();
  }

  private static int spansOf(TraceId trace) {
    return storage.spanStore().getTrace(trace).await().stream()
        .mapToInt(rs -> rs.getScopeSpansList().stream().mapToInt(ScopeSpans::getSpansCount).sum())
        .sum();
  }

  private static KafkaSpanIngester ingester() {
    return ingester("ingest-a");
  }

  private static KafkaSpanIngester ingester(String topic) {
    return new KafkaSpanIngester(new KafkaIngesterSettings(broker.bootstrapServers(), topic,
        "ingesters", SpanRecordEncoding.OTLP_PROTO, 500, Duration.ofMillis(200),
        Duration.ofSeconds(6), 1),
        storage.positionedSpanSink(), new StorableSpanChecker(Clock.systemUTC(),
            Duration.ofDays(7), StorableSpanChecker.DEFAULT_MAX_FUTURE_SKEW));
  }

  private static void write(KafkaSpanSink sink, List<TraceId> traces, int first, int count)
      throws Exception {
    for (int t = first; t < first + count; t++) {
      TraceId trace = new TraceId(0x77, t + 1);
      traces.add(trace);
      long now = System.currentTimeMillis() * 1_000_000L;
      List<Span> spans = new ArrayList<>();
      for (int s = 1; s <= 3; s++) {
        spans.add(Span.newBuilder().setTraceId(trace.toBytes())
            .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(s).array()))
            .setName("op-" + s).setStartTimeUnixNano(now).setEndTimeUnixNano(now + 1000)
            .build());
      }
      sink.accept(List.of(ResourceSpans.newBuilder()
          .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder()
              .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue("cart"))))
          .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(spans)).build()))
          .await(30, TimeUnit.SECONDS);
    }
  }

  private static void awaitStored(List<TraceId> traces) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    for (TraceId trace : traces) {
      while (storage.spanStore().getTrace(trace).await().isEmpty()) {
        assertThat(System.nanoTime()).as("trace %s stored within 60 s", trace)
            .isLessThan(deadline);
        Thread.sleep(100);
      }
    }
  }
}
