package io.meshtrace.storage.sampling;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.Map;

/**
 * Adaptive sampling's probabilities, one per service and operation: written by the replica that
 * calculates them, read by every replica that serves them.
 */
public interface AdaptiveProbabilityStore {
  /** Every stored probability. */
  Future<Map<ServiceOperation, Double>> read();

  /** Sets these probabilities (others keep theirs), stamped with when they were calculated. */
  Future<Void> write(Map<ServiceOperation, Double> probabilities, Instant calculatedAt);
}
