package io.meshtrace.zipkin.codec;

import com.google.protobuf.ByteString;

/**
 * Texts that repeat across spans, one shared instance each, as UTF-8 bytes and as a String:
 * Envoy puts the same twenty tag keys on every span and names spans after a few routes, so
 * sharing them spares a copy and a decoding per span, and lets storage's lookups by key or
 * operation name use the hash each instance caches and compare by identity. A fixed table of
 * immutable entries; two threads racing for a slot each store a correct entry, and the loser's
 * is overwritten, which costs only a copy.
 */
final class TextCache {
  private static final int SLOTS = 1024;
  /** Longer texts rarely repeat and are not worth a slot. */
  private static final int MAX_BYTES = 128;

  /** A text as OTLP carries it, and as Java compares it (zipkin2 sorts tags by it). */
  record Text(ByteString bytes, String text) {}

  private record Entry(int hash, byte[] raw, Text text) {}

  private final Entry[] table = new Entry[SLOTS];

  /** The text the cursor's last string holds. */
  Text text(JsonCursor cursor) {
    int hash = cursor.lastKeyHash();
    int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
    Entry entry = table[slot];
    if (entry != null && entry.hash == hash && cursor.lastStringRawEquals(entry.raw)) {
      return entry.text;
    }
    // A copy, never a view into the request: storage keeps keys and names (its dictionary
    // caches), and a view would keep the whole request body alive with them.
    ByteString bytes = ByteString.copyFrom(cursor.lastStringBytes().toByteArray());
    Text text = new Text(bytes, bytes.toStringUtf8());
    if (bytes.size() <= MAX_BYTES) {
      table[slot] = new Entry(hash, cursor.lastStringRaw(), text);
    }
    return text;
  }
}
