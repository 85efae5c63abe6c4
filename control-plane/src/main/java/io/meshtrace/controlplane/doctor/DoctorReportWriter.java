package io.meshtrace.controlplane.doctor;

import io.meshtrace.controlplane.doctor.Finding.Severity;
import io.meshtrace.controlplane.doctor.ProxyTracing.ListenerTracing;
import io.meshtrace.controlplane.doctor.ProxyTracing.RouteTracing;
import io.meshtrace.controlplane.doctor.ProxyTracing.Tracer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** A {@link DoctorReport} as text for people and as JSON for scripts. */
public final class DoctorReportWriter {
  private DoctorReportWriter() {}

  /** The report for a terminal: what was read, the tracing found, then the findings. */
  public static String text(DoctorReport report) {
    StringBuilder out = new StringBuilder();
    out.append("Read: ").append(report.inputKind().description).append(", ")
        .append(report.keyStyle().label).append(" keys\n");
    if (report.expectedCollector() != null) {
      out.append("Expected collector: ").append(report.expectedCollector()).append('\n');
    }
    out.append("\nTracers\n");
    if (report.tracers().isEmpty()) {
      out.append("  none\n");
    }
    for (Tracer tracer : report.tracers()) {
      out.append("  ").append(tracer.source()).append(": ").append(tracer.name())
          .append(" (").append(tracer.kind()).append(")\n");
      if (tracer.collectorCluster() != null) {
        out.append("    collector cluster: ").append(tracer.collectorCluster())
            .append(tracer.collectorAddresses().isEmpty() ? (tracer.collectorClusterFound()
                ? " (no endpoints shown)" : " (not in this input)")
                : " → " + String.join(", ", tracer.collectorAddresses())).append('\n');
      }
      if (tracer.collectorEndpoint() != null) {
        out.append("    path: ").append(tracer.collectorEndpoint()).append('\n');
      }
      if (tracer.kind().equals("zipkin")) {
        out.append("    encoding: ").append(orUnset(tracer.encoding())).append('\n');
        out.append("    128-bit trace IDs: ").append(yesNo(tracer.traceId128bit(), "no"))
            .append('\n');
        out.append("    shared span context: ").append(yesNo(tracer.sharedSpanContext(), "yes"))
            .append('\n');
      } else if (tracer.encoding() != null) {
        out.append("    protocol: ").append(tracer.encoding()).append('\n');
      }
      if (tracer.serviceName() != null) {
        out.append("    service name: ").append(tracer.serviceName()).append('\n');
      }
    }
    out.append("\nListeners (HTTP connection managers)\n");
    if (report.listeners().isEmpty()) {
      out.append("  none in this input\n");
    }
    for (ListenerTracing listener : report.listeners()) {
      out.append("  ").append(listener.listener());
      if (listener.connectionManagers() > 1) {
        out.append(" ×").append(listener.connectionManagers());
      }
      if (!listener.tracing()) {
        out.append(": tracing off\n");
        continue;
      }
      out.append(": tracer ").append(listener.tracer())
          .append(", random ").append(percent(listener.randomSampling()))
          .append(", client ").append(percent(listener.clientSampling()))
          .append(", overall ").append(percent(listener.overallSampling()));
      if (Boolean.TRUE.equals(listener.spawnUpstreamSpan())) {
        out.append(", spawns upstream spans");
      }
      if (!listener.customTags().isEmpty()) {
        out.append(", ").append(listener.customTags().size()).append(" custom tags");
      }
      out.append('\n');
    }
    if (!report.routes().isEmpty()) {
      out.append("\nRoutes with a decorator or their own sampling\n");
      for (RouteTracing route : report.routes()) {
        out.append("  ").append(route.routeConfig()).append(" / ").append(route.virtualHost())
            .append(" / ").append(route.match() == null ? "?" : route.match());
        if (route.operation() != null) {
          out.append(": operation '").append(route.operation()).append("'");
        }
        if (route.randomSampling() != null) {
          out.append(", random ").append(percent(route.randomSampling()));
        }
        out.append('\n');
      }
    }
    out.append("\nFindings\n");
    if (report.findings().isEmpty()) {
      out.append("  none\n");
    }
    for (Finding finding : report.findings()) {
      out.append("  ").append(finding.severity().name()).append(" [").append(finding.code())
          .append("] ").append(finding.message()).append('\n');
      if (!finding.fix().isEmpty()) {
        out.append("    fix: ").append(finding.fix()).append('\n');
      }
      if (!finding.path().isEmpty()) {
        out.append("    at: ").append(finding.path()).append('\n');
      }
    }
    out.append('\n').append(summary(report)).append('\n');
    return out.toString();
  }

  /** One line: how many of each severity. */
  public static String summary(DoctorReport report) {
    long errors = report.count(Severity.ERROR);
    long warnings = report.count(Severity.WARNING);
    long infos = report.count(Severity.INFO);
    return errors + " error" + (errors == 1 ? "" : "s") + ", " + warnings + " warning"
        + (warnings == 1 ? "" : "s") + ", " + infos + " note" + (infos == 1 ? "" : "s")
        + (errors > 0 ? ": spans from this proxy do not reach the collector as configured."
            : ".");
  }

  /**
   * The report as JSON: {@code input {kind, keyStyle}}, {@code expectedCollector},
   * {@code tracers[]}, {@code listeners[]}, {@code routes[]}, {@code findings[]} ({@code
   * severity, code, message, fix, path}) and {@code summary {errors, warnings, infos}}.
   * Percentages are numbers; an unset one is null (Envoy: 100).
   */
  public static JsonObject json(DoctorReport report) {
    JsonArray tracers = new JsonArray();
    for (Tracer t : report.tracers()) {
      tracers.add(new JsonObject().put("source", t.source()).put("path", t.path())
          .put("name", t.name()).put("kind", t.kind()).put("collectorCluster", t.collectorCluster())
          .put("collectorClusterFound", t.collectorClusterFound())
          .put("collectorAddresses", new JsonArray(List.copyOf(t.collectorAddresses())))
          .put("collectorEndpoint", t.collectorEndpoint()).put("encoding", t.encoding())
          .put("traceId128bit", t.traceId128bit()).put("sharedSpanContext", t.sharedSpanContext())
          .put("serviceName", t.serviceName()));
    }
    JsonArray listeners = new JsonArray();
    for (ListenerTracing l : report.listeners()) {
      listeners.add(new JsonObject().put("listener", l.listener()).put("path", l.path())
          .put("connectionManagers", l.connectionManagers()).put("tracing", l.tracing())
          .put("tracer", l.tracer()).put("randomSampling", l.randomSampling())
          .put("clientSampling", l.clientSampling()).put("overallSampling", l.overallSampling())
          .put("customTags", new JsonArray(List.copyOf(l.customTags())))
          .put("spawnUpstreamSpan", l.spawnUpstreamSpan()));
    }
    JsonArray routes = new JsonArray();
    for (RouteTracing r : report.routes()) {
      routes.add(new JsonObject().put("routeConfig", r.routeConfig())
          .put("virtualHost", r.virtualHost()).put("match", r.match())
          .put("operation", r.operation()).put("randomSampling", r.randomSampling())
          .put("clientSampling", r.clientSampling()).put("overallSampling", r.overallSampling())
          .put("path", r.path()));
    }
    JsonArray findings = new JsonArray();
    for (Finding f : report.findings()) {
      findings.add(new JsonObject().put("severity", f.severity().label()).put("code", f.code())
          .put("message", f.message()).put("fix", f.fix()).put("path", f.path()));
    }
    return new JsonObject()
        .put("input", new JsonObject().put("kind", report.inputKind().name().toLowerCase())
            .put("description", report.inputKind().description)
            .put("keyStyle", report.keyStyle().label))
        .put("expectedCollector", report.expectedCollector())
        .put("tracers", tracers).put("listeners", listeners).put("routes", routes)
        .put("findings", findings)
        .put("summary", new JsonObject().put("errors", report.count(Severity.ERROR))
            .put("warnings", report.count(Severity.WARNING))
            .put("infos", report.count(Severity.INFO)));
  }

  private static String percent(Double value) {
    return value == null ? "unset (100%)" : ProxyTracing.formatPercentage(value) + "%";
  }

  private static String orUnset(String value) {
    return value == null ? "unset" : value;
  }

  private static String yesNo(Boolean value, String whenUnset) {
    return value == null ? "unset (" + whenUnset + ")" : value ? "yes" : "no";
  }
}
