package io.meshtrace.storage;

import java.util.Map;

/**
 * Where a batch of spans was read from, for a sink that stores them exactly once: for each
 * partition of a topic, the position the batch starts at and the one after it. The sink moves
 * the consumer's stored positions from {@code from} to {@code to} in the same transaction as the
 * spans, so that the spans and the fact that they were read are committed together or not at
 * all.
 *
 * @param consumer the consumer group, which owns the positions
 * @param from by partition, the first offset of the batch: the stored position must be this
 * @param to by partition, the offset after the batch's last record
 */
public record SourcePositions(String consumer, String topic, Map<Integer, Long> from,
    Map<Integer, Long> to) {
  public SourcePositions {
    from = Map.copyOf(from);
    to = Map.copyOf(to);
    if (!from.keySet().equals(to.keySet())) {
      throw new IllegalArgumentException("from and to must name the same partitions");
    }
  }
}
