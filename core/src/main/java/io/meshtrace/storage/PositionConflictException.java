package io.meshtrace.storage;

/**
 * A batch's {@link SourcePositions#from()} is not where the stored positions are: another reader
 * of the partition got there first (a rebalance, a consumer that went on after losing it).
 * Nothing of the batch is stored; the reader must read its positions again and go on from there.
 */
public class PositionConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PositionConflictException(String message, Throwable cause) {
    super(message, cause);
  }
}
