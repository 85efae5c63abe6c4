package io.meshtrace.collector.config;

import io.meshtrace.collector.ingest.JaegerProtoRecordDecoder;
import io.meshtrace.kafka.KafkaIngesterSettings;
import io.meshtrace.kafka.KafkaSinkSettings;
import io.meshtrace.kafka.SpanRecordDecoder;
import io.meshtrace.kafka.SpanRecordEncoding;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Where a collector's spans go, and how it reaches Kafka when that is where.
 *
 * @param spanSink {@code postgres} (the spans are committed in PostgreSQL) or {@code kafka}
 *     (the spans are in Kafka, for ingesters to store)
 * @param encoding how a record holds spans: {@code otlp_proto} or {@code otlp_json} both ways,
 *     {@code jaeger_proto} (Jaeger's own topic) for ingesters only
 */
public record KafkaConfig(String spanSink, String brokers, String topic,
    String encoding, String compression, Duration timeout, long bufferBytes,
    String group, Duration sessionTimeout, int producers, int consumers) {

  public static final String POSTGRES = "postgres";
  public static final String KAFKA = "kafka";
  private static final Set<String> ENCODINGS = Set.of(SpanRecordEncoding.OTLP_PROTO.label(),
      SpanRecordEncoding.OTLP_JSON.label(), JaegerProtoRecordDecoder.LABEL);
  private static final Set<String> COMPRESSIONS = Set.of("none", "gzip", "snappy", "lz4", "zstd");

  public static final Setting<String> SPAN_SINK = Setting.text("span-sink", "postgres|kafka",
      POSTGRES, "Where the collector's spans go: postgres (committed before the answer) or kafka "
          + "(in Kafka before the answer; ingesters store them). kafka is for the collector "
          + "command.");
  public static final Setting<String> KAFKA_BROKERS = Setting.text("kafka-brokers",
      "HOST:PORT[,...]", null, "Kafka's bootstrap servers, with --span-sink kafka.");
  public static final Setting<String> KAFKA_TOPIC = Setting.text("kafka-topic", "TOPIC",
      "meshtrace-spans", "The topic spans are written to.");
  public static final Setting<String> KAFKA_ENCODING = Setting.text("kafka-encoding",
      "otlp_proto|otlp_json|jaeger_proto", SpanRecordEncoding.OTLP_PROTO.label(), "How a record "
          + "holds its spans, as the OpenTelemetry Collector's kafka exporter names it: an OTLP "
          + "export request in protobuf or JSON, or (read by ingesters only) one Jaeger span in "
          + "protobuf, as Jaeger's collector writes to its Kafka topic.");
  public static final Setting<String> KAFKA_COMPRESSION = Setting.text("kafka-compression",
      "lz4|zstd|gzip|snappy|none", "lz4", "The producer's compression.");
  public static final Setting<Duration> KAFKA_TIMEOUT = Setting.duration("kafka-timeout", "10s",
      "How long a write may wait for Kafka before the client is answered 503 / UNAVAILABLE.");
  public static final Setting<Long> KAFKA_BUFFER_BYTES = Setting.byteSize("kafka-buffer-bytes",
      "64MiB", "The producer's buffer; a write that finds it full is answered 429.");

  public static final Setting<Integer> KAFKA_PRODUCERS = Setting.integer("kafka-producers", "N", 2,
      "Transactional producers of a collector, each with a thread: while one waits for its "
          + "commit, the next fills its transaction.");

  public static final Setting<Integer> KAFKA_CONSUMERS = Setting.integer("kafka-consumers", "N",
      2, "Members of the consumer group an ingester runs, each a thread that decodes and "
          + "stores the partitions it holds: an ingester uses up to this many cores.");

  public static final Setting<String> KAFKA_GROUP = Setting.text("kafka-group", "GROUP",
      "meshtrace-ingesters", "The ingesters' consumer group: its members share the topic's "
          + "partitions, and it owns the positions stored with the spans.");

  public static final Setting<Duration> KAFKA_SESSION_TIMEOUT = Setting.duration(
      "kafka-session-timeout", "10s", "How long an ingester may be silent before its group gives "
          + "its partitions to the others (Kafka's session.timeout.ms): what a crashed "
          + "ingester's partitions wait. At least 6s, the broker's least by default.");

  public static final List<Setting<?>> SETTINGS = List.of(SPAN_SINK, KAFKA_BROKERS, KAFKA_TOPIC,
      KAFKA_ENCODING, KAFKA_COMPRESSION, KAFKA_TIMEOUT, KAFKA_BUFFER_BYTES, KAFKA_GROUP,
      KAFKA_SESSION_TIMEOUT, KAFKA_PRODUCERS, KAFKA_CONSUMERS);

  public KafkaConfig {
    spanSink = spanSink == null ? POSTGRES : spanSink.toLowerCase(Locale.ROOT);
    if (!spanSink.equals(POSTGRES) && !spanSink.equals(KAFKA)) {
      throw new InvalidConfigException(SPAN_SINK.name(), "is '" + spanSink
          + "'; use postgres or kafka");
    }
    if (spanSink.equals(KAFKA) && (brokers == null || brokers.isBlank())) {
      throw new InvalidConfigException(KAFKA_BROKERS.name(),
          "is needed with --span-sink kafka, for example kafka:9092");
    }
    if (topic == null || topic.isBlank()) {
      throw new InvalidConfigException(KAFKA_TOPIC.name(), "must name a topic");
    }
    if (!ENCODINGS.contains(encoding)) {
      throw new InvalidConfigException(KAFKA_ENCODING.name(), "is '" + encoding
          + "'; use otlp_proto, otlp_json or (for ingesters) jaeger_proto");
    }
    if (spanSink.equals(KAFKA) && encoding.equals(JaegerProtoRecordDecoder.LABEL)) {
      throw new InvalidConfigException(KAFKA_ENCODING.name(), "jaeger_proto is read by "
          + "ingesters only; collectors write otlp_proto or otlp_json");
    }
    if (!COMPRESSIONS.contains(compression)) {
      throw new InvalidConfigException(KAFKA_COMPRESSION.name(), "is '" + compression
          + "'; use one of lz4, zstd, gzip, snappy, none");
    }
    if (timeout.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new InvalidConfigException(KAFKA_TIMEOUT.name(), "must be at least 1s");
    }
    Validate.atLeast(KAFKA_BUFFER_BYTES, bufferBytes, 1 << 20);
    if (group == null || group.isBlank()) {
      throw new InvalidConfigException(KAFKA_GROUP.name(), "must name a consumer group");
    }
    if (consumers < 1 || consumers > 64) {
      throw new InvalidConfigException(KAFKA_CONSUMERS.name(), "must be from 1 to 64");
    }
    if (producers < 1 || producers > 16) {
      throw new InvalidConfigException(KAFKA_PRODUCERS.name(), "must be from 1 to 16");
    }
    if (sessionTimeout.compareTo(Duration.ofSeconds(6)) < 0
        || sessionTimeout.compareTo(Duration.ofMinutes(30)) > 0) {
      throw new InvalidConfigException(KAFKA_SESSION_TIMEOUT.name(),
          "must be from 6s to 30m (the broker's group.min/max.session.timeout.ms by default)");
    }
  }

  /** What the {@code ingester} command reads. */
  public KafkaIngesterSettings ingesterSettings() {
    SpanRecordDecoder decoder = encoding.equals(JaegerProtoRecordDecoder.LABEL)
        ? new JaegerProtoRecordDecoder() : SpanRecordEncoding.of(encoding);
    return new KafkaIngesterSettings(brokers, topic, group, decoder, 1000,
        Duration.ofMillis(500), sessionTimeout, consumers);
  }

  public boolean toKafka() {
    return spanSink.equals(KAFKA);
  }

  public KafkaSinkSettings sinkSettings() {
    return new KafkaSinkSettings(brokers, topic, SpanRecordEncoding.of(encoding), compression,
        timeout, bufferBytes, producers);
  }

  public static KafkaConfig from(SettingValues values) {
    Objects.requireNonNull(values);
    return new KafkaConfig(values.get(SPAN_SINK), values.get(KAFKA_BROKERS),
        values.get(KAFKA_TOPIC), values.get(KAFKA_ENCODING), values.get(KAFKA_COMPRESSION),
        values.get(KAFKA_TIMEOUT), values.get(KAFKA_BUFFER_BYTES), values.get(KAFKA_GROUP),
        values.get(KAFKA_SESSION_TIMEOUT), values.get(KAFKA_PRODUCERS),
        values.get(KAFKA_CONSUMERS));
  }
}
