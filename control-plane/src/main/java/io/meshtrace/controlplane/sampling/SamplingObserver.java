package io.meshtrace.controlplane.sampling;

/**
 * What the control plane reports as it works, for metrics; the wiring module implements it.
 * Every method has a do-nothing default.
 */
public interface SamplingObserver {
  SamplingObserver NONE = new SamplingObserver() {};

  /** A source loaded new strategies. */
  default void strategiesLoaded(String source) {}

  /** A source could not load its input and keeps serving what it had. */
  default void strategiesLoadFailed(String source) {}

  /**
   * A remote sampling request was answered.
   *
   * @param endpoint {@code sampling} (proto JSON), {@code legacy} (the integer-enum JSON of
   *     {@code /}) or {@code grpc}
   * @param service the service asked for; null when the request was refused
   * @param outcome {@code ok} or {@code bad_request}
   */
  default void strategyRequest(String endpoint, String service, String outcome) {}

  /** Adaptive sampling's probabilities as just read, by service and operation. */
  default void adaptiveProbabilities(java.util.Map<String, java.util.Map<String, Double>>
      probabilities) {}
}
