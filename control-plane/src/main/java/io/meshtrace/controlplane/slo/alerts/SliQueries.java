package io.meshtrace.controlplane.slo.alerts;

import io.meshtrace.controlplane.slo.Indicator;
import io.meshtrace.controlplane.slo.Objective;
import io.meshtrace.controlplane.slo.PrometheusDuration;
import io.meshtrace.metrics.SpanMetricsExport;
import java.time.Duration;

/**
 * PromQL for an objective's error ratio (the share of bad calls) over a window, on the series
 * meshtrace exports ({@link SpanMetricsExport}, the spanmetrics connector's names):
 *
 * <ul>
 *   <li>availability: the rate of calls with {@code status_code="STATUS_CODE_ERROR"} over the
 *       rate of all calls of the objective's labels. A series without errors has no ERROR series
 *       at all (the export writes the status codes it has seen), so the errors are {@code or}ed
 *       with 0 times the calls: the ratio is then 0 rather than missing.
 *   <li>latency: 1 − the rate of the bucket at the threshold over the rate of the histogram's
 *       count. Prometheus 3 stores {@code le} as a float ({@code "400.0"}) where Prometheus 2
 *       kept the text as scraped ({@code "400"}), so the bucket is matched as either.
 * </ul>
 *
 * <p>Sums are by {@code tenant}: an objective without a tenant gets a ratio per tenant (each
 * tenant's alerts of its own), and one series when tenancy is off; the instances of meshtrace
 * that export the series are added up.
 */
final class SliQueries {
  private SliQueries() {}

  static String errorRatio(Objective objective, Duration window, boolean sampled) {
    String range = "[" + PrometheusDuration.format(window) + "]";
    String selector = selector(objective);
    if (objective.indicator() == Indicator.AVAILABILITY) {
      String calls = sampled ? SpanMetricsExport.SAMPLED_CALLS : SpanMetricsExport.CALLS;
      String all = sum(calls + "{" + selector + "}" + range);
      String errors = sum(calls + "{" + selector + "," + SpanMetricsExport.STATUS_CODE_LABEL
          + "=" + quote(SpanMetricsExport.statusCodeLabel(2)) + "}" + range);
      return "(\n  " + errors + "\n  or\n  0 * " + all + "\n)\n/\n" + all + "\n";
    }
    String duration = sampled ? SpanMetricsExport.SAMPLED_DURATION : SpanMetricsExport.DURATION;
    String bound = SpanMetricsExport.bucketBoundLabel(objective.thresholdMs().doubleValue());
    String good = sum(duration + SpanMetricsExport.BUCKET_SUFFIX + "{" + selector + ","
        + SpanMetricsExport.BUCKET_BOUND_LABEL + "=~" + quote(bound + "|" + bound
            + (bound.contains(".") ? "" : "[.]0")) + "}" + range);
    String count = sum(duration + SpanMetricsExport.COUNT_SUFFIX + "{" + selector + "}" + range);
    return "1 - (\n  " + good + "\n  /\n  " + count + "\n)\n";
  }

  /** The labels that pick the objective's series, without braces. */
  static String selector(Objective objective) {
    StringBuilder selector = new StringBuilder();
    selector.append(SpanMetricsExport.SERVICE_LABEL).append('=')
        .append(quote(objective.service()));
    if (objective.operation() != null) {
      selector.append(',').append(SpanMetricsExport.SPAN_NAME_LABEL).append('=')
          .append(quote(objective.operation()));
    }
    selector.append(',').append(SpanMetricsExport.SPAN_KIND_LABEL).append('=')
        .append(quote(SpanMetricsExport.spanKindLabel(objective.spanKind())));
    if (objective.tenant() != null) {
      selector.append(',').append(SpanMetricsExport.TENANT_LABEL).append('=')
          .append(quote(objective.tenant()));
    }
    return selector.toString();
  }

  private static String sum(String rangeVector) {
    return "sum by (" + SpanMetricsExport.TENANT_LABEL + ") (rate(" + rangeVector + "))";
  }

  /** A PromQL string literal (Go's escapes). */
  static String quote(String value) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029) {
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
