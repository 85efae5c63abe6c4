package io.meshtrace.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

  /** Durations from 20 µs to minutes, as a service's calls spread: log-normal with outliers. */
  private static double[] durations(long seed, int n) {
    Random random = new Random(seed);
    double[] micros = new double[n];
    for (int i = 0; i < n; i++) {
      micros[i] = Math.exp(9 + 1.5 * random.nextGaussian());
      if (random.nextInt(100) == 0) {
        micros[i] *= 50;
      }
      micros[i] = Math.max(20, Math.rint(micros[i]));
    }
    return micros;
  }

  private static double exactQuantile(double[] sorted, double q) {
    return sorted[(int) Math.max(0, Math.ceil(q * sorted.length) - 1)];
  }

  @Test
  void quantilesAreWithinTheStatedRelativeErrorOfARecordedDuration() {
    double[] micros = durations(42, 100_000);
    LatencyHistogram histogram = new LatencyHistogram();
    for (double d : micros) {
      histogram.record(d, 1);
    }
    double[] sorted = micros.clone();
    Arrays.sort(sorted);
    assertThat(LatencyHistogram.RELATIVE_ERROR).isBetween(0.021, 0.022);
    for (double q : new double[] {0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1}) {
      double exact = exactQuantile(sorted, q);
      assertThat(histogram.quantile(q, false)).as("q%s", q)
          .isCloseTo(exact, within(exact * LatencyHistogram.RELATIVE_ERROR));
    }
    assertThat(histogram.count()).isEqualTo(100_000);
    assertThat(histogram.weightedCount()).isEqualTo(100_000);
  }

  @Test
  void everyDurationLandsInTheBucketThatHoldsIt() {
    Random random = new Random(7);
    for (int i = 0; i < 100_000; i++) {
      double micros = 1 + Math.exp(random.nextDouble() * 22);
      int index = LatencyHistogram.index(micros);
      if (index < LatencyHistogram.MAX_INDEX) {
        assertThat(micros).as("%s in bucket %s", micros, index)
            .isGreaterThan(LatencyHistogram.lower(index))
            .isLessThanOrEqualTo(LatencyHistogram.lower(index + 1));
      }
    }
    // Bounds are exclusive below, inclusive above: 2 µs is the last of its bucket.
    assertThat(LatencyHistogram.index(2)).isEqualTo(LatencyHistogram.BUCKETS_PER_DOUBLING - 1);
    assertThat(LatencyHistogram.index(0)).isZero();
    assertThat(LatencyHistogram.index(1)).isZero();
    assertThat(LatencyHistogram.index(1e12)).isEqualTo(LatencyHistogram.MAX_INDEX);
    assertThat(LatencyHistogram.index(Double.POSITIVE_INFINITY))
        .isEqualTo(LatencyHistogram.MAX_INDEX);
    assertThat(LatencyHistogram.index(Double.NaN)).isZero();
    // At and either side of every bound, as its definition base^i says.
    for (int i = 1; i <= LatencyHistogram.MAX_INDEX; i++) {
      double bound = Math.pow(2, (double) i / LatencyHistogram.BUCKETS_PER_DOUBLING);
      assertThat(LatencyHistogram.index(bound)).as("bound of %s", i).isEqualTo(i - 1);
      assertThat(LatencyHistogram.index(Math.nextDown(bound))).isEqualTo(i - 1);
      assertThat(LatencyHistogram.index(Math.nextUp(bound))).as("above %s", i).isEqualTo(i);
    }
  }

  @Test
  void histogramsMergeToWhatRecordingEverythingInOneGives() {
    double[] micros = durations(3, 10_000);
    LatencyHistogram all = new LatencyHistogram();
    LatencyHistogram first = new LatencyHistogram();
    LatencyHistogram second = new LatencyHistogram();
    for (int i = 0; i < micros.length; i++) {
      all.record(micros[i], i % 3 == 0 ? 4 : 1);
      (i < 5_000 ? first : second).record(micros[i], i % 3 == 0 ? 4 : 1);
    }
    LatencyHistogram merged = new LatencyHistogram();
    merged.merge(second);
    merged.merge(first);
    assertThat(merged).isEqualTo(all);
    assertThat(merged.quantile(0.99, true)).isEqualTo(all.quantile(0.99, true));
  }

  @Test
  void weightsCountTheTrafficASpanStandsFor() {
    LatencyHistogram histogram = new LatencyHistogram();
    // 10 fast spans sampled at 1 (weight 1), 10 slow ones sampled at 1 % (weight 100).
    for (int i = 0; i < 10; i++) {
      histogram.record(1_000, 1);
      histogram.record(100_000, 100);
    }
    assertThat(histogram.count()).isEqualTo(20);
    assertThat(histogram.weightedCount()).isEqualTo(1_010);
    assertThat(histogram.quantile(0.5, false)).isCloseTo(1_000, within(25.0));
    // Of the traffic, 1000 of 1010 calls were slow.
    assertThat(histogram.quantile(0.5, true)).isCloseTo(100_000, within(2_200.0));
    assertThat(histogram.countAtOrBelow(10_000, false)).isEqualTo(10);
    assertThat(histogram.countAtOrBelow(10_000, true)).isEqualTo(10);
    assertThat(new LatencyHistogram().quantile(0.5, true)).isNaN();
  }

  @Test
  void theEncodingRoundTripsAndIsCompact() {
    LatencyHistogram unweighted = new LatencyHistogram();
    for (double d : durations(11, 1_000)) {
      unweighted.record(d, 1);
    }
    byte[] bytes = unweighted.encode();
    assertThat(LatencyHistogram.decode(bytes)).isEqualTo(unweighted);
    // A flags byte, a count, and about two bytes per non-empty bucket.
    assertThat(bytes.length).isLessThan(400);

    LatencyHistogram weighted = new LatencyHistogram();
    weighted.record(250, 1);
    weighted.record(250, 20);
    weighted.record(9_000, 2.5);
    LatencyHistogram decoded = LatencyHistogram.decode(weighted.encode());
    assertThat(decoded.count()).isEqualTo(3);
    assertThat(decoded.weightedCount()).isEqualTo(23.5);
    assertThat(decoded.quantile(1, true)).isEqualTo(weighted.quantile(1, true));
    assertThat(LatencyHistogram.decode(new LatencyHistogram().encode()).count()).isZero();
  }

  @Test
  void oneSamplingProbabilityIsStoredOnceNotPerBucket() {
    LatencyHistogram unweighted = new LatencyHistogram();
    LatencyHistogram atTenPercent = new LatencyHistogram();
    LatencyHistogram mixed = new LatencyHistogram();
    for (double d : durations(12, 500)) {
      unweighted.record(d, 1);
      atTenPercent.record(d, 10);
      mixed.record(d, d < 5_000 ? 10 : 4);
    }
    byte[] uniform = atTenPercent.encode();
    // The unweighted bytes and one float: the weights are the counts times 10.
    assertThat(uniform).hasSize(unweighted.encode().length + 4);
    LatencyHistogram decoded = LatencyHistogram.decode(uniform);
    assertThat(decoded).isEqualTo(atTenPercent);
    assertThat(decoded.weightedCount()).isCloseTo(5_000, within(1e-6));
    assertThat(decoded.quantile(0.9, true)).isEqualTo(atTenPercent.quantile(0.9, true));
    assertThat(decoded.countAtOrBelow(5_000, true))
        .isCloseTo(atTenPercent.countAtOrBelow(5_000, true), within(1e-6));
    // Weights that are no one factor of the counts keep a float per bucket, as before.
    byte[] perBucket = mixed.encode();
    assertThat(perBucket[0]).isEqualTo((byte) 1);
    assertThat(LatencyHistogram.decode(perBucket)).isEqualTo(mixed);
    assertThat(LatencyHistogram.decode(perBucket).weightedCount())
        .isCloseTo(mixed.weightedCount(), within(1e-3));
    // Merged, a uniform histogram is exact again: minutes of one probability make an hour.
    LatencyHistogram hour = LatencyHistogram.decode(uniform);
    hour.merge(LatencyHistogram.decode(uniform));
    assertThat(hour.encode()).hasSize(uniform.length);
    assertThat(hour.weightedCount()).isCloseTo(10_000, within(1e-6));
    // A bad factor is refused.
    byte[] broken = uniform.clone();
    broken[1] = (byte) 0xff; // a NaN's exponent
    broken[2] = (byte) 0xc0;
    assertThatThrownBy(() -> LatencyHistogram.decode(broken))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void bytesThatAreNoHistogramAreRefused() {
    LatencyHistogram histogram = new LatencyHistogram();
    histogram.record(100, 1);
    histogram.record(5_000, 1);
    byte[] good = histogram.encode();
    assertThatThrownBy(() -> LatencyHistogram.decode(Arrays.copyOf(good, good.length - 1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LatencyHistogram.decode(Arrays.copyOf(good, good.length + 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes after");
    assertThatThrownBy(() -> LatencyHistogram.decode(new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LatencyHistogram.decode(new byte[] {0, 1, (byte) 0xff, 0x7f, 1}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
  }
}
