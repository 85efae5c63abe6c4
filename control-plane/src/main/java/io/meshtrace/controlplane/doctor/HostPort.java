package io.meshtrace.controlplane.doctor;

/** A {@code host:port} the collector is expected at ({@code meshtrace doctor --expect-collector}). */
public record HostPort(String host, int port) {
  /** Parses {@code host:port}; the message names what is wrong. */
  public static HostPort parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("'" + text + "' is not host:port (for example "
          + "meshtrace.observability.svc.cluster.local:9411)");
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("'" + text + "' has no port between 1 and 65535");
    }
    return new HostPort(text.substring(0, colon), port);
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
