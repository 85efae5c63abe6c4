package io.meshtrace.zipkin.codec;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;

/**
 * The attributes of one request, each distinct key and value built once: the spans of a request
 * repeat most of their tags (Envoy's node, zone, cluster, method, status), so most attributes
 * are the same message as an earlier span's. Beyond the building this spares, storage then meets
 * the same instances again, whose hashes and serialized sizes protobuf keeps. Lives for one
 * request only, so its values may be views into the request's body.
 */
final class RepeatedAttributes {
  private static final int SLOTS = 512;

  private final AttributeKeyCache.Key[] keys = new AttributeKeyCache.Key[SLOTS];
  private final ByteString[] values = new ByteString[SLOTS];
  private final KeyValue[] attributes = new KeyValue[SLOTS];

  /**
   * @param valueHash any hash of the value's bytes that equal values share
   */
  KeyValue attribute(AttributeKeyCache.Key key, ByteString value, int valueHash) {
    int hash = key.text().hashCode() * 31 + valueHash;
    int slot = (hash ^ (hash >>> 15)) & (SLOTS - 1);
    if (keys[slot] == key && values[slot].equals(value)) {
      return attributes[slot];
    }
    KeyValue attribute = KeyValue.newBuilder().setKeyBytes(key.bytes())
        .setValue(AnyValue.newBuilder().setStringValueBytes(value)).build();
    keys[slot] = key;
    values[slot] = value;
    attributes[slot] = attribute;
    return attribute;
  }
}
