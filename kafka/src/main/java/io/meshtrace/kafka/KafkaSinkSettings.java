package io.meshtrace.kafka;

import java.time.Duration;

/**
 * How a collector writes spans to Kafka.
 *
 * @param brokers the bootstrap servers, {@code host:port[,host:port...]}
 * @param topic where spans go
 * @param encoding how a record holds its spans
 * @param compression the producer's {@code compression.type}: lz4, zstd, gzip, snappy or none
 * @param timeout how long a write may wait for Kafka before it fails as unavailable (503): the
 *     producer's metadata wait, delivery and transaction timeouts
 * @param bufferBytes the producer's buffer; a write that finds it full is refused as overloaded
 * @param producers transactional producers, each with a sender thread: while one commits,
 *     another fills its transaction
 */
public record KafkaSinkSettings(String brokers, String topic, SpanRecordEncoding encoding,
    String compression, Duration timeout, long bufferBytes, int producers) {}
