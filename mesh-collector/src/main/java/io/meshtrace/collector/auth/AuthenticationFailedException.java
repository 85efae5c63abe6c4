package io.meshtrace.collector.auth;

/** An authentication that failed, as the future of an {@link Authenticator} carries it. */
final class AuthenticationFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient Refusal refusal;

  AuthenticationFailedException(Refusal refusal) {
    super(refusal.message(), null, false, false);
    this.refusal = refusal;
  }

  Refusal refusal() {
    return refusal;
  }
}
