package io.meshtrace.storage.postgres;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Counts added up in memory between flushes into a table of sums (dependency links, root span
 * throughput). A flush takes them all, sorted, so that replicas adding to the same rows at once
 * lock them in the same order; if the write fails they are put back, to go with the next flush,
 * so that nothing counted is lost.
 *
 * @param <K> the row a count goes to
 */
final class PendingCounts<K extends Comparable<K>> {
  private final int width;
  private final Map<K, long[]> counts = new HashMap<>();

  /** @param width how many counts a row has */
  PendingCounts(int width) {
    this.width = width;
  }

  /** Adds {@code deltas} (one for each count of the row) to the row of {@code key}. */
  synchronized void add(K key, long... deltas) {
    long[] row = counts.computeIfAbsent(key, k -> new long[width]);
    for (int i = 0; i < width; i++) {
      row[i] += deltas[i];
    }
  }

  /**
   * Writes everything counted so far with {@code write}; on failure the counts are kept and
   * {@code failed} is told, and the flush itself succeeds.
   */
  Future<Void> flush(Function<SortedMap<K, long[]>, Future<Void>> write,
      Consumer<Throwable> failed) {
    TreeMap<K, long[]> batch;
    synchronized (this) {
      if (counts.isEmpty()) {
        return Future.succeededFuture();
      }
      batch = new TreeMap<>(counts);
      counts.clear();
    }
    return write.apply(batch).recover(failure -> {
      batch.forEach(this::add);
      failed.accept(failure);
      return Future.succeededFuture();
    });
  }
}
