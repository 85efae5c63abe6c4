package io.meshtrace.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.jaegertracing.api_v2.Model;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.kafka.KafkaBroker;
import io.meshtrace.model.TraceId;
import io.meshtrace.storage.postgres.TestPostgres;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
 * Topics meshtrace did not write: records laid out as the OpenTelemetry Collector's {@code kafka}
 * exporter writes them ({@code otlp_proto}: a {@code TracesData} per record, no key or the
 * trace ID as key; {@code otlp_json}: pdata's JSON) and as Jaeger's collector writes to
 * {@code jaeger-spans} ({@code jaeger_proto}: one {@code jaeger.api_v2.Span} with its process,
 * keyed by trace ID), produced here by a plain {@code kafka-clients} producer and stored by
 * {@code meshtrace ingester}.
 */
class KafkaForeignProducersTest {
  static KafkaBroker broker;
  static String database;

  @BeforeAll
  static void start() throws Exception {
    broker = KafkaBroker.start();
    broker.createTopic("otlp_spans", 2);
    broker.createTopic("otel-json", 1);
    broker.createTopic("jaeger-spans", 2);
    database = TestPostgres.freshDatabaseUrl();
  }

  @AfterAll
  static void stop() throws Exception {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void openTelemetryCollectorOtlpProtoRecords() throws Exception {
    long start = ChronoUnit.NANOS.between(Instant.EPOCH, Instant.now().minusSeconds(5));
    ResourceSpans sent = ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder()
            .addAttributes(kv("service.name", "inventory"))
            .addAttributes(kv("k8s.pod.name", "inventory-5f7d")))
        .setSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
        .addScopeSpans(ScopeSpans.newBuilder()
            .setScope(InstrumentationScope.newBuilder().setName("io.opentelemetry.grpc-1.6")
                .setVersion("2.8.0"))
            .addSpans(Span.newBuilder()
                .setTraceId(ByteString.fromHex("4bf92f3577b34da6a3ce929d0e0e4736"))
                .setSpanId(ByteString.fromHex("00f067aa0ba902b7"))
                .setParentSpanId(ByteString.fromHex("00f067aa0ba902b6"))
                .setTraceState("congo=t61rcWkgMzE")
                .setName("inventory.Stock/Reserve")
                .setKind(Span.SpanKind.SPAN_KIND_SERVER)
                .setStartTimeUnixNano(start).setEndTimeUnixNano(start + 2_000_000)
                .addAttributes(kv("rpc.system", "grpc"))
                .addAttributes(KeyValue.newBuilder().setKey("rpc.grpc.status_code")
                    .setValue(AnyValue.newBuilder().setIntValue(0)))
                .addEvents(Span.Event.newBuilder().setTimeUnixNano(start + 1000)
                    .setName("message").addAttributes(kv("message.type", "RECEIVED")))
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK))))
        .build();
    // The Collector's exporter marshals ptrace.Traces: TracesData, no key by default.
    produce("otlp_spans", null, TracesData.newBuilder().addResourceSpans(sent).build()
        .toByteArray());
    MeshtraceServer ingester = TestServers.startOn(database, "ingester",
        "--kafka-brokers", broker.bootstrapServers(), "--kafka-topic", "otlp_spans",
        "--kafka-group", "from-otel");
    try {
      assertThat(awaitTrace(ingester, "4bf92f3577b34da6a3ce929d0e0e4736"))
          .containsExactly(sent);
    } finally {
      ingester.stop();
    }
  }

  @Test
  void openTelemetryCollectorOtlpJsonRecords() throws Exception {
    long start = ChronoUnit.NANOS.between(Instant.EPOCH, Instant.now().minusSeconds(5));
    String json = """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":
        {"stringValue":"billing"}}]},"scopeSpans":[{"scope":{},"spans":[{"traceId":
        "5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","parentSpanId":"",
        "name":"charge","kind":3,"startTimeUnixNano":"START","endTimeUnixNano":"END",
        "attributes":[{"key":"amount","value":{"doubleValue":12.5}}],"status":{"code":2,
        "message":"card declined"}}]}]}]}
        """.replace("START", Long.toString(start)).replace("END", Long.toString(start + 900));
    produce("otel-json", "5b8efff798038103d269b633813fc60c",
        json.getBytes(StandardCharsets.UTF_8));
    MeshtraceServer ingester = TestServers.startOn(database, "ingester",
        "--kafka-brokers", broker.bootstrapServers(), "--kafka-topic", "otel-json",
        "--kafka-encoding", "otlp_json", "--kafka-group", "from-otel-json");
    try {
      List<ResourceSpans> stored = awaitTrace(ingester, "5b8efff798038103d269b633813fc60c");
      Span span = stored.get(0).getScopeSpans(0).getSpans(0);
      assertThat(stored.get(0).getResource().getAttributesList())
          .containsExactly(kv("service.name", "billing"));
      assertThat(span.getName()).isEqualTo("charge");
      assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
      assertThat(span.getStartTimeUnixNano()).isEqualTo(start);
      assertThat(span.getEndTimeUnixNano()).isEqualTo(start + 900);
      assertThat(span.getParentSpanId()).isEmpty();
      assertThat(span.getAttributesList()).containsExactly(KeyValue.newBuilder().setKey("amount")
          .setValue(AnyValue.newBuilder().setDoubleValue(12.5)).build());
      assertThat(span.getStatus()).isEqualTo(Status.newBuilder()
          .setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("card declined").build());
    } finally {
      ingester.stop();
    }
  }

  @Test
  void jaegerCollectorRecordsAreDrainedIntoMeshtrace() throws Exception {
    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now().minusSeconds(5));
    TraceId trace = new TraceId(0x1234L, 0x5678L);
    Model.Span root = Model.Span.newBuilder()
        .setTraceId(trace.toBytes())
        .setSpanId(ByteString.fromHex("0000000000000a01"))
        .setOperationName("HTTP GET /dispatch")
        .setFlags(1)
        .setStartTime(timestamp(micros))
        .setDuration(com.google.protobuf.Duration.newBuilder().setNanos(7_000_000))
        .addTags(Model.KeyValue.newBuilder().setKey("span.kind").setVStr("server"))
        .addTags(Model.KeyValue.newBuilder().setKey("http.status_code")
            .setVType(Model.ValueType.INT64).setVInt64(500))
        .addTags(Model.KeyValue.newBuilder().setKey("error").setVType(Model.ValueType.BOOL)
            .setVBool(true))
        .addLogs(Model.Log.newBuilder().setTimestamp(timestamp(micros + 100))
            .addFields(Model.KeyValue.newBuilder().setKey("event").setVStr("retry"))
            .addFields(Model.KeyValue.newBuilder().setKey("attempt")
                .setVType(Model.ValueType.INT64).setVInt64(2)))
        .setProcess(Model.Process.newBuilder().setServiceName("frontend")
            .addTags(Model.KeyValue.newBuilder().setKey("hostname").setVStr("frontend-1")))
        .build();
    Model.Span child = Model.Span.newBuilder()
        .setTraceId(trace.toBytes())
        .setSpanId(ByteString.fromHex("0000000000000a02"))
        .setOperationName("SQL SELECT")
        .setStartTime(timestamp(micros + 1000))
        .setDuration(com.google.protobuf.Duration.newBuilder().setNanos(2_000_000))
        .addReferences(Model.SpanRef.newBuilder().setTraceId(trace.toBytes())
            .setSpanId(root.getSpanId()).setRefType(Model.SpanRefType.CHILD_OF))
        .addTags(Model.KeyValue.newBuilder().setKey("span.kind").setVStr("client"))
        .setProcess(Model.Process.newBuilder().setServiceName("mysql"))
        .build();
    // Jaeger's Kafka span writer: the trace ID's string as key, a span with its process.
    produce("jaeger-spans", "12340000000000005678", root.toByteArray());
    produce("jaeger-spans", "12340000000000005678", child.toByteArray());
    produce("jaeger-spans", "garbage", new byte[] {(byte) 0xff, 0x00, 0x01});
    MeshtraceServer ingester = TestServers.startOn(database, "ingester",
        "--kafka-brokers", broker.bootstrapServers(), "--kafka-topic", "jaeger-spans",
        "--kafka-encoding", "jaeger_proto", "--kafka-group", "from-jaeger");
    try {
      List<ResourceSpans> stored = awaitSpans(ingester, trace, 2);
      ResourceSpans frontend = stored.stream().filter(r -> r.getResource().getAttributesList()
          .contains(kv("service.name", "frontend"))).findFirst().orElseThrow();
      assertThat(frontend.getResource().getAttributesList()).contains(kv("hostname",
          "frontend-1"));
      Span server = frontend.getScopeSpans(0).getSpans(0);
      assertThat(server.getName()).isEqualTo("HTTP GET /dispatch");
      assertThat(server.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
      assertThat(server.getStartTimeUnixNano()).isEqualTo(micros * 1000);
      assertThat(server.getEndTimeUnixNano()).isEqualTo(micros * 1000 + 7_000_000);
      assertThat(server.getFlags() & 0xff).isEqualTo(1);
      assertThat(server.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
      assertThat(server.getAttributesList()).contains(KeyValue.newBuilder()
          .setKey("http.status_code").setValue(AnyValue.newBuilder().setIntValue(500)).build());
      assertThat(server.getEventsList()).containsExactly(Span.Event.newBuilder()
          .setTimeUnixNano((micros + 100) * 1000).setName("retry")
          .addAttributes(KeyValue.newBuilder().setKey("attempt")
              .setValue(AnyValue.newBuilder().setIntValue(2))).build());
      ResourceSpans mysql = stored.stream().filter(r -> r.getResource().getAttributesList()
          .contains(kv("service.name", "mysql"))).findFirst().orElseThrow();
      Span client = mysql.getScopeSpans(0).getSpans(0);
      assertThat(client.getParentSpanId()).isEqualTo(root.getSpanId());
      assertThat(client.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
      assertThat(client.getLinksList()).isEmpty();
      // The record that is no Jaeger span is counted and skipped; the partition goes on.
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!TestServers.get(TestServers.url(ingester, "admin", "/metrics")).body()
          .contains("meshtrace_kafka_records_total{outcome=\"skipped\"} 1.0")) {
        assertThat(System.nanoTime()).as("the bad record counted").isLessThan(deadline);
        Thread.sleep(200);
      }
    } finally {
      ingester.stop();
    }
  }

  private static void produce(String topic, String key, byte[] value) throws Exception {
    Properties config = new Properties();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config,
        new StringSerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
    }
  }

  private static List<ResourceSpans> awaitTrace(MeshtraceServer ingester, String traceId)
      throws Exception {
    return awaitSpans(ingester, TraceId.fromHex(traceId), 1);
  }

  private static List<ResourceSpans> awaitSpans(MeshtraceServer ingester, TraceId trace,
      int spans) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      List<ResourceSpans> stored = ingester.storage().spanStore().getTrace(trace).await();
      int count = stored.stream().flatMap(r -> r.getScopeSpansList().stream())
          .mapToInt(ScopeSpans::getSpansCount).sum();
      if (count >= spans) {
        assertThat(count).isEqualTo(spans);
        return stored;
      }
      assertThat(System.nanoTime()).as("%s stored within 60 s", trace).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static Timestamp timestamp(long micros) {
    return Timestamp.newBuilder().setSeconds(micros / 1_000_000)
        .setNanos((int) (micros % 1_000_000) * 1000).build();
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder().setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }
}
