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
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.StorableSpanChecker;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.meshtrace.storage.postgres.PostgresStorageConfig;
import io.meshtrace.storage.postgres.TestPostgres;
import io.meshtrace.tenant.SpanTenant;
import io.meshtrace.tenant.Tenant;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tenant survives the Kafka path (collector sink -> real broker -> ingester -> PostgreSQL) in
 * a record header, and only there: a tenant named inside a record's value (a client's resource
 * attribute passed on by some other producer) is ignored.
 */
class KafkaTenantsTest {
  static final Tenant A = Tenant.of("team-a");
  static final Tenant B = Tenant.of("team-b");
  static KafkaBroker broker;
  static Vertx vertx;
  static PostgresStorage storage;

  @BeforeAll
  static void start() throws Exception {
    broker = KafkaBroker.start();
    broker.createTopic("tenants", 2);
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
  void eachRecordIsStoredAsTheTenantOfItsHeader() throws Exception {
    TraceId ofA = new TraceId(0x71, 1);
    TraceId ofDefault = new TraceId(0x71, 2);
    TraceId spoofed = new TraceId(0x71, 3);
    TraceId ofB = new TraceId(0x71, 4);
    KafkaSpanSink sink = new KafkaSpanSink(vertx, new KafkaSinkSettings(broker.bootstrapServers(),
        "tenants", SpanRecordEncoding.OTLP_PROTO, "lz4", Duration.ofSeconds(5), 32L << 20, 2));
    sink.start().await(30, TimeUnit.SECONDS);
    try {
      // As the pipeline hands them over: marked as the request's tenant.
      sink.accept(SpanTenant.assign(List.of(resourceSpans("cart", ofA)), A))
          .await(30, TimeUnit.SECONDS);
      sink.accept(List.of(resourceSpans("cart", ofDefault))).await(30, TimeUnit.SECONDS);
    } finally {
      sink.stop().await(30, TimeUnit.SECONDS);
    }
    // Another producer: one value names a tenant itself (no header), one has the header.
    ResourceSpans named = SpanTenant.assign(resourceSpans("cart", spoofed), A);
    Properties config = new Properties();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config,
        new StringSerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>("tenants", "k1", ExportTraceServiceRequest.newBuilder()
          .addResourceSpans(named).build().toByteArray())).get();
      ProducerRecord<String, byte[]> withHeader = new ProducerRecord<>("tenants", "k2",
          ExportTraceServiceRequest.newBuilder().addResourceSpans(resourceSpans("cart", ofB))
              .build().toByteArray());
      withHeader.headers().add("meshtrace-tenant", "team-b".getBytes(StandardCharsets.UTF_8));
      producer.send(withHeader).get();
    }

    KafkaSpanIngester ingester = new KafkaSpanIngester(new KafkaIngesterSettings(
        broker.bootstrapServers(), "tenants", "ingesters", SpanRecordEncoding.OTLP_PROTO, 500,
        Duration.ofMillis(200), Duration.ofSeconds(6), 1),
        storage.positionedSpanSink(), new StorableSpanChecker(Clock.systemUTC(),
            Duration.ofDays(7), StorableSpanChecker.DEFAULT_MAX_FUTURE_SKEW));
    ingester.start().await(30, TimeUnit.SECONDS);
    try {
      awaitStored(storage.spanStores().forTenant(B), ofB);
      awaitStored(storage.spanStore(), spoofed);
      SpanStore storeOfA = storage.spanStores().forTenant(A);
      SpanStore storeOfDefault = storage.spanStore();
      assertThat(storeOfA.getTrace(ofA).await()).hasSize(1);
      assertThat(storeOfA.getTrace(ofA).await().get(0).getResource().getAttributesList())
          .extracting(KeyValue::getKey).containsExactly("service.name");
      assertThat(storeOfA.getTrace(spoofed).await()).isEmpty();
      assertThat(storeOfA.getTrace(ofB).await()).isEmpty();
      assertThat(storeOfDefault.getTrace(ofA).await()).isEmpty();
      assertThat(storeOfDefault.getTrace(ofDefault).await()).hasSize(1);
      assertThat(storeOfDefault.getTrace(spoofed).await()).hasSize(1);
      assertThat(storeOfDefault.getTrace(spoofed).await().get(0).getResource()
          .getAttributesList()).extracting(KeyValue::getKey).containsExactly("service.name");
    } finally {
      ingester.stop().await(30, TimeUnit.SECONDS);
    }
  }

  private static void awaitStored(SpanStore store, TraceId trace) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (store.getTrace(trace).await().isEmpty()) {
      assertThat(System.nanoTime()).as("trace %s stored within 60 s", trace).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static ResourceSpans resourceSpans(String service, TraceId trace) {
    long now = System.currentTimeMillis() * 1_000_000L;
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder()
            .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue(service))))
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(Span.newBuilder()
            .setTraceId(trace.toBytes())
            .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(1).array()))
            .setName("op").setStartTimeUnixNano(now).setEndTimeUnixNano(now + 1000)))
        .build();
  }
}
