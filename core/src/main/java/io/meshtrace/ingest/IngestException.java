package io.meshtrace.ingest;

import java.time.Duration;

/** Why spans were not taken, with the HTTP status a receiver answers. */
public final class IngestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public enum Reason {
    /** The request is malformed or its spans are invalid: 400, retrying will not help. */
    INVALID(400),
    /** The body is larger than allowed, compressed or not: 413. */
    TOO_LARGE(413),
    /** A content type or encoding that this endpoint does not read: 415. */
    UNSUPPORTED_MEDIA_TYPE(415),
    /** More spans in flight than the bound: 429, retry after a pause. */
    OVERLOADED(429),
    /** Storage cannot be reached: 503, retry after a pause. */
    UNAVAILABLE(503),
    /** A bug: 500. */
    INTERNAL(500);

    private final int httpStatus;

    Reason(int httpStatus) {
      this.httpStatus = httpStatus;
    }

    public int httpStatus() {
      return httpStatus;
    }
  }

  private final Reason reason;
  private final Duration retryAfter;

  public IngestException(Reason reason, String message) {
    this(reason, message, null, null);
  }

  public IngestException(Reason reason, String message, Duration retryAfter, Throwable cause) {
    super(message, cause, false, false);
    this.reason = reason;
    this.retryAfter = retryAfter;
  }

  /** A failure as a receiver answers it: a refusal as it is, anything else as a bug (500). */
  public static IngestException of(Throwable failure) {
    return failure instanceof IngestException refused ? refused
        : new IngestException(Reason.INTERNAL, "internal error: " + failure.getMessage(), null,
            failure);
  }

  public Reason reason() {
    return reason;
  }

  /** How long the client should wait before retrying, or null when retrying will not help. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
