package io.meshtrace.zipkin.codec;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;

/**
 * The attributes of one request, each distinct key and value built once: the spans of a request
 * repeat most of their tags (Envoy's node, zone, cluster, method, status), so most attributes
 * are the same message as an earlier span's, found by the value's bytes where they stand in the
 * request. Beyond the building this spares, storage then meets the same instances again, whose
 * hashes and serialized sizes protobuf keeps. Lives for one request only, so its values may be
 * views into the request's body.
 */
final class RepeatedAttributes {
  private static final int SLOTS = 512;

  private final TextCache.Text[] keys = new TextCache.Text[SLOTS];
  private final byte[][] sources = new byte[SLOTS][];
  private final int[] offsets = new int[SLOTS];
  private final int[] lengths = new int[SLOTS];
  private final KeyValue[] attributes = new KeyValue[SLOTS];

  /** The attribute of {@code key} with the string the cursor read last as its value. */
  KeyValue attribute(TextCache.Text key, JsonCursor value) {
    int hash = key.text().hashCode() * 31 + value.lastKeyHash();
    int slot = (hash ^ (hash >>> 15)) & (SLOTS - 1);
    if (keys[slot] == key && value.lastStringRawEquals(sources[slot], offsets[slot],
        lengths[slot])) {
      return attributes[slot];
    }
    KeyValue attribute = KeyValue.newBuilder().setKeyBytes(key.bytes())
        .setValue(AnyValue.newBuilder().setStringValueBytes(value.lastStringBytes())).build();
    keys[slot] = key;
    sources[slot] = value.lastSource();
    offsets[slot] = value.lastOffset();
    lengths[slot] = value.lastLength();
    attributes[slot] = attribute;
    return attribute;
  }
}
