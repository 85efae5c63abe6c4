package io.meshtrace.storage.postgres;

import java.nio.charset.StandardCharsets;

/**
 * The 64-bit key of an attribute value in {@code trace_days}: FNV-1a over the key's and the
 * value's UTF-8 bytes, a zero byte between them, then a final avalanche so that values differing
 * in their last characters (request IDs) still spread over the whole btree. Not cryptographic:
 * a search confirms every candidate, so a collision only costs a little work.
 */
final class TagValueHash {
  private static final long OFFSET_BASIS = 0xcbf29ce484222325L;
  private static final long PRIME = 0x100000001b3L;

  private TagValueHash() {}

  static long of(String key, String value) {
    long hash = OFFSET_BASIS;
    hash = mix(hash, key.getBytes(StandardCharsets.UTF_8));
    hash = (hash ^ 0) * PRIME;
    hash = mix(hash, value.getBytes(StandardCharsets.UTF_8));
    // SplitMix64's finalizer.
    hash = (hash ^ (hash >>> 30)) * 0xbf58476d1ce4e5b9L;
    hash = (hash ^ (hash >>> 27)) * 0x94d049bb133111ebL;
    return hash ^ (hash >>> 31);
  }

  private static long mix(long hash, byte[] bytes) {
    for (byte b : bytes) {
      hash = (hash ^ (b & 0xff)) * PRIME;
    }
    return hash;
  }
}
