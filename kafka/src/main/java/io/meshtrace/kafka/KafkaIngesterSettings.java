package io.meshtrace.kafka;

import java.time.Duration;

/**
 * How an ingester reads spans from Kafka.
 *
 * @param group the consumer group: ingesters of one group share the topic's partitions, and the
 *     group owns the positions stored with the spans
 * @param maxPollRecords records read and stored as one batch at most
 * @param retryBackoff how long to wait after storage failed before the same records are tried
 *     again (doubling up to ten times this)
 */
public record KafkaIngesterSettings(String brokers, String topic, String group,
    SpanRecordEncoding encoding, int maxPollRecords, Duration retryBackoff) {}
