package io.meshtrace.controlplane.slo.alerts;

import io.meshtrace.controlplane.slo.Indicator;
import io.meshtrace.controlplane.slo.Objective;
import io.meshtrace.controlplane.slo.ObjectiveJson;
import io.meshtrace.controlplane.slo.PrometheusDuration;
import io.meshtrace.controlplane.slo.SpanKinds;
import io.meshtrace.metrics.SpanMetricsExport;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Turns objectives into one Prometheus Operator {@code PrometheusRule}
 * ({@code monitoring.coreos.com/v1}) with, for each objective:
 *
 * <ul>
 *   <li>recording rules {@code slo:sli_error:ratio_rate<w>} of its error ratio over every window
 *       the alerts look at (5m, 30m, 1h, 2h, 6h, 1d, 3d), named as Sloth names them;
 *   <li>in a group evaluated every 5 minutes (reading a whole window each time is costly):
 *       the error ratio over the objective's window, {@code slo:objective:ratio}, {@code
 *       slo:error_budget:ratio} and {@code slo:error_budget_remaining:ratio};
 *   <li>the SRE workbook's four multi-window, multi-burn-rate alerts ({@link BurnRateAlert}),
 *       alert {@value #ALERT}, {@code severity} {@code critical} (page) or {@code warning}
 *       (ticket).
 * </ul>
 *
 * <p>Every rule carries the labels {@code slo} and the objective's series labels, so that the
 * alerts and dashboards tell objectives apart. Written by hand rather than with a YAML library
 * so that comments explain where they stand and the same input gives the same bytes.
 */
public final class PrometheusRuleRenderer {
  public static final String API_VERSION = "monitoring.coreos.com/v1";
  public static final String KIND = "PrometheusRule";
  public static final String ALERT = "ErrorBudgetBurn";
  public static final String DEFAULT_NAME = "meshtrace-slos";
  /** Where istio/kubernetes runs meshtrace. */
  public static final String DEFAULT_NAMESPACE = "observability";
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  public static final String SLO_LABEL = "slo";
  /** How often the rules over a whole window are evaluated. */
  static final String WINDOW_GROUP_INTERVAL = "5m";

  private static final Pattern DNS_SUBDOMAIN = Pattern.compile(
      "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern LABEL_KEY = Pattern.compile(
      "([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
          + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final Pattern LABEL_VALUE =
      Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");

  private PrometheusRuleRenderer() {}

  /**
   * @param name the resource's name
   * @param namespace its namespace: one the Prometheus Operator's ruleNamespaceSelector covers
   * @param labels besides {@value #MANAGED_BY_LABEL}, for its ruleSelector
   * @param sampled read the stored-span series ({@code traces_span_metrics_sampled_*}) instead
   *     of the estimated traffic
   */
  public record Options(String name, String namespace, Map<String, String> labels,
      boolean sampled) {
    /** @throws IllegalArgumentException naming the option: {@code name: ...} */
    public Options {
      if (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
        throw new IllegalArgumentException("name: '" + name + "' is not a Kubernetes resource "
            + "name (lower-case letters, digits, '-' and '.')");
      }
      if (!DNS_LABEL.matcher(namespace).matches()) {
        throw new IllegalArgumentException("namespace: '" + namespace + "' is not a Kubernetes "
            + "namespace name (at most 63 lower-case letters, digits and '-')");
      }
      labels = new TreeMap<>(labels);
      for (Map.Entry<String, String> label : labels.entrySet()) {
        if (label.getKey().equals(MANAGED_BY_LABEL) || !LABEL_KEY.matcher(label.getKey())
            .matches() || !LABEL_VALUE.matcher(label.getValue()).matches()) {
          throw new IllegalArgumentException("label: '" + label.getKey() + "=" + label.getValue()
              + "' is not a Kubernetes label (or is " + MANAGED_BY_LABEL + ", which is set)");
        }
      }
    }

    public static Options defaults() {
      return new Options(DEFAULT_NAME, DEFAULT_NAMESPACE, Map.of(), false);
    }
  }

  /**
   * @param source where the objectives came from, for the header (the file's path)
   */
  public static String render(List<Objective> objectives, Options options, String source) {
    StringBuilder yaml = new StringBuilder();
    comment(yaml, "PrometheusRule rendered by `meshtrace slo render` from " + source + ".");
    comment(yaml, "Error ratios on meshtrace's export (" + (options.sampled()
        ? SpanMetricsExport.SAMPLED_CALLS + ", " + SpanMetricsExport.SAMPLED_DURATION
            + "_*: the spans as stored)"
        : SpanMetricsExport.CALLS + ", " + SpanMetricsExport.DURATION
            + "_*: the estimated traffic)") + "; alerts as the SRE workbook's");
    comment(yaml, "multi-window, multi-burn-rate alerts: page (severity critical) at 14.4x over "
        + "1h and 5m and at 6x over 6h and 30m,");
    comment(yaml, "ticket (severity warning) at 3x over 1d and 2h and at 1x over 3d and 6h, "
        + "for a 30d window. For another window");
    comment(yaml, "the factors are scaled so that each alert fires after the same share of "
        + "that window's error budget is spent");
    comment(yaml, "(2%, 5%, 10%, 10%): factor = share x window / long alert window.");
    comment(yaml, "The window-long ratios need Prometheus to keep that much data "
        + "(--storage.tsdb.retention.time).");
    yaml.append("apiVersion: ").append(API_VERSION).append('\n');
    yaml.append("kind: ").append(KIND).append('\n');
    yaml.append("metadata:\n");
    yaml.append("  name: ").append(options.name()).append('\n');
    yaml.append("  namespace: ").append(options.namespace()).append('\n');
    yaml.append("  labels:\n");
    Map<String, String> labels = new TreeMap<>(options.labels());
    labels.put(MANAGED_BY_LABEL, "meshtrace");
    labels.forEach((key, value) -> yaml.append("    ").append(quote(key)).append(": ")
        .append(quote(value)).append('\n'));
    yaml.append("spec:\n");
    if (objectives.isEmpty()) {
      yaml.append("  groups: []\n");
      return yaml.toString();
    }
    yaml.append("  groups:\n");
    for (Objective objective : objectives) {
      group(yaml, objective, options.sampled());
    }
    return yaml.toString();
  }

  private static void group(StringBuilder yaml, Objective objective, boolean sampled) {
    Map<String, String> labels = labels(objective);
    String selector = "{" + SLO_LABEL + "=" + SliQueries.quote(objective.name()) + "}";
    yaml.append("  # ").append(oneLine(describe(objective))).append('\n');
    yaml.append("  - name: ").append(quote("meshtrace-slo-" + objective.name())).append('\n');
    yaml.append("    rules:\n");
    for (Duration window : BurnRateAlert.WINDOWS) {
      record(yaml, ratioName(window), SliQueries.errorRatio(objective, window, sampled), labels);
    }
    BigDecimal budget = objective.errorBudget();
    for (BurnRateAlert alert : BurnRateAlert.WORKBOOK) {
      BigDecimal factor = alert.factor(objective.window());
      String threshold = plain(factor.multiply(budget));
      String longWindow = PrometheusDuration.format(alert.longWindow());
      String shortWindow = PrometheusDuration.format(alert.shortWindow());
      yaml.append("    - alert: ").append(ALERT).append('\n');
      yaml.append("      expr: |\n");
      yaml.append("        ").append(ratioName(alert.longWindow())).append(selector)
          .append(" > ").append(threshold).append('\n');
      yaml.append("        and\n");
      yaml.append("        ").append(ratioName(alert.shortWindow())).append(selector)
          .append(" > ").append(threshold).append('\n');
      Map<String, String> alertLabels = new LinkedHashMap<>(labels);
      alertLabels.put("severity", alert.severity());
      alertLabels.put("long_window", longWindow);
      alertLabels.put("short_window", shortWindow);
      labels(yaml, "      ", alertLabels);
      String window = PrometheusDuration.format(objective.window());
      yaml.append("      annotations:\n");
      yaml.append("        summary: ").append(quote("Objective " + objective.name() + " burns "
          + "its error budget " + plain(factor) + "x as fast as its " + window + " window "
          + "allows")).append('\n');
      yaml.append("        description: ").append(quote(describe(objective) + ": the error "
          + "ratio over the last " + longWindow + " and " + shortWindow + " is above "
          + threshold + " (" + plain(factor) + " x the error budget " + plain(budget) + "), "
          + "which spends " + plain(alert.budgetShare().movePointRight(2)) + "% of the "
          + window + " error budget in " + longWindow + ". Error ratio over " + longWindow
          + ": {{ $value | humanizePercentage }}.")).append('\n');
    }
    yaml.append("  - name: ").append(quote("meshtrace-slo-" + objective.name() + "-window"))
        .append('\n');
    yaml.append("    interval: ").append(WINDOW_GROUP_INTERVAL).append('\n');
    yaml.append("    rules:\n");
    record(yaml, ratioName(objective.window()), SliQueries.errorRatio(objective,
        objective.window(), sampled), labels);
    record(yaml, "slo:objective:ratio", "vector(" + plain(objective.target()) + ")\n", labels);
    record(yaml, "slo:error_budget:ratio", "vector(" + plain(budget) + ")\n", labels);
    record(yaml, "slo:error_budget_remaining:ratio", "1 - " + ratioName(objective.window())
        + selector + " / " + plain(budget) + "\n", labels);
  }

  /** Sloth's name for the error ratio over a window: {@code slo:sli_error:ratio_rate5m}. */
  public static String ratioName(Duration window) {
    return "slo:sli_error:ratio_rate" + PrometheusDuration.format(window);
  }

  private static void record(StringBuilder yaml, String name, String expr,
      Map<String, String> labels) {
    yaml.append("    - record: ").append(name).append('\n');
    yaml.append("      expr: |\n");
    for (String line : expr.split("\n")) {
      yaml.append("        ").append(line).append('\n');
    }
    labels(yaml, "      ", labels);
  }

  private static void labels(StringBuilder yaml, String indent, Map<String, String> labels) {
    yaml.append(indent).append("labels:\n");
    labels.forEach((key, value) -> yaml.append(indent).append("  ").append(key).append(": ")
        .append(quote(value)).append('\n'));
  }

  /** What tells objectives' series apart: its name and the labels its series are picked by. */
  private static Map<String, String> labels(Objective objective) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(SLO_LABEL, objective.name());
    labels.put("slo_indicator", objective.indicator().text());
    labels.put(SpanMetricsExport.SERVICE_LABEL, objective.service());
    if (objective.operation() != null) {
      labels.put(SpanMetricsExport.SPAN_NAME_LABEL, objective.operation());
    }
    labels.put(SpanMetricsExport.SPAN_KIND_LABEL,
        SpanMetricsExport.spanKindLabel(objective.spanKind()));
    return labels;
  }

  private static String describe(Objective objective) {
    String calls = SpanKinds.name(objective.spanKind()) + " calls of " + objective.service()
        + (objective.operation() == null ? "" : " " + objective.operation())
        + (objective.tenant() == null ? "" : " (tenant " + objective.tenant() + ")");
    String good = objective.indicator() == Indicator.AVAILABILITY ? "without an error"
        : "of " + ObjectiveJson.threshold(objective) + " or less";
    return objective.name() + ": " + plain(objective.targetPercent()) + "% of " + calls + " "
        + good + " over " + PrometheusDuration.format(objective.window());
  }

  private static String plain(BigDecimal value) {
    BigDecimal stripped = value.stripTrailingZeros();
    return (stripped.scale() < 0 ? stripped.setScale(0) : stripped).toPlainString();
  }

  private static void comment(StringBuilder yaml, String line) {
    yaml.append("# ").append(oneLine(line)).append('\n');
  }

  private static String oneLine(String text) {
    return text.replaceAll("[\\p{Cntrl}\u0085\u2028\u2029]", " ");
  }

  /** A YAML double-quoted scalar: JSON's escapes, which YAML reads alike. */
  static String quote(String value) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029 || c == 0xfeff) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
