package io.meshtrace.storage.postgres;

import java.util.Map;

/**
 * The bound of the in-memory dictionary caches. Dictionary entries are never changed or
 * deleted, so a cached entry is never stale; a cache is emptied when it grows past the bound,
 * which only costs a query to refill.
 */
final class BoundedCache {
  static final int MAX_ENTRIES = 200_000;

  private BoundedCache() {}

  static <K, V> void put(Map<K, V> cache, K key, V value) {
    if (cache.size() >= MAX_ENTRIES) {
      cache.clear();
    }
    cache.put(key, value);
  }
}
