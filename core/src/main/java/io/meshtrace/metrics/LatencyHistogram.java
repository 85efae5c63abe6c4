package io.meshtrace.metrics;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Span durations in a base-2 exponential histogram (OpenTelemetry's exponential histogram at
 * scale {@value #SCALE}: {@value #BUCKETS_PER_DOUBLING} buckets for each doubling, bucket
 * {@code i} holding durations in (base<sup>i</sup>, base<sup>i+1</sup>] microseconds, base
 * 2<sup>1/16</sup>). A quantile is read as the middle of its bucket, within
 * {@link #RELATIVE_ERROR} (2.2 %) of a duration that was recorded; durations of 1 µs and less
 * share bucket 0. Histograms of the same series merge by adding buckets, so minutes add up to
 * hours, and replicas' rows to one answer.
 *
 * <p>Every bucket has the number of spans recorded in it and, when any span had a sampling
 * weight other than 1, the sum of their weights: the traffic those spans stand for.
 *
 * <p>Not thread-safe.
 */
public final class LatencyHistogram {
  public static final int SCALE = 4;
  public static final int BUCKETS_PER_DOUBLING = 1 << SCALE;
  public static final double BASE = Math.pow(2, 1.0 / BUCKETS_PER_DOUBLING);
  /** The most a quantile read from the histogram is off, relative to a recorded duration. */
  public static final double RELATIVE_ERROR = (BASE - 1) / (BASE + 1);
  /** The bucket of durations of an hour and more: longer ones are counted there. */
  static final int MAX_INDEX =
      (int) Math.ceil(Math.log(3_600_000_000d) / Math.log(2) * BUCKETS_PER_DOUBLING) - 1;

  /** Flags: each bucket's count is followed by its weight (a float). */
  private static final byte HAS_WEIGHTS = 1;
  /**
   * Flags: every bucket's weight is its count times one factor, a float right after the flags
   * (a series whose spans all had the same sampling probability: a quarter of the bytes).
   */
  private static final byte UNIFORM_WEIGHT = 2;
  /** How far a bucket's weight may be from its count times the factor and still be uniform. */
  private static final double UNIFORM_TOLERANCE = 1e-9;

  private int offset;
  private long[] counts = new long[0];
  /** Null while every weight was 1, the weighted counts then being {@link #counts}. */
  private double[] weights;
  private long total;
  private double weightedTotal;

  /** {@link #lower} of every bucket and the one after the last: found, not computed, per span. */
  private static final double[] LOWER = new double[MAX_INDEX + 2];

  static {
    for (int i = 0; i < LOWER.length; i++) {
      LOWER[i] = Math.pow(2, (double) i / BUCKETS_PER_DOUBLING);
    }
  }

  /** The bucket of a duration in microseconds: i where lower(i) < micros <= lower(i + 1). */
  public static int index(double micros) {
    if (!(micros > 1)) {
      return 0;
    }
    // The doubling from the float's exponent, the bucket within it by a search of its 16
    // bounds: no logarithm per span. lower(16 e) is 2^e exactly.
    int first = Math.getExponent(micros) * BUCKETS_PER_DOUBLING;
    if (first > MAX_INDEX) {
      return MAX_INDEX;
    }
    if (micros == LOWER[first]) {
      return first - 1;
    }
    int low = first;
    int high = Math.min(first + BUCKETS_PER_DOUBLING, MAX_INDEX + 1);
    while (high - low > 1) { // lower(low) < micros; micros <= lower(high), or high past the end
      int middle = (low + high) >>> 1;
      if (LOWER[middle] < micros) {
        low = middle;
      } else {
        high = middle;
      }
    }
    return low;
  }

  /** The lower bound of a bucket, exclusive, in microseconds. */
  public static double lower(int index) {
    return index >= 0 && index < LOWER.length ? LOWER[index]
        : Math.pow(2, (double) index / BUCKETS_PER_DOUBLING);
  }

  /** What a bucket's durations are read as: the middle of the bucket. */
  public static double representative(int index) {
    if (index == 0) {
      return 1;
    }
    return (lower(index) + lower(index + 1)) / 2;
  }

  /** Records one span of {@code micros}, standing for {@code weight} spans of the traffic. */
  public void record(double micros, double weight) {
    add(index(micros), 1, weight);
  }

  private void add(int index, long count, double weight) {
    ensure(index);
    int slot = index - offset;
    counts[slot] += count;
    total += count;
    weightedTotal += weight;
    if (weights == null && weight != count) {
      weights = new double[counts.length];
      for (int i = 0; i < counts.length; i++) {
        weights[i] = counts[i];
      }
      weights[slot] -= count;
    }
    if (weights != null) {
      weights[slot] += weight;
    }
  }

  private void ensure(int index) {
    if (counts.length == 0) {
      offset = index;
      counts = new long[1];
      weights = weights == null ? null : new double[1];
      return;
    }
    if (index >= offset && index < offset + counts.length) {
      return;
    }
    int from = Math.min(offset, index);
    int to = Math.max(offset + counts.length, index + 1);
    long[] grown = new long[to - from];
    System.arraycopy(counts, 0, grown, offset - from, counts.length);
    if (weights != null) {
      double[] grownWeights = new double[to - from];
      System.arraycopy(weights, 0, grownWeights, offset - from, weights.length);
      weights = grownWeights;
    }
    counts = grown;
    offset = from;
  }

  /** Adds another histogram's buckets to this one's. */
  public void merge(LatencyHistogram other) {
    if (other.counts.length == 0) {
      return;
    }
    // Grown once to cover the other's buckets, not a bucket at a time.
    ensure(other.offset);
    ensure(other.offset + other.counts.length - 1);
    for (int i = 0; i < other.counts.length; i++) {
      long count = other.counts[i];
      double weight = other.weights == null ? count : other.weights[i];
      if (count != 0 || weight != 0) {
        add(other.offset + i, count, weight);
      }
    }
  }

  /** Spans recorded. */
  public long count() {
    return total;
  }

  /** The traffic they stand for: the sum of their weights. */
  public double weightedCount() {
    return weightedTotal;
  }

  /**
   * The duration, in microseconds, below which a share {@code q} of the spans are (weighted:
   * of the traffic they stand for); NaN when nothing was recorded.
   */
  public double quantile(double q, boolean weighted) {
    double all = weighted ? weightedTotal : total;
    if (!(all > 0)) {
      return Double.NaN;
    }
    double rank = Math.max(0, Math.min(1, q)) * all;
    double seen = 0;
    int last = -1;
    for (int i = 0; i < counts.length; i++) {
      double inBucket = weighted && weights != null ? weights[i] : counts[i];
      if (inBucket <= 0) {
        continue;
      }
      last = i;
      seen += inBucket;
      if (seen >= rank) {
        return representative(offset + i);
      }
    }
    return representative(offset + last);
  }

  /**
   * The spans (weighted: the traffic) of {@code micros} or less, counting a bucket that holds
   * the threshold as below it when its middle is.
   */
  public double countAtOrBelow(double micros, boolean weighted) {
    double below = 0;
    for (int i = 0; i < counts.length; i++) {
      if (representative(offset + i) > micros) {
        break;
      }
      below += weighted && weights != null ? weights[i] : counts[i];
    }
    return below;
  }

  /**
   * The compact form kept in storage: a flags byte, the number of non-empty buckets, then for
   * each the distance from the previous one's index and its count (unsigned varints), and with
   * weights, each bucket's weighted count as a float.
   */
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8 + counts.length * 3);
    double factor = uniformWeight();
    boolean perBucket = weights != null && Double.isNaN(factor);
    if (perBucket) {
      out.write(HAS_WEIGHTS);
    } else if (weights != null && factor != 1) {
      out.write(UNIFORM_WEIGHT);
      float32(out, (float) factor);
    } else {
      out.write(0);
    }
    int buckets = 0;
    for (long count : counts) {
      buckets += count != 0 ? 1 : 0;
    }
    varint(out, buckets);
    int previous = 0;
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] == 0) {
        continue;
      }
      varint(out, offset + i - previous);
      previous = offset + i;
      varint(out, counts[i]);
      if (perBucket) {
        float32(out, (float) weights[i]);
      }
    }
    return out.toByteArray();
  }

  /** The factor every bucket's weight is its count times, 1 without weights, NaN if none. */
  private double uniformWeight() {
    if (weights == null || total == 0) {
      return 1;
    }
    double factor = weightedTotal / total;
    for (int i = 0; i < counts.length; i++) {
      if (Math.abs(weights[i] - counts[i] * factor) > UNIFORM_TOLERANCE * Math.max(1,
          weights[i])) {
        return Double.NaN;
      }
    }
    return factor;
  }

  private static void float32(ByteArrayOutputStream out, float value) {
    int bits = Float.floatToIntBits(value);
    out.write(bits >>> 24);
    out.write(bits >>> 16);
    out.write(bits >>> 8);
    out.write(bits);
  }

  /** @throws IllegalArgumentException when the bytes are not a histogram's encoding */
  public static LatencyHistogram decode(byte[] bytes) {
    // Read twice: once to check the bytes and find the buckets' range, once into arrays made
    // at their size (a week of hours is thousands of histograms: no arrays in between).
    Cursor in = new Cursor(bytes);
    int firstIndex = 0;
    int lastIndex = 0;
    long buckets;
    boolean weighted;
    double factor = 1;
    int bucketsAt;
    try {
      byte flags = bytes[in.at++];
      weighted = (flags & HAS_WEIGHTS) != 0;
      if ((flags & UNIFORM_WEIGHT) != 0) {
        factor = Float.intBitsToFloat(in.int32());
        if (weighted || !(factor > 0) || Double.isInfinite(factor)) {
          throw new IllegalArgumentException("a latency histogram with a bad weight");
        }
      }
      bucketsAt = in.at;
      buckets = in.varint();
      // Every bucket takes two bytes at least: more than that is no histogram.
      if (buckets < 0 || buckets > bytes.length / 2) {
        throw new IllegalArgumentException("a latency histogram cut short");
      }
      int index = 0;
      for (int b = 0; b < buckets; b++) {
        index += (int) in.varint();
        long count = in.varint();
        if (weighted) {
          if (in.at + 4 > bytes.length) {
            throw new IllegalArgumentException("a latency histogram cut short");
          }
          in.at += 4;
        }
        if (index > MAX_INDEX || index < 0 || count < 0) {
          throw new IllegalArgumentException("bucket " + index + " is out of range");
        }
        if (b == 0) {
          firstIndex = index;
        }
        lastIndex = index;
      }
    } catch (ArrayIndexOutOfBoundsException e) {
      throw new IllegalArgumentException("a latency histogram cut short", e);
    }
    if (in.at != bytes.length) {
      throw new IllegalArgumentException("bytes after a latency histogram");
    }
    LatencyHistogram histogram = new LatencyHistogram();
    if (buckets == 0) {
      return histogram;
    }
    long[] counts = new long[lastIndex - firstIndex + 1];
    boolean uniform = factor != 1;
    double[] bucketWeights = weighted || uniform ? new double[counts.length] : null;
    boolean ones = !uniform;
    long total = 0;
    double weightedTotal = 0;
    in.at = bucketsAt;
    in.varint();
    int index = 0;
    for (int b = 0; b < buckets; b++) {
      index += (int) in.varint();
      long count = in.varint();
      int slot = index - firstIndex;
      counts[slot] += count;
      total += count;
      if (weighted) {
        double weight = Float.intBitsToFloat(in.int32());
        bucketWeights[slot] += weight;
        weightedTotal += weight;
        ones &= weight == count;
      } else if (uniform) {
        double weight = count * factor;
        bucketWeights[slot] += weight;
        weightedTotal += weight;
      } else {
        weightedTotal += count;
      }
    }
    histogram.offset = firstIndex;
    histogram.counts = counts;
    histogram.total = total;
    histogram.weightedTotal = weightedTotal;
    if (bucketWeights != null && !ones) {
      histogram.weights = bucketWeights;
    }
    return histogram;
  }

  /** Where {@link #decode} is in its bytes. */
  private static final class Cursor {
    final byte[] bytes;
    int at;

    Cursor(byte[] bytes) {
      this.bytes = bytes;
    }

    int int32() {
      int value = (bytes[at] & 0xff) << 24 | (bytes[at + 1] & 0xff) << 16
          | (bytes[at + 2] & 0xff) << 8 | (bytes[at + 3] & 0xff);
      at += 4;
      return value;
    }

    long varint() {
      byte b = bytes[at++];
      if (b >= 0) { // most counts and every index step: one byte
        return b;
      }
      long value = b & 0x7f;
      for (int shift = 7; shift < 64; shift += 7) {
        b = bytes[at++];
        value |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          return value;
        }
      }
      throw new IllegalArgumentException("a varint longer than 10 bytes");
    }
  }

  private static void varint(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7fL) != 0) {
      out.write((int) (value & 0x7f) | 0x80);
      value >>>= 7;
    }
    out.write((int) value);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LatencyHistogram other && Arrays.equals(encode(), other.encode());
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encode());
  }

  @Override
  public String toString() {
    return "LatencyHistogram{count=" + total + ", weighted=" + weightedTotal + "}";
  }
}
