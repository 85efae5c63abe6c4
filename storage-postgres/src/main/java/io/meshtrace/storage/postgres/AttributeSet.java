package io.meshtrace.storage.postgres;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.util.Arrays;

/**
 * A span's shared attributes as serialized (a {@code Span} message holding only them): an
 * attribute set's identity. Compared with a vectorized array comparison and hashed once: every
 * row's set is looked up in the dictionary cache, and ByteString compares a few hundred bytes one
 * at a time.
 */
final class AttributeSet {
  private final byte[] bytes;
  private final int hash;

  AttributeSet(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  /** A view of the bytes; they are never changed. */
  ByteString bytes() {
    return UnsafeByteOperations.unsafeWrap(bytes);
  }

  @Override
  public boolean equals(Object other) {
    return this == other || other instanceof AttributeSet that && hash == that.hash
        && Arrays.equals(bytes, that.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
