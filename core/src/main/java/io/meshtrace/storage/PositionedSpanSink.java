package io.meshtrace.storage;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;

/**
 * A sink that stores spans read from a log (Kafka) exactly once: it keeps the reader's positions
 * and moves them in the same transaction as the spans it stores.
 */
public interface PositionedSpanSink extends SpanSink {
  /**
   * Stores the spans and moves the positions in one transaction; fails with {@link
   * PositionConflictException}, storing nothing, when a stored position is not {@code from}
   * (a partition never seen before has no position, and takes the batch's).
   */
  Future<Void> accept(List<ResourceSpans> resourceSpans, SourcePositions positions);

  /** The stored positions of a consumer on a topic, by partition: where to read on from. */
  Future<Map<Integer, Long>> positions(String consumer, String topic);
}
