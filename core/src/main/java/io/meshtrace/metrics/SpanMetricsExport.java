package io.meshtrace.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The RED metrics of stored spans since start-up, in the Prometheus text format with the names,
 * labels and default buckets of the OpenTelemetry Collector's spanmetrics connector
 * ({@code traces_span_metrics_calls_total}, {@code
 * traces_span_metrics_duration_milliseconds_bucket}; {@code service_name}, {@code span_name},
 * {@code span_kind}, {@code status_code}), so that dashboards and alert rules written for it
 * read meshtrace. Those series count the estimated traffic (each span weighted by its sampling
 * probability); the same series with {@code traces_span_metrics_sampled_} count the spans as
 * stored. A {@code tenant} label is added for tenants other than the default. Thread-safe.
 */
public final class SpanMetricsExport {
  public static final String CALLS = "traces_span_metrics_calls_total";
  public static final String DURATION = "traces_span_metrics_duration_milliseconds";
  public static final String SAMPLED_CALLS = "traces_span_metrics_sampled_calls_total";
  public static final String SAMPLED_DURATION =
      "traces_span_metrics_sampled_duration_milliseconds";
  /** The histograms' series: {@link #DURATION} with these suffixes. */
  public static final String BUCKET_SUFFIX = "_bucket";
  public static final String SUM_SUFFIX = "_sum";
  public static final String COUNT_SUFFIX = "_count";
  public static final String SERVICE_LABEL = "service_name";
  public static final String SPAN_NAME_LABEL = "span_name";
  public static final String SPAN_KIND_LABEL = "span_kind";
  public static final String STATUS_CODE_LABEL = "status_code";
  /** Only on the series of tenants other than the default. */
  public static final String TENANT_LABEL = "tenant";
  public static final String BUCKET_BOUND_LABEL = "le";
  /** The spanmetrics connector's default explicit buckets, in milliseconds. */
  static final double[] BUCKETS_MS = {2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000,
      5000, 10000, 15000};
  private static final String[] KINDS = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
      "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"};
  private static final String[] STATUSES = {"STATUS_CODE_UNSET", "STATUS_CODE_OK",
      "STATUS_CODE_ERROR"};

  /** The bucket bounds of the duration histograms, in milliseconds, smallest first. */
  public static List<Double> bucketBoundsMs() {
    return java.util.Arrays.stream(BUCKETS_MS).boxed().toList();
  }

  /** The {@value #BUCKET_BOUND_LABEL} label value of a bucket bound, as written here. */
  public static String bucketBoundLabel(double boundMs) {
    return number(boundMs);
  }

  /** The {@value #SPAN_KIND_LABEL} label value of an OTLP span kind number. */
  public static String spanKindLabel(int spanKind) {
    return spanKind >= 0 && spanKind < KINDS.length ? KINDS[spanKind] : KINDS[0];
  }

  /** The {@value #STATUS_CODE_LABEL} label value of an OTLP status code number (2 = error). */
  public static String statusCodeLabel(int statusCode) {
    return statusCode >= 0 && statusCode < STATUSES.length ? STATUSES[statusCode] : STATUSES[0];
  }

  private record Key(String tenant, String service, String operation, int spanKind,
      int statusCode) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = tenant.compareTo(o.tenant);
      c = c != 0 ? c : service.compareTo(o.service);
      c = c != 0 ? c : operation.compareTo(o.operation);
      c = c != 0 ? c : Integer.compare(spanKind, o.spanKind);
      return c != 0 ? c : Integer.compare(statusCode, o.statusCode);
    }
  }

  private static final class Series {
    double calls;
    long sampledCalls;
    final double[] buckets = new double[BUCKETS_MS.length + 1];
    final long[] sampledBuckets = new long[BUCKETS_MS.length + 1];
    double sumMs;
    double sampledSumMs;
    double timed;
    long sampledTimed;
  }

  /** Hashed for the per-span update; sorted when written (a scrape every few seconds). */
  private final Map<Key, Series> series = new HashMap<>();

  /** One span: {@code micros} negative when it has no duration. */
  synchronized void record(String tenant, String service, String operation, int spanKind,
      int statusCode, double micros, double weight) {
    Series s = series.computeIfAbsent(new Key(tenant, service, operation,
        spanKind, statusCode), k -> new Series());
    s.calls += weight;
    s.sampledCalls++;
    if (micros < 0) {
      return;
    }
    double ms = micros / 1000;
    int bucket = 0;
    while (bucket < BUCKETS_MS.length && ms > BUCKETS_MS[bucket]) {
      bucket++;
    }
    s.buckets[bucket] += weight;
    s.sampledBuckets[bucket]++;
    s.sumMs += ms * weight;
    s.sampledSumMs += ms;
    s.timed += weight;
    s.sampledTimed++;
  }

  /** Appends every series in the Prometheus text format (version 0.0.4). */
  public synchronized void write(StringBuilder out) {
    SortedMap<Key, Series> sorted = new TreeMap<>(series);
    writeCalls(out, sorted, CALLS, false, "Calls estimated from the stored spans, each "
        + "weighted by its sampling probability");
    writeDuration(out, sorted, DURATION, false, "Durations of the estimated calls");
    writeCalls(out, sorted, SAMPLED_CALLS, true, "Calls as stored (sampled spans)");
    writeDuration(out, sorted, SAMPLED_DURATION, true, "Durations of the stored spans");
  }

  private static void writeCalls(StringBuilder out, SortedMap<Key, Series> series,
      String name, boolean sampled, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" counter\n");
    series.forEach((key, s) -> {
      out.append(name).append('{');
      labels(out, key);
      out.append("} ").append(number(sampled ? s.sampledCalls : s.calls)).append('\n');
    });
  }

  private static void writeDuration(StringBuilder out, SortedMap<Key, Series> series,
      String name, boolean sampled, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" histogram\n");
    series.forEach((key, s) -> {
      double cumulative = 0;
      for (int i = 0; i <= BUCKETS_MS.length; i++) {
        cumulative += sampled ? s.sampledBuckets[i] : s.buckets[i];
        out.append(name).append(BUCKET_SUFFIX).append('{');
        labels(out, key);
        out.append(',').append(BUCKET_BOUND_LABEL).append("=\"")
            .append(i == BUCKETS_MS.length ? "+Inf" : number(BUCKETS_MS[i]))
            .append("\"} ").append(number(cumulative)).append('\n');
      }
      out.append(name).append(SUM_SUFFIX).append('{');
      labels(out, key);
      out.append("} ").append(number(sampled ? s.sampledSumMs : s.sumMs)).append('\n');
      out.append(name).append(COUNT_SUFFIX).append('{');
      labels(out, key);
      out.append("} ").append(number(sampled ? s.sampledTimed : s.timed)).append('\n');
    });
  }

  private static void labels(StringBuilder out, Key key) {
    out.append(SERVICE_LABEL).append("=\"");
    escape(out, key.service());
    out.append("\",").append(SPAN_NAME_LABEL).append("=\"");
    escape(out, key.operation());
    out.append("\",").append(SPAN_KIND_LABEL).append("=\"").append(spanKindLabel(key.spanKind()));
    out.append("\",").append(STATUS_CODE_LABEL).append("=\"")
        .append(statusCodeLabel(key.statusCode())).append('"');
    if (!key.tenant().isEmpty()) {
      out.append(',').append(TENANT_LABEL).append("=\"");
      escape(out, key.tenant());
      out.append('"');
    }
  }

  private static void escape(StringBuilder out, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
  }

  private static String number(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return String.format(Locale.ROOT, "%s", value);
  }
}
