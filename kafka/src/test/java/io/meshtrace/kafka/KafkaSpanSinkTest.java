package io.meshtrace.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshtrace.storage.StorageUnavailableException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Kafka sink against a real broker: what it writes, and what it answers when Kafka is away. */
class KafkaSpanSinkTest {
  static KafkaBroker broker;
  static Vertx vertx;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.start();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
    if (broker != null) {
      broker.close();
    }
  }

  private static KafkaSpanSink sink(String topic, SpanRecordEncoding encoding) throws Exception {
    KafkaSpanSink sink = new KafkaSpanSink(vertx, new KafkaSinkSettings(broker.bootstrapServers(),
        topic, encoding, "lz4", Duration.ofSeconds(4), 32L << 20, 2));
    sink.start().await(30, TimeUnit.SECONDS);
    return sink;
  }

  @Test
  void aBatchIsOneCommittedRecordPerTraceKeyedByItsId() throws Exception {
    broker.createTopic("spans-a", 4);
    KafkaSpanSink sink = sink("spans-a", SpanRecordEncoding.OTLP_PROTO);
    try {
      List<ResourceSpans> batch = List.of(
          resource("cart", span(1, 11), span(2, 21), span(1, 12)),
          resource("checkout", span(2, 22), span(3, 31)));
      sink.accept(batch).await(30, TimeUnit.SECONDS);
      List<ConsumerRecord<String, byte[]>> records = consume("spans-a", 3);
      assertThat(records).extracting(ConsumerRecord::key).containsExactlyInAnyOrder(
          traceKey(1), traceKey(2), traceKey(3));
      for (ConsumerRecord<String, byte[]> record : records) {
        ExportTraceServiceRequest request = SpanRecordEncoding.OTLP_PROTO.decode(record.value());
        List<String> spans = new ArrayList<>();
        for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
          String service = resourceSpans.getResource().getAttributes(0).getValue()
              .getStringValue();
          for (Span span : resourceSpans.getScopeSpans(0).getSpansList()) {
            assertThat(traceKey(span.getTraceId())).isEqualTo(record.key());
            spans.add(service + ":" + span.getSpanId().byteAt(7));
          }
        }
        switch (record.key().substring(31)) {
          case "1" -> assertThat(spans).containsExactly("cart:11", "cart:12");
          case "2" -> assertThat(spans).containsExactly("cart:21", "checkout:22");
          default -> assertThat(spans).containsExactly("checkout:31");
        }
      }
    } finally {
      sink.stop().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aTenantsSpansAreRecordsWithTheTenantInAHeaderAndPlainOtlpAsTheValue() throws Exception {
    broker.createTopic("spans-tenant", 1);
    KafkaSpanSink sink = sink("spans-tenant", SpanRecordEncoding.OTLP_PROTO);
    try {
      sink.accept(io.meshtrace.tenant.SpanTenant.assign(List.of(resource("cart", span(4, 41))),
          io.meshtrace.tenant.Tenant.of("team-a"))).await(30, TimeUnit.SECONDS);
      sink.accept(List.of(resource("cart", span(5, 51)))).await(30, TimeUnit.SECONDS);
      List<ConsumerRecord<String, byte[]>> records = consume("spans-tenant", 2);
      assertThat(records).hasSize(2);
      for (ConsumerRecord<String, byte[]> record : records) {
        ExportTraceServiceRequest request = SpanRecordEncoding.OTLP_PROTO.decode(record.value());
        assertThat(request.getResourceSpans(0).getResource())
            .isEqualTo(resource("cart").getResource());
        assertThat(TenantHeader.of(record.headers())).isEqualTo(record.key().equals(traceKey(4))
            ? io.meshtrace.tenant.Tenant.of("team-a") : io.meshtrace.tenant.Tenant.DEFAULT);
      }
    } finally {
      sink.stop().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void otlpJsonRecordsReadBackEqual() {
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(resource("cart", span(5, 51))).build();
    byte[] json = SpanRecordEncoding.OTLP_JSON.encode(request);
    assertThat(new String(json, java.nio.charset.StandardCharsets.UTF_8))
        .contains("\"traceId\":\"00000000000000000000000000000005\"");
    assertThat(SpanRecordEncoding.OTLP_JSON.decode(json)).isEqualTo(request);
  }

  @Test
  void withTheBrokerAwayWritesFailAsUnavailableAndRecoverWhenItIsBack() throws Exception {
    broker.createTopic("spans-b", 2);
    KafkaSpanSink sink = sink("spans-b", SpanRecordEncoding.OTLP_PROTO);
    try {
      sink.accept(List.of(resource("cart", span(7, 71)))).await(30, TimeUnit.SECONDS);
      broker.stop();
      long started = System.nanoTime();
      Throwable failure = null;
      try {
        sink.accept(List.of(resource("cart", span(8, 81)))).toCompletionStage()
            .toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        failure = e.getCause();
      }
      assertThat(failure).isInstanceOf(StorageUnavailableException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
      broker.restart();
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (true) {
        try {
          sink.accept(List.of(resource("cart", span(9, 91)))).toCompletionStage()
              .toCompletableFuture().get(60, TimeUnit.SECONDS);
          break;
        } catch (ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(StorageUnavailableException.class);
          assertThat(System.nanoTime()).as("recovered within 90 s").isLessThan(deadline);
        }
      }
      // What was acknowledged is there; the refused write is not.
      assertThat(consume("spans-b", 2)).extracting(ConsumerRecord::key)
          .containsExactlyInAnyOrder(traceKey(7), traceKey(9));
    } finally {
      sink.stop().await(30, TimeUnit.SECONDS);
    }
  }

  private static List<ConsumerRecord<String, byte[]>> consume(String topic, int expected) {
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + topic + "-" + System.nanoTime());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config,
        new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (records.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      // A moment more: nothing beyond what is expected may be there.
      consumer.poll(Duration.ofMillis(500)).forEach(records::add);
    }
    return records;
  }

  static ResourceSpans resource(String service, Span... spans) {
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder()
            .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue(service))))
        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans)))
        .build();
  }

  static Span span(int trace, int id) {
    long now = System.currentTimeMillis() * 1_000_000L;
    return Span.newBuilder().setTraceId(ByteString.copyFrom(
            java.nio.ByteBuffer.allocate(16).putLong(0).putLong(trace).array()))
        .setSpanId(ByteString.copyFrom(java.nio.ByteBuffer.allocate(8).putLong(id).array()))
        .setName("op").setStartTimeUnixNano(now).setEndTimeUnixNano(now + 1000).build();
  }

  static String traceKey(int trace) {
    return String.format("%032x", trace);
  }

  static String traceKey(ByteString traceId) {
    return TraceRecords.key(traceId);
  }
}
