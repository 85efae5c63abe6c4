package io.meshtrace.collector.auth;

/** What an endpoint asks of a caller ({@link EndpointAccess} decides which one applies). */
public enum Access {
  /** Nothing: probes, the UI's static files and pages (they hold no data). */
  OPEN,
  /** Role read. */
  READ,
  /**
   * Role write, but only with {@code --auth-ingest true}: span intake and remote sampling, whose
   * clients (Envoy's Zipkin tracer) often cannot send credentials.
   */
  INGEST,
  /** Role admin. */
  ADMIN;

  /** The role a caller needs; null for {@link #OPEN}. */
  public Role role() {
    return switch (this) {
      case OPEN -> null;
      case READ -> Role.READ;
      case INGEST -> Role.WRITE;
      case ADMIN -> Role.ADMIN;
    };
  }
}
