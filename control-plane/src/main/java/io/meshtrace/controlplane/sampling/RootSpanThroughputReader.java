package io.meshtrace.controlplane.sampling;

import io.meshtrace.storage.RootSpanThroughput;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/**
 * Root spans counted over [from, to), summed over replicas: {@code
 * PostgresStorage::rootSpanThroughput}. What the traffic served rate limits and adaptive
 * sampling both learn from.
 */
@FunctionalInterface
public interface RootSpanThroughputReader {
  Future<List<RootSpanThroughput>> read(Instant from, Instant to);
}
