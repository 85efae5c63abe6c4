package io.meshtrace.controlplane.sampling;

import java.util.Objects;

/**
 * A {@code type} and its {@code param}, as written in a strategies file. The value is kept as
 * written (a rate limit of 0.5 stays 0.5) even where Jaeger's protocol can only carry less, so
 * that a later source of strategies can do better with it than the protocol does.
 */
public record SamplingStrategy(SamplerType type, double param) {
  public SamplingStrategy {
    Objects.requireNonNull(type, "type");
  }

  public static SamplingStrategy probabilistic(double probability) {
    return new SamplingStrategy(SamplerType.PROBABILISTIC, probability);
  }

  public static SamplingStrategy rateLimiting(double tracesPerSecond) {
    return new SamplingStrategy(SamplerType.RATE_LIMITING, tracesPerSecond);
  }
}
