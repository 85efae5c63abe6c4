package io.meshtrace.controlplane.doctor;

/**
 * Checks that an Envoy (an Istio sidecar, gateway or a plain Envoy) reports its spans to
 * meshtrace, and reports them well: which tracer, to which collector, in which encoding, with
 * which IDs, sampled how often where. Two steps: {@link ProxyTracingExtractor} reads what the
 * proxy does for tracing out of its configuration ({@link ProxyTracing}), and {@link
 * ProxyTracingChecks} judges that against the expected collector.
 */
public final class ProxyConfigDoctor {
  private ProxyConfigDoctor() {}

  /** A {@code host:port} the collector is expected at. */
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

  /** Examines one proxy's configuration; {@code expected} may be null. */
  public static DoctorReport examine(ProxyConfigInput input, HostPort expected) {
    ProxyTracing tracing = ProxyTracingExtractor.extract(input);
    return new DoctorReport(input.kind(), input.keyStyle(),
        expected == null ? null : expected.toString(), tracing,
        ProxyTracingChecks.check(tracing, expected));
  }
}
