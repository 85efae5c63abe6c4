package io.meshtrace.storage.postgres;

import io.meshtrace.storage.InvalidSpanException;
import io.meshtrace.storage.PositionConflictException;
import io.meshtrace.storage.StorageUnavailableException;
import io.vertx.pgclient.PgException;

/** Sorts database failures into the two answers a client can act on. */
final class PgErrors {
  private PgErrors() {}

  /** SQLSTATE 23514 with this text: no partition for the row's start time. */
  static boolean isMissingPartition(Throwable failure) {
    return failure instanceof PgException pg && "23514".equals(pg.getSqlState())
        && String.valueOf(pg.getErrorMessage()).startsWith("no partition of relation");
  }

  /**
   * Whether the failure says nothing about the statement's data: the database is unreachable,
   * overloaded, shutting down, cancelled the statement (a timeout) or lost a race that a retry
   * wins. Anything else (a constraint, a limit, bad text, a bug in meshtrace's handling of one
   * request) is taken to be caused by some write in the batch, which is then split to find it.
   */
  static boolean isUnavailable(Throwable failure) {
    if (failure instanceof PgException pg) {
      String state = pg.getSqlState();
      if (state == null || state.length() < 2) {
        return true;
      }
      return switch (state.substring(0, 2)) {
        // connection, transaction rollback (deadlock, serialization), resources, operator
        // intervention (cancel, statement_timeout, shutdown), system error, object in use,
        // invalid transaction state, internal error
        case "08", "40", "53", "57", "58", "55", "25", "XX" -> true;
        default -> false;
      };
    }
    if (failure instanceof StorageUnavailableException) {
      return true;
    }
    // Programming errors raised while handling one request's spans; lost connections, pool
    // timeouts and closed pools come as VertxException, IllegalStateException or IOException.
    return !(failure instanceof NullPointerException
        || failure instanceof IllegalArgumentException
        || failure instanceof ClassCastException
        || failure instanceof IndexOutOfBoundsException
        || failure instanceof ArithmeticException
        || failure instanceof UnsupportedOperationException);
  }

  /** SQLSTATE MT001, meshtrace_advance_positions: a batch's starting position has moved. */
  static boolean isPositionConflict(Throwable failure) {
    return failure instanceof PgException pg && "MT001".equals(pg.getSqlState());
  }

  static RuntimeException classify(Throwable failure) {
    if (failure instanceof InvalidSpanException invalid) {
      return invalid;
    }
    if (failure instanceof PositionConflictException conflict) {
      return conflict;
    }
    if (isPositionConflict(failure)) {
      return new PositionConflictException(((PgException) failure).getErrorMessage(), failure);
    }
    if (failure instanceof StorageUnavailableException unavailable) {
      return unavailable;
    }
    if (!isUnavailable(failure)) {
      return new InvalidSpanException("storage refused the spans: " + describe(failure));
    }
    return new StorageUnavailableException("storage unavailable: " + describe(failure), failure);
  }

  static String describe(Throwable failure) {
    String message = failure.getMessage();
    return message == null || message.isBlank() ? failure.getClass().getSimpleName() : message;
  }
}
