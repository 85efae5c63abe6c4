package io.meshtrace.examples.generator;

/** Seeds for independent random streams (topology, trace 0, trace 1, ...) from one seed. */
final class Mixing {
  private Mixing() {}

  /**
   * Seeds that differ by a small amount would give overlapping {@link java.util.SplittableRandom}
   * streams, so the seed and the stream number are scrambled (MurmurHash3's finalizer) first.
   */
  static long mix(long seed, long stream) {
    return fmix64(seed ^ fmix64(stream + 0x9E3779B97F4A7C15L));
  }

  static long fmix64(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb93fe53ec049L;
    h ^= h >>> 33;
    return h;
  }
}
