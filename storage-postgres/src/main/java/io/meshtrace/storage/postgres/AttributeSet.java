package io.meshtrace.storage.postgres;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.util.Arrays;

/**
 * A span's shared attributes as serialized (a {@code Span} message holding only them): an
 * attribute set's identity. Compared with a vectorized array comparison and hashed once: every
 * row's set is looked up in the dictionary cache, and ByteString compares a few hundred bytes one
 * at a time. A set is one tenant's: the same attributes of two tenants are two sets.
 */
final class AttributeSet {
  private final byte[] bytes;
  /** The tenant's ID, {@code ""} for the default tenant. */
  private final String tenant;
  private final int hash;

  AttributeSet(byte[] bytes) {
    this(bytes, "");
  }

  AttributeSet(byte[] bytes, String tenant) {
    this.bytes = bytes;
    this.tenant = tenant;
    this.hash = Arrays.hashCode(bytes) * 31 + tenant.hashCode();
  }

  String tenant() {
    return tenant;
  }

  /** A view of the bytes; they are never changed. */
  ByteString bytes() {
    return UnsafeByteOperations.unsafeWrap(bytes);
  }

  @Override
  public boolean equals(Object other) {
    return this == other || other instanceof AttributeSet that && hash == that.hash
        && Arrays.equals(bytes, that.bytes) && tenant.equals(that.tenant);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
