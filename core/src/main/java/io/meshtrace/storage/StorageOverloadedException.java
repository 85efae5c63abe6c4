package io.meshtrace.storage;

/**
 * The sink is reachable but cannot take more now (a Kafka producer's buffer is full): the client
 * should retry after a pause, as for the pipeline's own in-flight bound (429 /
 * RESOURCE_EXHAUSTED).
 */
public class StorageOverloadedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageOverloadedException(String message, Throwable cause) {
    super(message, cause);
  }
}
