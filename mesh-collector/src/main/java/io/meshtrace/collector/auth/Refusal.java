package io.meshtrace.collector.auth;

/**
 * Why a request was refused, and what its client is told. The message never holds what the
 * client presented.
 *
 * @param reason the label of {@code meshtrace_auth_failures_total}
 * @param message for the client
 */
public record Refusal(Reason reason, String message) {

  /** The {@code reason} label, each answered its own way. */
  public enum Reason {
    /** 401 / UNAUTHENTICATED: nothing presented, or a scheme not accepted. */
    MISSING_CREDENTIALS,
    /** 401 / UNAUTHENTICATED: an unknown token, wrong password, a JWT that does not verify. */
    INVALID_CREDENTIALS,
    /** 403 / PERMISSION_DENIED: authenticated, without the role the endpoint needs. */
    MISSING_ROLE,
    /** 429 / RESOURCE_EXHAUSTED: too many failures from this client, credentials not checked. */
    RATE_LIMITED;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  static Refusal missing(String message) {
    return new Refusal(Reason.MISSING_CREDENTIALS, message);
  }

  static Refusal invalid(String message) {
    return new Refusal(Reason.INVALID_CREDENTIALS, message);
  }
}
