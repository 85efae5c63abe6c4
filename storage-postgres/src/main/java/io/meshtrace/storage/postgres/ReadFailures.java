package io.meshtrace.storage.postgres;

import io.meshtrace.storage.StorageUnavailableException;
import io.vertx.core.Future;

/**
 * The one answer a failed read gets: storage is unavailable. A read sends no client data that
 * PostgreSQL could refuse ({@link StorableText} keeps such text away), so whatever fails there
 * (a lost connection, a timeout, a server error) is the database's, never the caller's: never
 * the writer's "storage refused the spans". The cause stays attached for the log; the message
 * carries none of the server's text, as query APIs may show it.
 */
final class ReadFailures {
  private ReadFailures() {}

  static <T> Future<T> unavailable(Throwable failure) {
    if (failure instanceof StorageUnavailableException) {
      return Future.failedFuture(failure);
    }
    return Future.failedFuture(new StorageUnavailableException("reading from storage failed",
        failure));
  }
}
