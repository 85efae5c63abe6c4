package io.meshtrace.controlplane.slo.attainment;

import io.meshtrace.controlplane.slo.Indicator;
import io.meshtrace.controlplane.slo.Objective;
import io.meshtrace.metrics.RedMetrics;
import io.meshtrace.metrics.SpanMetricsSeries;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The calls an objective is computed from, out of RED metrics: all of them and the bad ones.
 *
 * <ul>
 *   <li>Availability: every call is counted; bad ones are those with an ERROR status.
 *   <li>Latency: calls with a duration are counted (a span without one says nothing about its
 *       latency); bad ones lasted longer than the threshold. The stored histograms put a call
 *       within 2.2 % of the threshold on the side of its bucket's middle, so only such calls
 *       may be counted on the wrong side; Prometheus's buckets, which the PrometheusRule reads,
 *       are exact at the threshold.
 * </ul>
 *
 * @param total the calls (estimated traffic, or as stored with {@code sampled})
 * @param bad the calls that do not meet the objective
 */
public record CallCounts(double total, double bad) {
  public static final CallCounts NONE = new CallCounts(0, 0);

  /** The share of bad calls; NaN without calls. */
  public double badRatio() {
    return total > 0 ? bad / total : Double.NaN;
  }

  /**
   * Adds up the points at or after {@code since} of the series that are the objective's (its
   * service, and its operation when it has one).
   *
   * @param series per service and operation, of the objective's span kind and tenant
   * @param sampled the spans as stored rather than the traffic they stand for
   */
  public static CallCounts of(Objective objective, List<SpanMetricsSeries> series, Instant since,
      boolean sampled) {
    double total = 0;
    double bad = 0;
    for (SpanMetricsSeries one : series) {
      if (!one.service().equals(objective.service()) || (objective.operation() != null
          && !objective.operation().equals(one.operation()))) {
        continue;
      }
      for (Map.Entry<Instant, RedMetrics> point : one.points().tailMap(since).entrySet()) {
        RedMetrics metrics = point.getValue();
        if (objective.indicator() == Indicator.AVAILABILITY) {
          total += metrics.calls(sampled);
          bad += metrics.errors(sampled);
        } else {
          double timed = sampled ? metrics.latency().count() : metrics.latency().weightedCount();
          total += timed;
          bad += timed - metrics.latency().countAtOrBelow(objective.thresholdMicros(), !sampled);
        }
      }
    }
    // Weights are floats in storage: keep rounding from making a share out of [0,1].
    return new CallCounts(total, Math.max(0, Math.min(bad, total)));
  }
}
