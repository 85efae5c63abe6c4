package io.meshtrace.examples.generator;

import java.util.Objects;

/**
 * The shape of the synthetic workload; with the same options the same traces are generated.
 *
 * @param services how many mesh services (edge-gateway, frontend, cart, ...), at least 1
 * @param depth the most services on one path from the edge gateway down, at least 1
 * @param fanOut the most children of one span, at least 1
 * @param errorRate the fraction of traces in which a span fails, in [0,1]
 * @param outlierRate the fraction of traces in which one span is much slower, in [0,1]
 * @param seed fixes the topology and every trace
 * @param spansPerTrace 0 for traces as large as their route's calls make them (8-40 spans with
 *     the defaults), else exactly this many spans in every trace, at least 3 (the edge
 *     gateway's two spans and the first service's): a trace is cut where the count is reached,
 *     and one that is still short repeats its services' database, cache or broker calls, as a
 *     handler does in a loop, beyond the fan-out if need be
 * @param instrumentation who reports spans: the sidecars and the services' SDKs, or the
 *     sidecars alone
 * @param outlierDelayMicros 0 for outliers that take 10-50 times their usual time, else an
 *     outlier span waits between this and 3 times this long on top of its usual time, as a
 *     call that times out and is retried does
 */
public record WorkloadOptions(int services, int depth, int fanOut, double errorRate,
    double outlierRate, long seed, int spansPerTrace, Instrumentation instrumentation,
    long outlierDelayMicros) {
  public static final int MAX_SERVICES = 500;
  public static final int MAX_DEPTH = 20;
  public static final int MAX_FAN_OUT = 50;
  public static final int MIN_SPANS_PER_TRACE = 3;
  public static final int MAX_SPANS_PER_TRACE = 10_000;
  public static final long MAX_OUTLIER_DELAY_MICROS = 3_600_000_000L;

  /** Who reports the spans of a trace. */
  public enum Instrumentation {
    /**
     * Istio's Envoy sidecars report every hop, and the services' OpenTelemetry SDKs their
     * database, cache and messaging calls (with {@code db.*} and {@code messaging.*} tags).
     */
    SIDECARS_AND_SDKS,
    /**
     * Only the Envoy sidecars report: every span carries Envoy's tag set, and a service's call
     * to its database, cache or broker is its sidecar's outbound CLIENT span
     * ({@code upstream_cluster=outbound|5432||postgres.shop.svc.cluster.local}), without a
     * server span, as for any upstream that has no sidecar of its own.
     */
    SIDECARS_ONLY
  }

  public WorkloadOptions {
    requireIn("services", services, 1, MAX_SERVICES);
    requireIn("depth", depth, 1, MAX_DEPTH);
    requireIn("fan-out", fanOut, 1, MAX_FAN_OUT);
    requireFraction("error-rate", errorRate);
    requireFraction("outlier-rate", outlierRate);
    if (spansPerTrace != 0) {
      requireIn("spans-per-trace", spansPerTrace, MIN_SPANS_PER_TRACE, MAX_SPANS_PER_TRACE);
      if (services < 2 || depth < 2) {
        throw new InvalidOptionException("spans-per-trace", "is " + spansPerTrace
            + " but a mesh of one level (services " + services + ", depth " + depth
            + ") makes traces of one span only");
      }
    }
    Objects.requireNonNull(instrumentation, "instrumentation");
    if (outlierDelayMicros < 0 || outlierDelayMicros > MAX_OUTLIER_DELAY_MICROS) {
      throw new InvalidOptionException("outlier-delay", "is " + outlierDelayMicros
          + " µs but must be between 0 and " + MAX_OUTLIER_DELAY_MICROS + " µs");
    }
  }

  /**
   * Traces as large as their calls make them, reported by sidecars and SDKs, outliers 10-50
   * times slower.
   */
  public WorkloadOptions(int services, int depth, int fanOut, double errorRate,
      double outlierRate, long seed) {
    this(services, depth, fanOut, errorRate, outlierRate, seed, 0,
        Instrumentation.SIDECARS_AND_SDKS, 0);
  }

  /** 8 services, 4 deep, fan-out 3, 5% errors, 2% outliers. */
  public static WorkloadOptions defaults(long seed) {
    return new WorkloadOptions(8, 4, 3, 0.05, 0.02, seed);
  }

  /** These options with exactly {@code spans} spans in every trace (0: as many as made). */
  public WorkloadOptions withSpansPerTrace(int spans) {
    return new WorkloadOptions(services, depth, fanOut, errorRate, outlierRate, seed, spans,
        instrumentation, outlierDelayMicros);
  }

  /** These options with the spans reported by {@code reporting}. */
  public WorkloadOptions withInstrumentation(Instrumentation reporting) {
    return new WorkloadOptions(services, depth, fanOut, errorRate, outlierRate, seed,
        spansPerTrace, reporting, outlierDelayMicros);
  }

  /** These options with outliers delayed by 1-3 times {@code micros} (0: 10-50x slower). */
  public WorkloadOptions withOutlierDelayMicros(long micros) {
    return new WorkloadOptions(services, depth, fanOut, errorRate, outlierRate, seed,
        spansPerTrace, instrumentation, micros);
  }

  private static void requireIn(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new InvalidOptionException(name, "is " + value + " but must be between " + min
          + " and " + max);
    }
  }

  private static void requireFraction(String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new InvalidOptionException(name, "is " + value + " but must be a fraction in [0,1]");
    }
  }
}
