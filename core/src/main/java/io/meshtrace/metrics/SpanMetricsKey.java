package io.meshtrace.metrics;

import java.util.Comparator;

/**
 * One series of RED metrics in one minute: a tenant's service and operation, with the span
 * kind (OTLP's numbers: 1 internal, 2 server, 3 client, 4 producer, 5 consumer, 0 unspecified).
 * A null operation is the service's total over its operations.
 */
public record SpanMetricsKey(long minuteMillis, String tenant, String service, String operation,
    int spanKind) implements Comparable<SpanMetricsKey> {
  private static final Comparator<String> OPERATIONS =
      Comparator.nullsFirst(Comparator.naturalOrder());

  @Override
  public int compareTo(SpanMetricsKey o) {
    int c = Long.compare(minuteMillis, o.minuteMillis);
    c = c != 0 ? c : tenant.compareTo(o.tenant);
    c = c != 0 ? c : service.compareTo(o.service);
    c = c != 0 ? c : OPERATIONS.compare(operation, o.operation);
    return c != 0 ? c : Integer.compare(spanKind, o.spanKind);
  }
}
