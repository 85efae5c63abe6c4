package io.meshtrace.collector.config;

import io.meshtrace.kafka.KafkaIngesterSettings;
import io.meshtrace.kafka.KafkaSinkSettings;
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
 */
public record KafkaConfig(String spanSink, String brokers, String topic,
    SpanRecordEncoding encoding, String compression, Duration timeout, long bufferBytes,
    String group) {

  public static final String POSTGRES = "postgres";
  public static final String KAFKA = "kafka";
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
      "otlp_proto|otlp_json", SpanRecordEncoding.OTLP_PROTO.label(), "How a record holds its "
          + "spans, as the OpenTelemetry Collector's kafka exporter names it.");
  public static final Setting<String> KAFKA_COMPRESSION = Setting.text("kafka-compression",
      "lz4|zstd|gzip|snappy|none", "lz4", "The producer's compression.");
  public static final Setting<Duration> KAFKA_TIMEOUT = Setting.duration("kafka-timeout", "10s",
      "How long a write may wait for Kafka before the client is answered 503 / UNAVAILABLE.");
  public static final Setting<Long> KAFKA_BUFFER_BYTES = Setting.byteSize("kafka-buffer-bytes",
      "64MiB", "The producer's buffer; a write that finds it full is answered 429.");

  public static final Setting<String> KAFKA_GROUP = Setting.text("kafka-group", "GROUP",
      "meshtrace-ingesters", "The ingesters' consumer group: its members share the topic's "
          + "partitions, and it owns the positions stored with the spans.");

  public static final List<Setting<?>> SETTINGS = List.of(SPAN_SINK, KAFKA_BROKERS, KAFKA_TOPIC,
      KAFKA_ENCODING, KAFKA_COMPRESSION, KAFKA_TIMEOUT, KAFKA_BUFFER_BYTES, KAFKA_GROUP);

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
  }

  /** What the {@code ingester} command reads. */
  public KafkaIngesterSettings ingesterSettings() {
    return new KafkaIngesterSettings(brokers, topic, group, encoding, 1000,
        Duration.ofMillis(500));
  }

  public boolean toKafka() {
    return spanSink.equals(KAFKA);
  }

  public KafkaSinkSettings sinkSettings() {
    return new KafkaSinkSettings(brokers, topic, encoding, compression, timeout, bufferBytes);
  }

  public static KafkaConfig from(SettingValues values) {
    Objects.requireNonNull(values);
    SpanRecordEncoding encoding;
    try {
      encoding = SpanRecordEncoding.of(values.get(KAFKA_ENCODING));
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(KAFKA_ENCODING.name(), e.getMessage());
    }
    return new KafkaConfig(values.get(SPAN_SINK), values.get(KAFKA_BROKERS),
        values.get(KAFKA_TOPIC), encoding, values.get(KAFKA_COMPRESSION),
        values.get(KAFKA_TIMEOUT), values.get(KAFKA_BUFFER_BYTES), values.get(KAFKA_GROUP));
  }
}
