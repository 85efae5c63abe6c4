package io.meshtrace.storage;

/** The database could not be reached or refused the work for reasons other than the input. */
public class StorageUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
