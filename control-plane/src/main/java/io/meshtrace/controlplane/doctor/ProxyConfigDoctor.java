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

  /** Examines one proxy's configuration; {@code expected} may be null. */
  public static DoctorReport examine(ProxyConfigInput input, HostPort expected) {
    ProxyTracing tracing = ProxyTracingExtractor.extract(input);
    return new DoctorReport(input.kind(), input.keyStyle(),
        expected == null ? null : expected.toString(), tracing,
        ProxyTracingChecks.check(tracing, expected));
  }
}
