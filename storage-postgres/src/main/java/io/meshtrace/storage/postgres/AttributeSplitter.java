package io.meshtrace.storage.postgres;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides, per service and attribute key, whether a span's attribute is shared (stored once in
 * an attribute set) or the span's own (stored in its payload). A key is shared while the
 * service's spans have shown it with at most {@value #MAX_DISTINCT_VALUES} distinct values; past
 * that it is volatile for good: request IDs, byte counts and addresses end up there within a
 * few dozen spans, node names, zones, clusters and status codes never do.
 *
 * <p>Which split a span gets never affects what is read back, only how compactly it is stored.
 * A span that stores a key as its own while the key is not yet recorded in {@code
 * volatile_attribute_keys} reports it, and the writer records it before inserting the span; tag
 * search relies on every such key being recorded.
 */
final class AttributeSplitter {
  static final int MAX_DISTINCT_VALUES = 32;
  /** Longer values are always the span's own: sharing them would cost memory for little. */
  static final int MAX_SHARED_VALUE_BYTES = 512;

  /**
   * What is known of one key of one service: whether it is recorded as volatile, and the values
   * seen while it is not. One lookup per attribute finds both; reads take no lock.
   */
  private static final class KeyState {
    volatile boolean recordedVolatile;
    final Set<Object> seen = ConcurrentHashMap.newKeySet();
  }

  /** One service's keys, by their UTF-8 bytes: keys arrive as bytes, decoding each would cost. */
  private static final class ServiceKeys {
    final Map<ByteString, KeyState> keys = new ConcurrentHashMap<>();

    KeyState state(ByteString key) {
      KeyState state = keys.get(key);
      return state != null ? state : keys.computeIfAbsent(key, k -> new KeyState());
    }
  }

  private final Map<String, ServiceKeys> services = new ConcurrentHashMap<>();

  /** What to do with one span's attributes. */
  record Split(boolean[] shared, int sharedCount, Set<String> newlyVolatile) {}

  /** A key recorded in {@code volatile_attribute_keys}: at start-up, and after a batch did. */
  void markVolatile(String service, String key) {
    KeyState state = keys(service).state(ByteString.copyFromUtf8(key));
    state.recordedVolatile = true;
    state.seen.clear();
  }

  Split split(String service, List<KeyValue> attributes) {
    int count = attributes.size();
    boolean[] shared = new boolean[count];
    int sharedCount = 0;
    Set<String> newlyVolatile = null;
    if (count == 0) {
      return new Split(shared, 0, Set.of());
    }
    ServiceKeys keys = keys(service);
    for (int i = 0; i < count; i++) {
      KeyValue attribute = attributes.get(i);
      // Receivers give keys as copies of their own (values may be views into a request body,
      // keys never are), so the instance can be kept as the map's key.
      ByteString keyBytes = attribute.getKeyBytes();
      KeyState state = keys.state(keyBytes);
      Object value = state.recordedVolatile ? null : valueKey(attribute.getValue());
      boolean share = value != null && (state.seen.contains(value) || tryTrack(state, value));
      if (share) {
        shared[i] = true;
        sharedCount++;
      } else if (!state.recordedVolatile) {
        // Not yet recorded: every span storing the key as its own reports it, and its batch
        // records it before inserting, until markVolatile() says it is recorded. Marking it
        // here instead would let a concurrent batch write such a span first.
        if (newlyVolatile == null) {
          newlyVolatile = new HashSet<>();
        }
        newlyVolatile.add(keyBytes.toStringUtf8());
      }
    }
    return new Split(shared, sharedCount, newlyVolatile == null ? Set.of() : newlyVolatile);
  }

  /**
   * Whether the value is now tracked: room was left for it, or another thread added it first.
   * That other thread's add is why {@code add}'s false alone must not make a key volatile: two
   * event loops meeting a new value at once would otherwise turn a key of two values volatile.
   */
  private static boolean tryTrack(KeyState state, Object value) {
    if (state.seen.size() >= MAX_DISTINCT_VALUES) {
      return state.seen.contains(value);
    }
    state.seen.add(copy(value));
    return true;
  }

  /**
   * A value the tracking keeps is copied: a span's bytes may be a view into its request's body
   * (receivers decode without copying), which would otherwise stay in memory with it.
   */
  private static Object copy(Object value) {
    if (value instanceof ByteString bytes) {
      return ByteString.copyFrom(bytes.toByteArray());
    }
    try {
      return AnyValue.parseFrom(((AnyValue) value).toByteArray());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("a value that was just serialized does not parse", e);
    }
  }

  private ServiceKeys keys(String service) {
    ServiceKeys keys = services.get(service);
    return keys != null ? keys : services.computeIfAbsent(service, s -> new ServiceKeys());
  }

  /**
   * What identifies a value for counting distinct ones, or null for a value never shared.
   * Strings compare by their UTF-8 bytes, which the Zipkin translation already holds.
   */
  private static Object valueKey(AnyValue value) {
    switch (value.getValueCase()) {
      case STRING_VALUE -> {
        ByteString bytes = value.getStringValueBytes();
        return bytes.size() > MAX_SHARED_VALUE_BYTES ? null : bytes;
      }
      case BYTES_VALUE -> {
        ByteString bytes = value.getBytesValue();
        return bytes.size() > MAX_SHARED_VALUE_BYTES ? null : value;
      }
      case ARRAY_VALUE, KVLIST_VALUE -> {
        return value.getSerializedSize() > MAX_SHARED_VALUE_BYTES ? null : value;
      }
      default -> {
        return value;
      }
    }
  }
}
