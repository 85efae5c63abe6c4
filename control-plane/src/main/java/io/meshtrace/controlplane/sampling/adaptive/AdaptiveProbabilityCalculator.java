package io.meshtrace.controlplane.sampling.adaptive;

import java.util.HashMap;
import java.util.Map;

/**
 * Jaeger's adaptive sampling calculation ({@code PostAggregator.calculateProbability} with the
 * {@code PercentageIncreaseCappedCalculator}), one step: for each operation, the probability
 * that brings its sampled traces a second to the target.
 *
 * <ul>
 *   <li>An operation not calculated before starts from the initial probability.
 *   <li>Within the delta tolerance of the target, or when its SDKs are not using the probability
 *       served (their root spans report another one: a manual or rate-limiting sampler), the
 *       probability stays.
 *   <li>Otherwise new = old × target / sampled rate; a rise is capped at +50 % a step, a fall is
 *       taken at once; nothing sampled at all doubles it. The result is kept in [minimum, 1].
 * </ul>
 */
public final class AdaptiveProbabilityCalculator {
  /** One operation's sampled traffic in the last interval. */
  public record Observed(double sampledPerSecond, java.util.Set<Double> reportedProbabilities) {}

  private final AdaptiveSamplingSettings settings;

  public AdaptiveProbabilityCalculator(AdaptiveSamplingSettings settings) {
    this.settings = settings;
  }

  /**
   * @param previous the probabilities of the last calculation, by operation key
   * @param observed the operations seen in the last interval, by the same keys
   * @return the new probabilities: every operation of {@code previous} and of {@code observed}
   */
  public <K> Map<K, Double> calculate(Map<K, Double> previous, Map<K, Observed> observed) {
    Map<K, Double> next = new HashMap<>(previous);
    observed.forEach((key, traffic) -> {
      Double known = previous.get(key);
      double old = known == null ? settings.initialSamplingProbability() : known;
      next.put(key, probability(old, traffic));
    });
    return next;
  }

  double probability(double old, Observed traffic) {
    double target = settings.targetSamplesPerSecond();
    double rate = traffic.sampledPerSecond();
    if (Math.abs(rate - target) / target < settings.deltaTolerance() || !usesServed(old, traffic)) {
      return old;
    }
    double next;
    if (rate == 0) {
      next = old * 2;
    } else {
      next = old * target / rate;
      if (next > old) {
        next = Math.min(next, old * (1 + settings.maxIncrease()));
      }
    }
    return Math.min(1, Math.max(settings.minSamplingProbability(), next));
  }

  /**
   * Whether the SDKs sample at the probability served: one of the probabilities their root spans
   * report is it (to 6 digits, as Jaeger compares). Spans that report none are taken as using it:
   * Envoy and OpenTelemetry's probabilistic sampler do not say.
   */
  private static boolean usesServed(double served, Observed traffic) {
    if (traffic.reportedProbabilities().isEmpty()) {
      return true;
    }
    for (double reported : traffic.reportedProbabilities()) {
      if (Math.abs(reported - served) < 5e-7) {
        return true;
      }
    }
    return false;
  }
}
