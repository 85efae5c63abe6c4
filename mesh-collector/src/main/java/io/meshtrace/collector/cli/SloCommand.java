package io.meshtrace.collector.cli;

import io.meshtrace.controlplane.slo.InvalidObjectivesException;
import io.meshtrace.controlplane.slo.Objective;
import io.meshtrace.controlplane.slo.ObjectivesFile;
import io.meshtrace.controlplane.slo.alerts.PrometheusRuleRenderer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code meshtrace slo}: what meshtrace writes for service level objectives. */
@Command(name = "slo", mixinStandardHelpOptions = true,
    description = "Service level objectives: Prometheus alert rules from an objectives file.",
    subcommands = SloCommand.Render.class)
final class SloCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * {@code meshtrace slo render}: a PrometheusRule from an objectives file. Its {@code --slo}
   * reads the server's setting of that name when not given (MESHTRACE_SLO, the config file), so
   * that the rules are rendered from the file the server serves.
   */
  @Command(name = "render", mixinStandardHelpOptions = true,
      description = {"Write a Prometheus Operator PrometheusRule (monitoring.coreos.com/v1) "
          + "with, for each objective of an --slo file, recording rules of its error ratio "
          + "(slo:sli_error:ratio_rate5m ... _rate3d, and over its window) on the series "
          + "meshtrace exports on /metrics (traces_span_metrics_*), and the SRE workbook's "
          + "multi-window, multi-burn-rate alerts ErrorBudgetBurn: page (severity critical) at "
          + "14.4x over 1h and 5m and at 6x over 6h and 30m, ticket (severity warning) at 3x "
          + "over 1d and 2h and at 1x over 3d and 6h, for a 30d window; the factors scaled "
          + "for other windows so that the same share of the budget is spent.",
          "Apply with: meshtrace slo render --slo FILE | kubectl apply -f -",
          "Or from what a running server serves (its file's and its admin API's objectives): "
              + "meshtrace slo render --from http://meshtrace-query:16686"},
      exitCodeListHeading = "Exit codes:%n",
      exitCodeList = {"0:rendered", "1:the output could not be written",
          "2:invalid objectives file or options",
          "3:the server of --from could not be read"})
  static final class Render implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--slo", paramLabel = "FILE",
        description = "Service level objectives (what the server's --slo takes). Default: the "
            + "server's setting, MESHTRACE_SLO or slo: in MESHTRACE_CONFIG's file.")
    Path slo;

    @Option(names = "--from", paramLabel = "URL",
        description = "Instead of --slo: the objectives a running server serves, the file's "
            + "and the admin API's (GET /api/slo on its query port, e.g. "
            + "http://meshtrace-query:16686).")
    URI from;

    @Option(names = "--token-file", paramLabel = "FILE",
        description = "With --from: a file holding a bearer token of role read, for a server "
            + "with --auth-file.")
    Path tokenFile;

    @Option(names = "--tenant", paramLabel = "TENANT",
        description = "With --from: whose objectives (X-Scope-OrgID), for a server with "
            + "--tenancy.")
    String tenant;

    @Option(names = "--output", paramLabel = "FILE",
        description = "Write the YAML here. Default: standard output.")
    Path output;

    @Option(names = "--namespace", paramLabel = "NAMESPACE",
        defaultValue = PrometheusRuleRenderer.DEFAULT_NAMESPACE,
        description = "Namespace of the PrometheusRule: one the Prometheus Operator's "
            + "ruleNamespaceSelector covers. Default: ${DEFAULT-VALUE}.")
    String namespace;

    @Option(names = "--name", paramLabel = "NAME",
        defaultValue = PrometheusRuleRenderer.DEFAULT_NAME,
        description = "Name of the PrometheusRule. Default: ${DEFAULT-VALUE}.")
    String name;

    @Option(names = "--label", paramLabel = "KEY=VALUE",
        description = "A label of the PrometheusRule, for the Prometheus Operator's "
            + "ruleSelector (release=prometheus for kube-prometheus-stack); repeatable.")
    Map<String, String> labels = new TreeMap<>();

    @Option(names = "--sampled",
        description = "Read the stored-span series (traces_span_metrics_sampled_*) instead of "
            + "the estimated traffic.")
    boolean sampled;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      PrometheusRuleRenderer.Options options;
      try {
        options = new PrometheusRuleRenderer.Options(name, namespace, labels, sampled);
      } catch (IllegalArgumentException e) {
        err.println("invalid option --" + e.getMessage());
        return 2;
      }
      // --slo may also be the server's setting (MESHTRACE_SLO): only one given here conflicts.
      if (from != null && spec.commandLine().getParseResult().hasMatchedOption("--slo")) {
        err.println("give --slo FILE or --from URL, not both");
        return 2;
      }
      if ((tokenFile != null || tenant != null) && from == null) {
        err.println("--token-file and --tenant go with --from URL");
        return 2;
      }
      List<Objective> objectives;
      String source;
      if (from != null) {
        ServedObjectivesReader.Result read = new ServedObjectivesReader(from, tokenFile, tenant)
            .read();
        if (read.problem() != null) {
          err.println(read.problem());
          return read.exitCode();
        }
        objectives = read.objectives();
        source = read.url();
      } else {
        if (slo == null) {
          err.println("missing --slo FILE (or --from URL): the objectives to render");
          return 2;
        }
        try {
          objectives = ObjectivesFile.load(slo);
        } catch (InvalidObjectivesException e) {
          err.println("invalid objectives file " + slo + ":");
          e.problems().forEach(problem -> err.println("  " + problem));
          return 2;
        }
        source = slo.toString();
      }
      String yaml = PrometheusRuleRenderer.render(objectives, options, source);
      if (output == null) {
        out.print(yaml);
        out.flush();
      } else {
        try {
          Files.writeString(output, yaml, StandardCharsets.UTF_8);
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
