package io.meshtrace.kafka;

import java.time.Duration;

/**
 * How an ingester reads spans from Kafka.
 *
 * @param group the consumer group: ingesters of one group share the topic's partitions, and the
 *     group owns the positions stored with the spans
 * @param decoder how the topic's records hold spans
 * @param maxPollRecords records read and stored as one batch at most
 * @param retryBackoff how long to wait after storage failed before the same records are tried
 *     again (doubling up to ten times this)
 * @param sessionTimeout how long a member may be silent before the group gives its partitions
 *     to the others: the time a {@code kill -9}ed ingester's partitions wait
 * @param consumers members of the group this process runs, each a consumer with a thread of
 *     its own: decoding and mapping a batch takes a core, so an ingester scales with them
 */
public record KafkaIngesterSettings(String brokers, String topic, String group,
    SpanRecordDecoder decoder, int maxPollRecords, Duration retryBackoff,
    Duration sessionTimeout, int consumers) {}
