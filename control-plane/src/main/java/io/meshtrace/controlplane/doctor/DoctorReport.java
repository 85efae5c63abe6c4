package io.meshtrace.controlplane.doctor;

import io.meshtrace.controlplane.doctor.Finding.Severity;
import io.meshtrace.controlplane.doctor.ProxyConfigInput.KeyStyle;
import io.meshtrace.controlplane.doctor.ProxyConfigInput.Kind;
import io.meshtrace.controlplane.doctor.ProxyTracing.ListenerTracing;
import io.meshtrace.controlplane.doctor.ProxyTracing.RouteTracing;
import io.meshtrace.controlplane.doctor.ProxyTracing.Tracer;
import java.util.List;

/**
 * What doctor found in one proxy's configuration: the tracing it has, and the findings.
 *
 * @param expectedCollector the {@code --expect-collector} it was checked against, or null
 * @param tracing what the proxy does for tracing, which the findings are about
 */
public record DoctorReport(Kind inputKind, KeyStyle keyStyle, String expectedCollector,
    ProxyTracing tracing, List<Finding> findings) {

  public List<Tracer> tracers() {
    return tracing.tracers();
  }

  public List<ListenerTracing> listeners() {
    return tracing.listeners();
  }

  public List<RouteTracing> routes() {
    return tracing.routes();
  }

  public long count(Severity severity) {
    return findings.stream().filter(f -> f.severity() == severity).count();
  }

  public boolean hasErrors() {
    return count(Severity.ERROR) > 0;
  }
}
