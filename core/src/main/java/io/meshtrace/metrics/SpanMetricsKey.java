package io.meshtrace.metrics;

/**
 * One series of RED metrics in one minute: a tenant's service and operation, with the span
 * kind (OTLP's numbers: 1 internal, 2 server, 3 client, 4 producer, 5 consumer, 0 unspecified).
 */
public record SpanMetricsKey(long minuteMillis, String tenant, String service, String operation,
    int spanKind) implements Comparable<SpanMetricsKey> {

  @Override
  public int compareTo(SpanMetricsKey o) {
    int c = Long.compare(minuteMillis, o.minuteMillis);
    c = c != 0 ? c : tenant.compareTo(o.tenant);
    c = c != 0 ? c : service.compareTo(o.service);
    c = c != 0 ? c : operation.compareTo(o.operation);
    return c != 0 ? c : Integer.compare(spanKind, o.spanKind);
  }
}
