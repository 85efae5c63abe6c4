package io.meshtrace.controlplane.sampling.adaptive;

import java.time.Duration;

/**
 * Jaeger's adaptive sampling options, with Jaeger's defaults ({@code
 * internal/sampling/samplingstrategy/adaptive/options.go}).
 *
 * @param targetSamplesPerSecond traces a second each operation should be sampled at
 * @param deltaTolerance how far (relative) the sampled rate may be from the target before the
 *     probability is changed
 * @param calculationInterval how often probabilities are recalculated, over that much traffic
 * @param initialSamplingProbability the probability of an operation not seen before
 * @param minSamplingProbability the least probability ever served
 * @param minSamplesPerSecond the lower bound served with every adaptive strategy
 *     ({@code defaultLowerBoundTracesPerSecond}): each SDK samples at least this many
 * @param maxIncrease the most a probability may grow in one calculation (0.5: +50 %); it may
 *     fall at once, since oversampling costs
 */
public record AdaptiveSamplingSettings(double targetSamplesPerSecond, double deltaTolerance,
    Duration calculationInterval, double initialSamplingProbability,
    double minSamplingProbability, double minSamplesPerSecond, double maxIncrease) {

  public static AdaptiveSamplingSettings jaegerDefaults(double targetSamplesPerSecond) {
    return new AdaptiveSamplingSettings(targetSamplesPerSecond, 0.3, Duration.ofMinutes(1),
        0.001, 1e-5, 1.0 / 60, 0.5);
  }
}
