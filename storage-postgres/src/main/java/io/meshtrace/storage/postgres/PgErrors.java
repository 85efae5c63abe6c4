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
   * Whether the failure is about the data of the statement (SQLSTATE class 22, "data
   * exception"), as opposed to the database being unreachable, overloaded or shutting down.
   */
  static boolean isDataError(Throwable failure) {
    return failure instanceof PgException pg && pg.getSqlState() != null
        && pg.getSqlState().startsWith("22");
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
    if (isDataError(failure)) {
      return new InvalidSpanException("storage refused the spans: " + failure.getMessage());
    }
    return new StorageUnavailableException("storage unavailable: " + describe(failure), failure);
  }

  static String describe(Throwable failure) {
    String message = failure.getMessage();
    return message == null || message.isBlank() ? failure.getClass().getSimpleName() : message;
  }
}
