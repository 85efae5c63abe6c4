package io.meshtrace.storage.sampling;

import io.vertx.core.Future;

/**
 * Which one replica of many does a job (adaptive sampling's calculation, linking closed hours'
 * dependency links). Held until released, or until the holder dies or loses storage: leadership
 * goes with the holder's connection, so another replica can take it at its next attempt.
 */
public interface Leadership {
  /** Takes the lead if no replica holds it; succeeds with whether this replica now holds it. */
  Future<Boolean> tryAcquire();

  /** Whether this replica holds the lead now. */
  boolean held();

  /** Gives the lead up; succeeds also when it was not held or already lost. */
  Future<Void> release();
}
