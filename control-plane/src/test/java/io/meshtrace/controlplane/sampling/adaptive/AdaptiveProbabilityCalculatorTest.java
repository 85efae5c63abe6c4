package io.meshtrace.controlplane.sampling.adaptive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.meshtrace.controlplane.sampling.adaptive.AdaptiveProbabilityCalculator.Observed;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Jaeger's calculation, case by case (target 1 trace a second, tolerance 0.3, cap +50 %). */
class AdaptiveProbabilityCalculatorTest {
  final AdaptiveProbabilityCalculator calculator =
      new AdaptiveProbabilityCalculator(AdaptiveSamplingSettings.jaegerDefaults(1));

  double next(double old, double sampledPerSecond, Set<Double> reported) {
    return calculator.probability(old, new Observed(sampledPerSecond, reported));
  }

  @Test
  void tooManySampledFallsAtOnceToTheTarget() {
    assertThat(next(0.1, 4, Set.of())).isCloseTo(0.025, within(1e-12));
  }

  @Test
  void tooFewSampledRisesAtMostHalfAgainAStep() {
    assertThat(next(0.1, 0.1, Set.of())).isCloseTo(0.15, within(1e-12));
    assertThat(next(0.1, 0.5, Set.of())).isCloseTo(0.15, within(1e-12));
    assertThat(next(0.1, 0.8, Set.of())).isEqualTo(0.1); // within tolerance
    assertThat(next(0.8, 0.1, Set.of())).isEqualTo(1.0); // at most 1
  }

  @Test
  void withinToleranceNothingChanges() {
    assertThat(next(0.2, 1.25, Set.of())).isEqualTo(0.2);
    assertThat(next(0.2, 0.75, Set.of())).isEqualTo(0.2);
  }

  @Test
  void nothingSampledDoublesAndTheMinimumHolds() {
    assertThat(next(0.01, 0, Set.of())).isEqualTo(0.02);
    assertThat(next(1e-5, 1000, Set.of())).isEqualTo(1e-5);
  }

  @Test
  void sdksNotUsingTheServedProbabilityAreLeftAlone() {
    // Their root spans report another probability (a manual sampler): nothing to steer.
    assertThat(next(0.1, 4, Set.of(0.5))).isEqualTo(0.1);
    assertThat(next(0.1, 4, Set.of(0.5, 0.1))).isCloseTo(0.025, within(1e-12));
  }

  @Test
  void aNewOperationStartsFromTheInitialProbability() {
    Map<String, Double> next = calculator.calculate(Map.of("old", 0.3),
        Map.of("new", new Observed(2, Set.of())));
    assertThat(next).containsEntry("old", 0.3);
    assertThat(next.get("new")).isCloseTo(0.0005, within(1e-12));
  }
}
