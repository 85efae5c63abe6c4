package io.meshtrace.metrics;

/**
 * Rate, errors and duration of one series over a time: the spans stored (calls, errors) and the
 * traffic they stand for once weighted by their sampling probability (estimated calls and
 * errors), with their durations. Spans without a duration count as calls but not in the
 * histogram. Not thread-safe.
 */
public final class RedMetrics {
  private long calls;
  private long errors;
  private double estimatedCalls;
  private double estimatedErrors;
  private final LatencyHistogram latency;

  public RedMetrics() {
    this(0, 0, 0, 0, new LatencyHistogram());
  }

  public RedMetrics(long calls, long errors, double estimatedCalls, double estimatedErrors,
      LatencyHistogram latency) {
    this.calls = calls;
    this.errors = errors;
    this.estimatedCalls = estimatedCalls;
    this.estimatedErrors = estimatedErrors;
    this.latency = latency;
  }

  /**
   * @param micros the span's duration, or negative for none
   * @param weight how many spans of the traffic it stands for: 1 / its sampling probability
   */
  public void record(double micros, boolean error, double weight) {
    calls++;
    estimatedCalls += weight;
    if (error) {
      errors++;
      estimatedErrors += weight;
    }
    if (micros >= 0) {
      latency.record(micros, weight);
    }
  }

  public void merge(RedMetrics other) {
    calls += other.calls;
    errors += other.errors;
    estimatedCalls += other.estimatedCalls;
    estimatedErrors += other.estimatedErrors;
    latency.merge(other.latency);
  }

  public long calls() {
    return calls;
  }

  public long errors() {
    return errors;
  }

  public double estimatedCalls() {
    return estimatedCalls;
  }

  public double estimatedErrors() {
    return estimatedErrors;
  }

  /** Calls as stored ({@code sampled}) or as estimated for the traffic. */
  public double calls(boolean sampled) {
    return sampled ? calls : estimatedCalls;
  }

  public double errors(boolean sampled) {
    return sampled ? errors : estimatedErrors;
  }

  public LatencyHistogram latency() {
    return latency;
  }
}
