package io.meshtrace.storage;

/** A span that storage will not accept for its content (an ID or a time it cannot hold). */
public class InvalidSpanException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidSpanException(String message) {
    super(message);
  }
}
