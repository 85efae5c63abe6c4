package io.meshtrace.collector.cli;

import io.meshtrace.controlplane.istio.IstioRenderException;
import io.meshtrace.controlplane.istio.IstioTelemetryRenderer;
import io.meshtrace.controlplane.sampling.InvalidSamplingStrategiesException;
import io.meshtrace.controlplane.sampling.SamplingStrategiesDocument;
import io.meshtrace.controlplane.sampling.file.SamplingStrategyFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code meshtrace istio}: what meshtrace writes for an Istio mesh. */
@Command(name = "istio", mixinStandardHelpOptions = true,
    description = "Istio resources from meshtrace's configuration.",
    subcommands = IstioCommand.Render.class)
final class IstioCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * {@code meshtrace istio render}: Telemetry resources from a strategies file. Its options sit
   * one level below the server commands, so they are not config-file or environment settings,
   * except {@code --sampling-default-probability}, which reads the server's setting of that name
   * so that both agree on what an entry without a type means.
   */
  @Command(name = "render", mixinStandardHelpOptions = true,
      description = {"Write Istio Telemetry resources (telemetry.istio.io/v1) that set "
          + "randomSamplingPercentage per mesh, namespace and workload from a sampling "
          + "strategies file in Jaeger's format.",
          "A service \"<app>.<namespace>\" (Istio's default span service name) becomes "
              + "Telemetry meshtrace-sampling-<app> in <namespace> selecting that app label; "
              + "the default strategy becomes the mesh-wide Telemetry mesh-default in the root "
              + "namespace. What Telemetry cannot say (operation strategies, rate limits) is "
              + "written as comments and warned about on stderr.",
          "Apply with: meshtrace istio render --strategies FILE | kubectl apply -f -"},
      exitCodeListHeading = "Exit codes:%n",
      exitCodeList = {"0:rendered", "1:the output could not be written",
          "2:invalid strategies file, options, or two strategies for one workload"})
  static final class Render implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--strategies", paramLabel = "FILE", required = true,
        description = "Sampling strategies in Jaeger's format (what --sampling-strategies "
            + "takes).")
    Path strategies;

    @Option(names = "--output", paramLabel = "FILE",
        description = "Write the YAML here. Default: standard output.")
    Path output;

    @Option(names = "--namespace", paramLabel = "NAMESPACE", defaultValue = "default",
        description = "Namespace of services whose name has no dot. Default: ${DEFAULT-VALUE}.")
    String namespace;

    @Option(names = "--root-namespace", paramLabel = "NAMESPACE", defaultValue = "istio-system",
        description = "Istio's root namespace (meshConfig.rootNamespace), where the default "
            + "strategy's mesh-wide Telemetry goes. Default: ${DEFAULT-VALUE}.")
    String rootNamespace;

    @Option(names = "--provider", paramLabel = "NAME",
        defaultValue = IstioTelemetryRenderer.DEFAULT_PROVIDER,
        description = "Tracing extension provider the resources name (meshConfig."
            + "extensionProviders). Default: ${DEFAULT-VALUE}, the Zipkin provider of "
            + "istio/istio-operator.yaml.")
    String provider;

    @Option(names = "--app-label", paramLabel = "KEY", defaultValue = "app",
        description = "Workload label matched against a service name's <app> part. "
            + "Default: ${DEFAULT-VALUE}, the label Istio names spans by.")
    String appLabel;

    @Option(names = "--sampling-default-probability", paramLabel = "P", defaultValue = "0.001",
        description = "Probability of entries without a type and, without a default_strategy, "
            + "of the mesh; as the server's setting of that name. Default: ${DEFAULT-VALUE}.")
    double defaultProbability;

    @Option(names = "--rate-limit-as-percentage", paramLabel = "PERCENT",
        description = "Render a ratelimiting strategy as this randomSamplingPercentage. "
            + "Default: none, a ratelimiting strategy gets no resource (and a warning).")
    BigDecimal rateLimitAsPercentage;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      IstioTelemetryRenderer.Options options;
      try {
        options = new IstioTelemetryRenderer.Options(provider, namespace, rootNamespace,
            appLabel, defaultProbability, rateLimitAsPercentage);
      } catch (IllegalArgumentException e) {
        err.println("invalid option --" + e.getMessage());
        return 2;
      }
      IstioTelemetryRenderer.Rendered rendered;
      try {
        SamplingStrategiesDocument document =
            SamplingStrategyFile.load(strategies, defaultProbability).strategies().document();
        rendered = IstioTelemetryRenderer.render(document, options, strategies.toString());
      } catch (InvalidSamplingStrategiesException e) {
        err.println("invalid strategies file " + strategies + ": " + e.getMessage());
        return 2;
      } catch (IstioRenderException e) {
        err.println("cannot render " + strategies + ": " + e.getMessage());
        return 2;
      }
      rendered.warnings().forEach(warning -> err.println("warning: " + warning));
      if (output == null) {
        out.print(rendered.yaml());
        out.flush();
      } else {
        try {
          Files.writeString(output, rendered.yaml(), StandardCharsets.UTF_8);
        } catch (IOException e) {
          err.println("cannot write " + output + ": " + e.getClass().getSimpleName() + " "
              + e.getMessage());
          return 1;
        }
      }
      err.flush();
      return 0;
    }
  }
}
