package io.meshtrace.ingest;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a request's body into one byte array, as it arrives, up to a bound. With a
 * {@code Content-Length} (what every span exporter sends) the array has the body's size from the
 * first chunk, so the body is copied once, where an aggregating buffer would grow by doubling and
 * be copied out again: for 100 kB requests at hundreds a second, that was a third of the intake's
 * garbage. A declared length over the bound is refused before a byte is read, and so is one the
 * process's {@link MemoryBudget} cannot hold.
 */
public final class BodyReader {
  /** Without a length, the array starts at this and doubles. */
  private static final int INITIAL_BYTES = 16 * 1024;

  private BodyReader() {}

  /** As {@link #read(HttpServerRequest, long, MemoryBudget.Reservation)}, with no budget. */
  public static Future<byte[]> read(HttpServerRequest request, long maxBytes) {
    return read(request, maxBytes, MemoryBudget.unbounded().open());
  }

  /**
   * Reads the body, reserving its memory in {@code reservation} before it is allocated: the
   * declared length before the first byte (with what decoding it will add, for a body that is
   * not compressed), else the buffer as it grows. The caller releases the reservation once the
   * request is finished, whatever happened.
   *
   * @return the body, exactly as long as it is; fails with an {@link IngestException}:
   *     TOO_LARGE past {@code maxBytes}, OVERLOADED when the budget cannot hold the body (the
   *     rest of it is then read and discarded, so that the client gets its answer), INVALID
   *     when the connection breaks off
   */
  public static Future<byte[]> read(HttpServerRequest request, long maxBytes,
      MemoryBudget.Reservation reservation) {
    Promise<byte[]> done = Promise.promise();
    long declared = declaredLength(request);
    if (declared > maxBytes) {
      return Future.failedFuture(tooLarge(maxBytes));
    }
    if (request.isEnded()) {
      return Future.succeededFuture(new byte[0]); // no body, and no end to wait for
    }
    Accumulator body;
    try {
      if (declared > 0 && !compressed(request)) {
        // What decoding will add is known too: reserved with the body, so that a request the
        // budget cannot decode is refused before it is read rather than after.
        reservation.grow(declared * (MemoryBudget.DECODED_BYTES_PER_BODY_BYTE - 1),
            MemoryBudget.Stage.DECLARED_LENGTH);
      }
      body = new Accumulator(declared >= 0 ? (int) declared
          : (int) Math.min(INITIAL_BYTES, maxBytes), maxBytes, reservation,
          declared >= 0 ? MemoryBudget.Stage.DECLARED_LENGTH : MemoryBudget.Stage.READING);
    } catch (IngestException overBudget) {
      discard(request);
      return Future.failedFuture(overBudget);
    }
    request.handler(chunk -> {
      try {
        if (!body.add(chunk)) {
          done.tryFail(tooLarge(maxBytes));
        }
      } catch (IngestException overBudget) {
        done.tryFail(overBudget);
      }
    });
    request.endHandler(v -> done.tryComplete(body.bytes()));
    // Vert.x reports a connection closed mid-body (and an HTTP/2 stream reset) here, so a read
    // always finishes and its reservation can be released.
    request.exceptionHandler(failure -> done.tryFail(brokenOff(failure.getMessage())));
    request.resume();
    return done.future().onFailure(failure -> body.drop());
  }

  private static boolean compressed(HttpServerRequest request) {
    return RequestBodies.isCompressed(request.getHeader(HttpHeaders.CONTENT_ENCODING));
  }

  /** Reads what comes and keeps none of it: the client is answered while it still sends. */
  private static void discard(HttpServerRequest request) {
    request.handler(chunk -> {});
    request.exceptionHandler(failure -> {});
    request.resume();
  }

  private static IngestException brokenOff(String why) {
    return new IngestException(IngestException.Reason.INVALID,
        "the request body broke off: " + why);
  }

  private static long declaredLength(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length == null) {
      return -1;
    }
    try {
      return Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return -1; // the HTTP codec has refused a malformed one already; let the bytes decide
    }
  }

  private static IngestException tooLarge(long maxBytes) {
    return new IngestException(IngestException.Reason.TOO_LARGE,
        "request body is larger than " + maxBytes + " bytes");
  }

  private static final class Accumulator {
    private final long max;
    private final MemoryBudget.Reservation reservation;
    private byte[] bytes;
    private int length;
    private boolean over;

    /** @throws IngestException OVERLOADED when the budget cannot hold the first array */
    Accumulator(int capacity, long max, MemoryBudget.Reservation reservation,
        MemoryBudget.Stage stage) {
      reservation.grow(capacity, stage);
      this.bytes = new byte[capacity];
      this.max = max;
      this.reservation = reservation;
    }

    /**
     * False, and from then on ignoring input, once the body is over the bound.
     *
     * @throws IngestException OVERLOADED when the budget cannot hold a larger array; input is
     *     ignored from then on too
     */
    boolean add(Buffer chunk) {
      if (over) {
        return false;
      }
      int n = chunk.length();
      if (length + (long) n > max) {
        drop();
        return false;
      }
      if (length + n > bytes.length) {
        int capacity = (int) Math.min(max, Math.max(length + (long) n, bytes.length * 2L));
        try {
          reservation.grow(capacity - bytes.length, MemoryBudget.Stage.READING);
        } catch (IngestException overBudget) {
          drop();
          throw overBudget;
        }
        bytes = java.util.Arrays.copyOf(bytes, capacity);
      }
      chunk.getBytes(0, n, bytes, length);
      length += n;
      return true;
    }

    /** Lets go of the array; the caller's reservation still counts it until it is released. */
    void drop() {
      over = true;
      bytes = null;
    }

    byte[] bytes() {
      return over ? null : length == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, length);
    }
  }
}
