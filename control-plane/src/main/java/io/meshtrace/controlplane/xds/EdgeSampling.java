package io.meshtrace.controlplane.xds;

import io.jaegertracing.api_v2.Sampling.OperationSamplingStrategy;
import io.jaegertracing.api_v2.Sampling.SamplingStrategyResponse;
import io.meshtrace.controlplane.sampling.ObservedTraffic;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The sampling the edge gateway is given: a probability per route operation, and one for requests
 * no route matches, in millionths, which is what Envoy's {@code FractionalPercent} with
 * denominator {@code MILLION} carries exactly. Two values are equal when Envoy would sample the
 * same, which is what decides whether a new snapshot is pushed.
 *
 * <p>Each probability is what the strategies resolve for service = the Envoy node's cluster and
 * operation = the route's operation, as the remote sampling endpoints would serve an SDK of that
 * service ({@link SamplingStrategies#forService}): an operation listed in
 * {@code operationSampling} gets its probability, any other the entry's
 * {@code defaultSamplingProbability}; without per-operation strategies, the service's probability.
 *
 * <p>Envoy cannot rate-limit. A rate limit of the service (a whole one stays a rate limit for
 * SDKs, as in Jaeger) is served to Envoy as rate / the service's observed traces a second; the
 * routes report the probability they were given as {@code sampler.param} (see
 * {@link EdgeGatewaySnapshot}), so the traffic counted at ingest is Envoy's true traffic, not the
 * sampled part of it. Before any traffic of the service is seen, the default sampling probability
 * is served: a rate limit must not be exceeded on a guess, and the first sampled requests, each
 * standing for 1/probability requests, give the traffic estimate. A rate limit of one operation
 * is already served as a probability by {@link SamplingStrategies#resolve} once its traffic is
 * seen, and before that the operation gets the default, as for SDKs.
 */
public record EdgeSampling(int defaultPerMillion, Map<String, Integer> perMillionByOperation) {
  public static final int MILLION = 1_000_000;

  public EdgeSampling {
    perMillionByOperation = java.util.Collections.unmodifiableMap(
        new LinkedHashMap<>(perMillionByOperation));
  }

  /**
   * @param traffic traces a second by service, as counted at ingest; {@link ObservedTraffic#NONE}
   *     when unknown
   */
  public static EdgeSampling resolve(SamplingStrategies strategies, ObservedTraffic traffic,
      String service, Collection<String> operations) {
    Objects.requireNonNull(traffic, "traffic");
    SamplingStrategyResponse strategy = strategies.forService(service);
    double serviceProbability = serviceProbability(strategy, strategies, traffic, service);
    Map<String, Integer> byOperation = new LinkedHashMap<>();
    for (String operation : operations) {
      byOperation.put(operation, perMillion(operationProbability(strategy, operation,
          serviceProbability)));
    }
    return new EdgeSampling(perMillion(serviceProbability), byOperation);
  }

  private static double serviceProbability(SamplingStrategyResponse strategy,
      SamplingStrategies strategies, ObservedTraffic traffic, String service) {
    if (strategy.hasOperationSampling()) {
      return strategy.getOperationSampling().getDefaultSamplingProbability();
    }
    if (strategy.hasProbabilisticSampling()) {
      return strategy.getProbabilisticSampling().getSamplingRate();
    }
    double rate = strategy.getRateLimitingSampling().getMaxTracesPerSecond();
    double observed = traffic.tracesPerSecond(service);
    return observed > 0 ? Math.min(1, rate / observed) : strategies.defaultProbability();
  }

  private static double operationProbability(SamplingStrategyResponse strategy, String operation,
      double serviceProbability) {
    if (strategy.hasOperationSampling()) {
      for (OperationSamplingStrategy own
          : strategy.getOperationSampling().getPerOperationStrategiesList()) {
        if (own.getOperation().equals(operation)) {
          return own.getProbabilisticSampling().getSamplingRate();
        }
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
