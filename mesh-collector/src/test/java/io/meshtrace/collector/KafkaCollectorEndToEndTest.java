package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.post;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.collector.cli.MeshtraceCommand;
import io.meshtrace.collector.config.InvalidConfigException;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.kafka.KafkaBroker;
import io.meshtrace.kafka.SpanRecordEncoding;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A collector with {@code --span-sink kafka} and no PostgreSQL at all: its 202 waits for Kafka,
 * the spans are in the topic as the OpenTelemetry Collector would write them, and with the
 * broker stopped it answers 503 and recovers by itself.
 */
class KafkaCollectorEndToEndTest {
  static KafkaBroker broker;
  static MeshtraceServer server;

  @BeforeAll
  static void start() throws Exception {
    broker = KafkaBroker.start();
    broker.createTopic("meshtrace-spans", 4);
    server = MeshtraceServer.start(MeshtraceCommand.parseConfig(new String[] {"collector",
        "--bind", "127.0.0.1", "--zipkin-port", "0", "--otlp-grpc-port", "0",
        "--otlp-http-port", "0", "--jaeger-compact-port", "0", "--jaeger-binary-port", "0",
        "--jaeger-http-port", "0", "--sampling-grpc-port", "0", "--admin-port", "0",
        "--span-sink", "kafka", "--kafka-brokers", broker.bootstrapServers(),
        "--kafka-timeout", "4s"}, Map.of()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void zipkinSpansAreInTheTopicWhenTheCollectorAnswers() throws Exception {
    assertThat(server.storage()).as("no PostgreSQL in this process").isNull();
    assertThat(get(url(server, "admin", "/readyz")).statusCode()).isEqualTo(200);
    long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    String spans = """
        [{"traceId": "00000000000000000000000000000a01", "id": "0000000000000001",
          "name": "get /cart", "kind": "SERVER", "timestamp": %d, "duration": 900,
          "localEndpoint": {"serviceName": "cart"}, "tags": {"http.method": "GET"}},
         {"traceId": "00000000000000000000000000000a02", "id": "0000000000000002",
          "name": "get /pay", "kind": "CLIENT", "timestamp": %d, "duration": 400,
          "localEndpoint": {"serviceName": "cart"}}]
        """.formatted(now, now);
    HttpResponse<String> sent = post(url(server, "zipkin", "/api/v2/spans"), "application/json",
        spans.getBytes(StandardCharsets.UTF_8));
    assertThat(sent.statusCode()).as(sent.body()).isEqualTo(202);

    List<ConsumerRecord<String, byte[]>> records = consume(2);
    assertThat(records).extracting(ConsumerRecord::key).containsExactlyInAnyOrder(
        "00000000000000000000000000000a01", "00000000000000000000000000000a02");
    for (ConsumerRecord<String, byte[]> record : records) {
      ExportTraceServiceRequest request = SpanRecordEncoding.OTLP_PROTO.decode(record.value());
      ResourceSpans resource = request.getResourceSpans(0);
      assertThat(resource.getResource().getAttributesList()).anySatisfy(attribute ->
          assertThat(attribute.getKey() + "=" + attribute.getValue().getStringValue())
              .isEqualTo("service.name=cart"));
      Span span = resource.getScopeSpans(0).getSpans(0);
      assertThat(span.getName()).isIn("get /cart", "get /pay");
      assertThat(span.getStartTimeUnixNano()).isEqualTo(now * 1000);
    }
  }

  @Test
  void anIngesterStoresWhatTheCollectorAcknowledged() throws Exception {
    MeshtraceServer ingester = io.meshtrace.collector.server.TestServers.startOn(
        io.meshtrace.storage.postgres.TestPostgres.freshDatabaseUrl(), "ingester",
        "--kafka-brokers", broker.bootstrapServers(), "--kafka-group", "e2e-ingesters");
    try {
      assertThat(ingester.ports()).containsOnlyKeys("admin");
      long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
      String spans = """
          [{"traceId": "00000000000000000000000000000d01", "id": "0000000000000001",
            "name": "get /basket", "kind": "SERVER", "timestamp": %d, "duration": 700,
            "localEndpoint": {"serviceName": "basket"}, "tags": {"http.method": "GET"}}]
          """.formatted(now);
      assertThat(post(url(server, "zipkin", "/api/v2/spans"), "application/json",
          spans.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(202);
      io.meshtrace.model.TraceId trace = io.meshtrace.model.TraceId.fromHex("d01");
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      List<ResourceSpans> stored;
      while ((stored = ingester.storage().spanStore().getTrace(trace).await()).isEmpty()) {
        assertThat(System.nanoTime()).as("stored within 60 s").isLessThan(deadline);
        Thread.sleep(100);
      }
      Span span = stored.get(0).getScopeSpans(0).getSpans(0);
      assertThat(span.getName()).isEqualTo("get /basket");
      assertThat(span.getStartTimeUnixNano()).isEqualTo(now * 1000);
      HttpResponse<String> ready = get(url(ingester, "admin", "/readyz"));
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body()).contains("\"kafkaPartitions\":\"holding [0, 1, 2, 3]\"");
      String metrics = get(url(ingester, "admin", "/metrics")).body();
      assertThat(metrics).contains("meshtrace_kafka_records_total{outcome=\"skipped\"} 0.0",
          "meshtrace_kafka_spans_total{outcome=\"stored\"}", "meshtrace_kafka_rebalances_total");
      assertThat(metrics).doesNotContain("meshtrace_kafka_records_total{outcome=\"stored\"} 0.0");
      String collector = get(url(server, "admin", "/metrics")).body();
      assertThat(collector).contains("meshtrace_kafka_produce_records_total{outcome=\"failed\"}",
          "meshtrace_kafka_produce_seconds_count{outcome=\"ok\"}");
      // The lag of every partition held, once the gauge has caught up with the assignment.
      while (!get(url(ingester, "admin", "/metrics")).body()
          .contains("meshtrace_kafka_consumer_lag{partition=\"")) {
        assertThat(System.nanoTime()).as("lag exported").isLessThan(deadline);
        Thread.sleep(250);
      }
    } finally {
      ingester.stop();
    }
  }

  @Test
  void spansThatCouldNotBeStoredAreRefusedBeforeKafka() throws Exception {
    String tooOld = """
        [{"traceId": "00000000000000000000000000000b01", "id": "0000000000000001",
          "name": "old", "timestamp": 1000000, "duration": 1,
          "localEndpoint": {"serviceName": "cart"}}]""";
    HttpResponse<String> refused = post(url(server, "zipkin", "/api/v2/spans"),
        "application/json", tooOld.getBytes(StandardCharsets.UTF_8));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("older than the retention");
  }

  @Test
  void kafkaIsForTheCollectorOnly() {
    assertThatThrownBy(() -> MeshtraceCommand.parseConfig(new String[] {"all-in-one",
        "--span-sink", "kafka", "--kafka-brokers", "kafka:9092"}, Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("kafka is for the collector command");
    assertThatThrownBy(() -> MeshtraceCommand.parseConfig(new String[] {"collector",
        "--span-sink", "kafka"}, Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("kafka-brokers");
  }

  @Test
  void withTheBrokerStoppedTheCollectorAnswers503AndRecoversByItself() throws Exception {
    long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    String span = """
        [{"traceId": "00000000000000000000000000000c0%d", "id": "0000000000000001",
          "name": "op", "timestamp": %d, "duration": 1, "localEndpoint": {"serviceName": "x"}}]""";
    broker.stop();
    try {
      long started = System.nanoTime();
      HttpResponse<String> away = post(url(server, "zipkin", "/api/v2/spans"),
          "application/json", span.formatted(1, now).getBytes(StandardCharsets.UTF_8));
      assertThat(away.statusCode()).as(away.body()).isEqualTo(503);
      assertThat(away.headers().firstValue("Retry-After")).isPresent();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
    } finally {
      broker.restart();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    int status;
    do {
      status = post(url(server, "zipkin", "/api/v2/spans"), "application/json",
          span.formatted(2, now).getBytes(StandardCharsets.UTF_8)).statusCode();
      assertThat(System.nanoTime()).as("recovered within 90 s").isLessThan(deadline);
    } while (status != 202);
    assertThat(get(url(server, "admin", "/readyz")).statusCode()).isEqualTo(200);
  }

  private static List<ConsumerRecord<String, byte[]>> consume(int expected) {
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + System.nanoTime());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config,
        new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of("meshtrace-spans"));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (records.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(record -> {
          if (record.key().startsWith("00000000000000000000000000000a")) {
            records.add(record);
          }
        });
      }
    }
    return records;
  }
}
