package io.meshtrace.controlplane.sampling;

/**
 * Where the served strategies come from: the strategies file, Jaeger's built-in default, or
 * everything composed ({@code ServedSamplingStrategies}: the base, the admin API, the observed
 * traffic and adaptive sampling). A source publishes whole immutable {@link SamplingStrategies};
 * the remote sampling endpoints and the xDS server read {@link #current()} for every request or
 * poll and so serve a change at once.
 */
public interface SamplingStrategySource {
  /** The strategies to serve now. Cheap, never blocks, callable from any thread. */
  SamplingStrategies current();

  /** How the source is doing, for {@code /readyz}. */
  Status status();

  /**
   * @param degraded true when the source could not load its latest input and is serving an
   *     older one (serving goes on, so this does not make the process unready)
   * @param detail one line for people: where the strategies come from, and what went wrong
   */
  record Status(boolean degraded, String detail) {}

  /** A source that never changes: Jaeger's built-in default when no file is configured. */
  static SamplingStrategySource fixed(SamplingStrategies strategies, String description) {
    Status status = new Status(false, description);
    return new SamplingStrategySource() {
      @Override
      public SamplingStrategies current() {
        return strategies;
      }

      @Override
      public Status status() {
        return status;
      }
    };
  }
}
