package io.meshtrace.controlplane.xds;

import io.jaegertracing.api_v2.Sampling.OperationSamplingStrategy;
import io.jaegertracing.api_v2.Sampling.SamplingStrategyResponse;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sampling the edge gateway is given: a probability per route operation, and one for requests
 * no route matches, in millionths, which is what Envoy's {@code FractionalPercent} with
 * denominator {@code MILLION} carries exactly. Two values are equal when Envoy would sample the
 * same, which is what decides whether a new snapshot is pushed.
 *
 * <p>Each probability is what the strategies serve service = the Envoy node's cluster, operation
 * = the route's operation, as an SDK of that service would be served, but as a client that
 * cannot rate-limit ({@link SamplingStrategies#forServiceWithoutRateLimiting}: every rate limit
 * there is already a probability of the observed traffic): an operation listed in
 * {@code operationSampling} gets its probability, any other the entry's
 * {@code defaultSamplingProbability}; without per-operation strategies, the service's
 * probability. The routes report the probability they were given as {@code sampler.param} (see
 * {@link EdgeGatewaySnapshot}), so the traffic counted at ingest is Envoy's true traffic, not the
 * sampled part of it.
 */
public record EdgeSampling(int defaultPerMillion, Map<String, Integer> perMillionByOperation) {
  public static final int MILLION = 1_000_000;

  public EdgeSampling {
    perMillionByOperation = java.util.Collections.unmodifiableMap(
        new LinkedHashMap<>(perMillionByOperation));
  }

  /** The probabilities {@code strategies} give {@code service}'s {@code operations}. */
  public static EdgeSampling resolve(SamplingStrategies strategies, String service,
      Collection<String> operations) {
    SamplingStrategyResponse strategy = strategies.forServiceWithoutRateLimiting(service);
    double serviceProbability = strategy.hasOperationSampling()
        ? strategy.getOperationSampling().getDefaultSamplingProbability()
        : strategy.getProbabilisticSampling().getSamplingRate();
    List<OperationSamplingStrategy> listed = strategy.hasOperationSampling()
        ? strategy.getOperationSampling().getPerOperationStrategiesList() : List.of();
    Map<String, Integer> byOperation = new LinkedHashMap<>();
    for (String operation : operations) {
      byOperation.put(operation, perMillion(operationProbability(listed, operation,
          serviceProbability)));
    }
    return new EdgeSampling(perMillion(serviceProbability), byOperation);
  }

  /**
   * An exact match first, then one that ignores case: adaptive sampling calculates the
   * operations as Zipkin stores them, lowercased ({@code get /shop}), while the routes file
   * says {@code GET /shop}.
   */
  private static double operationProbability(List<OperationSamplingStrategy> listed,
      String operation, double serviceProbability) {
    for (OperationSamplingStrategy own : listed) {
      if (own.getOperation().equals(operation)) {
        return own.getProbabilisticSampling().getSamplingRate();
      }
    }
    for (OperationSamplingStrategy own : listed) {
      if (own.getOperation().equalsIgnoreCase(operation)) {
        return own.getProbabilisticSampling().getSamplingRate();
      }
    }
    return serviceProbability;
  }

  /** Rounded to the nearest millionth, so 0.001 is exactly 1000 per million (0.1%). */
  static int perMillion(double probability) {
    return (int) Math.round(Math.max(0, Math.min(1, probability)) * MILLION);
  }

  /** Per million as a percentage for people: 1000 is "0.1%". */
  public static String percent(int perMillion) {
    return java.math.BigDecimal.valueOf(perMillion, 4).stripTrailingZeros().toPlainString() + "%";
  }

  /** What changed since {@code previous}, for the log: {@code GET /shop 10% -> 50%}. */
  public String changesSince(EdgeSampling previous) {
    List<String> changes = new ArrayList<>();
    if (previous == null) {
      perMillionByOperation.forEach((operation, perMillion) -> changes.add(operation + " "
          + percent(perMillion)));
      changes.add("unmatched requests " + percent(defaultPerMillion));
      return String.join(", ", changes);
    }
    perMillionByOperation.forEach((operation, perMillion) -> {
      Integer before = previous.perMillionByOperation.get(operation);
      if (before == null) {
        changes.add(operation + " " + percent(perMillion) + " (new route)");
      } else if (!before.equals(perMillion)) {
        changes.add(operation + " " + percent(before) + " -> " + percent(perMillion));
      }
    });
    if (previous.defaultPerMillion != defaultPerMillion) {
      changes.add("unmatched requests " + percent(previous.defaultPerMillion) + " -> "
          + percent(defaultPerMillion));
    }
    return changes.isEmpty() ? "unchanged" : String.join(", ", changes);
  }
}
