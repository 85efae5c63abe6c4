package io.meshtrace.collector.cli;

import io.meshtrace.controlplane.doctor.DoctorReport;
import io.meshtrace.controlplane.doctor.DoctorReportWriter;
import io.meshtrace.controlplane.doctor.ProxyConfigDoctor;
import io.meshtrace.controlplane.doctor.HostPort;
import io.meshtrace.controlplane.doctor.ProxyConfigInput;
import io.meshtrace.controlplane.doctor.UnreadableProxyConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code meshtrace doctor}: checks one proxy's tracing configuration. The long option names
 * ({@code --doctor-...}) are what the config file and environment know them by, so they cannot
 * be mistaken for a server's settings.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
    description = {"Check an Envoy's or Istio sidecar's tracing configuration: the tracer, the "
        + "collector cluster, address, path and encoding, 128-bit trace IDs, shared span "
        + "context, sampling per listener and route, custom tags. Each finding has a severity "
        + "and a fix.",
        "Reads (from FILE, or standard input without FILE or with -): istioctl proxy-config "
        + "bootstrap <pod> -o json, istioctl proxy-config listeners <pod> -o json, Envoy's "
        + "admin /config_dump, or an Envoy bootstrap in JSON or YAML; camelCase or snake_case.",
        "Example: istioctl proxy-config bootstrap productpage-v1-abc -o json | meshtrace doctor "
            + "--expect-collector meshtrace.observability.svc.cluster.local:9411"},
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:no errors (there may be warnings)",
        "1:errors: spans do not reach the collector as configured",
        "2:the input could not be read or recognised, or an option is invalid"})
final class DoctorCommand implements Callable<Integer> {
  /** Replaced by tests; the process's standard input otherwise. */
  static InputStream stdin = System.in;

  @Spec
  CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "FILE",
      description = "The configuration to check; - or nothing for standard input.")
  String file;

  @Option(names = {"--expect-collector", "--doctor-expect-collector"}, paramLabel = "HOST:PORT",
      description = "Where spans should go, e.g. meshtrace.observability.svc.cluster.local:9411 "
          + "(for an OpenTelemetry tracer the same host on 4317 also counts).")
  String expectCollector;

  @Option(names = {"--json", "--doctor-json"},
      description = "Write the report as JSON (input, tracers, listeners, routes, findings, "
          + "summary) for scripts.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    HostPort expected = null;
    if (expectCollector != null) {
      try {
        expected = HostPort.parse(expectCollector);
      } catch (IllegalArgumentException e) {
        err.println("invalid option --expect-collector: " + e.getMessage());
        return 2;
      }
    }
    String source = file == null || file.equals("-") ? "standard input" : file;
    String text;
    try {
      text = source.equals("standard input")
          ? new String(stdin.readAllBytes(), StandardCharsets.UTF_8)
          : Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      err.println("cannot read " + source + ": " + e.getClass().getSimpleName() + " "
          + e.getMessage());
      return 2;
    }
    ProxyConfigInput input;
    try {
      input = ProxyConfigInput.read(text);
    } catch (UnreadableProxyConfigException e) {
      err.println("cannot check " + source + ": " + e.getMessage());
      return 2;
    }
    DoctorReport report = ProxyConfigDoctor.examine(input, expected);
    out.print(json ? DoctorReportWriter.json(report).encodePrettily() + "\n"
        : DoctorReportWriter.text(report));
    out.flush();
    return report.hasErrors() ? 1 : 0;
  }
}
