package io.meshtrace.metrics;

import io.meshtrace.tenant.Tenant;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * What RED metrics to read: a tenant's services (none: every service), span kinds (none:
 * every kind), per service or per service and operation, over [start, end) in steps.
 *
 * @param step a whole number of minutes; points start at multiples of it since the epoch
 * @param latencies whether the points need their latency histograms; without, a store may add
 *     the counts up where they are and answer empty histograms
 */
public record SpanMetricsQuery(Tenant tenant, List<String> services, Set<Integer> spanKinds,
    boolean byOperation, Instant start, Instant end, Duration step, boolean latencies) {

  /** A query of counts and latencies. */
  public SpanMetricsQuery(Tenant tenant, List<String> services, Set<Integer> spanKinds,
      boolean byOperation, Instant start, Instant end, Duration step) {
    this(tenant, services, spanKinds, byOperation, start, end, step, true);
  }

  public SpanMetricsQuery {
    services = List.copyOf(services);
    spanKinds = Set.copyOf(spanKinds);
    if (step.toMillis() < 60_000 || step.toMillis() % 60_000 != 0) {
      throw new IllegalArgumentException("step must be a whole number of minutes, not " + step);
    }
    if (!start.isBefore(end)) {
      throw new IllegalArgumentException("start must be before end");
    }
  }
}
