package io.meshtrace.jaeger.codec;

/**
 * A packet or request that is not a Jaeger batch meshtrace can read: truncated, a length past
 * its end, a field of the wrong type, a required field missing, no spans. The message names the
 * problem and, for Thrift, the offset where it is; receivers answer it as a 400 or
 * INVALID_ARGUMENT and count a UDP packet as {@code malformed}.
 */
public final class InvalidBatchException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidBatchException(String message) {
    super(message, null, false, false);
  }
}
