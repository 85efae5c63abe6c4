package io.meshtrace.zipkin.codec;

import com.google.protobuf.ByteString;

/**
 * The UTF-8 bytes of attribute keys, one shared instance per key: Envoy puts the same twenty tag
 * keys on every span, so sharing them spares a copy per tag and lets storage's lookups by key use
 * the hash each instance caches. A fixed table of immutable entries; two threads racing for a
 * slot each store a correct entry, and the loser's is overwritten, which costs only a copy.
 */
final class AttributeKeyCache {
  private static final int SLOTS = 1024;
  /** Longer keys are rare and not worth a slot. */
  private static final int MAX_KEY_BYTES = 128;

  /** A key as OTLP carries it, and as zipkin2 sorts tags by it. */
  record Key(ByteString bytes, String text) {}

  private record Entry(int hash, byte[] raw, Key key) {}

  private final Entry[] table = new Entry[SLOTS];

  /** The key the cursor's last string holds. */
  Key key(JsonCursor cursor) {
    int hash = cursor.lastKeyHash();
    int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
    Entry entry = table[slot];
    if (entry != null && entry.hash == hash && cursor.lastStringRawEquals(entry.raw)) {
      return entry.key;
    }
    // A copy, never a view into the request: storage keeps keys (its dictionary caches), and a
    // view would keep the whole request body alive with them.
    ByteString bytes = ByteString.copyFrom(cursor.lastStringBytes().toByteArray());
    Key key = new Key(bytes, bytes.toStringUtf8());
    if (bytes.size() <= MAX_KEY_BYTES) {
      table[slot] = new Entry(hash, cursor.lastStringRaw(), key);
    }
    return key;
  }
}
