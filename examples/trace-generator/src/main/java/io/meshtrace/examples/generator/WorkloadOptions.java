package io.meshtrace.examples.generator;

/**
 * The shape of the synthetic workload; with the same options the same traces are generated.
 *
 * @param services how many mesh services (edge-gateway, frontend, cart, ...), at least 1
 * @param depth the most services on one path from the edge gateway down, at least 1
 * @param fanOut the most children of one span, at least 1
 * @param errorRate the fraction of traces in which a span fails, in [0,1]
 * @param outlierRate the fraction of traces in which one span is 10-50 times slower, in [0,1]
 * @param seed fixes the topology and every trace
 */
public record WorkloadOptions(int services, int depth, int fanOut, double errorRate,
    double outlierRate, long seed) {
  public static final int MAX_SERVICES = 500;
  public static final int MAX_DEPTH = 20;
  public static final int MAX_FAN_OUT = 50;

  public WorkloadOptions {
    requireIn("services", services, 1, MAX_SERVICES);
    requireIn("depth", depth, 1, MAX_DEPTH);
    requireIn("fan-out", fanOut, 1, MAX_FAN_OUT);
    requireFraction("error-rate", errorRate);
    requireFraction("outlier-rate", outlierRate);
  }

  /** 8 services, 4 deep, fan-out 3, 5% errors, 2% outliers. */
  public static WorkloadOptions defaults(long seed) {
    return new WorkloadOptions(8, 4, 3, 0.05, 0.02, seed);
  }

  private static void requireIn(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new InvalidOptionException(name, "is " + value + " but must be between " + min
          + " and " + max);
    }
  }

  private static void requireFraction(String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new InvalidOptionException(name, "is " + value + " but must be a fraction in [0,1]");
    }
  }
}
