package io.meshtrace.examples.generator;

/** Spans that meshtrace did not accept; the message says what came back. */
public final class SendFailure extends Exception {
  private static final long serialVersionUID = 1L;
  private final int retries;

  public SendFailure(String message, int retries) {
    super(message);
    this.retries = retries;
  }

  /** How often the request was retried before giving up. */
  public int retries() {
    return retries;
  }
}
