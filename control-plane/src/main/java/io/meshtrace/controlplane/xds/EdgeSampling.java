package io.meshtrace.controlplane.xds;

import io.jaegertracing.api_v2.Sampling.OperationSamplingStrategy;
import io.jaegertracing.api_v2.Sampling.SamplingStrategyResponse;
import io.meshtrace.controlplane.sampling.ObservedTraffic;
import io.meshtrace.controlplane.sampling.SamplerType;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.controlplane.sampling.SamplingStrategiesDocument;
import io.meshtrace.controlplane.sampling.SamplingStrategy;
import io.meshtrace.controlplane.sampling.ServiceSamplingStrategy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
 * is served as rate / that operation's observed traces a second (by
 * {@link SamplingStrategies#resolve}, or here when the traffic was counted under Zipkin's
 * lowercased name), and before its traffic is seen the operation gets the entry's default, as
 * for SDKs.
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
      byOperation.put(operation, perMillion(operationProbability(strategies, strategy, traffic,
          service, operation, serviceProbability)));
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
    double observed = observed(traffic, service, null);
    return observed > 0 ? Math.min(1, rate / observed) : strategies.defaultProbability();
  }

  /**
   * Zipkin lowercases span names (zipkin2's {@code Span.Builder.name}), so the Envoy's
   * operations are counted, and adaptive sampling calculates them, in lower case while the
   * routes file and the strategies may say {@code GET /shop}: an exact match first, then one
   * that ignores case.
   */
  private static double operationProbability(SamplingStrategies strategies,
      SamplingStrategyResponse strategy, ObservedTraffic traffic, String service,
      String operation, double serviceProbability) {
    if (strategy.hasOperationSampling()) {
      List<OperationSamplingStrategy> listed =
          strategy.getOperationSampling().getPerOperationStrategiesList();
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
    }
    // A rate limit of the operation that the strategies could not turn into a probability
    // because the traffic was counted under the lowercased name.
    SamplingStrategy rateLimit = operationRateLimit(strategies.document(), service, operation);
    if (rateLimit != null) {
      double observed = observed(traffic, service, operation);
      if (observed > 0) {
        return Math.min(1, rateLimit.param() / observed);
      }
    }
    return serviceProbability;
  }

  private static SamplingStrategy operationRateLimit(SamplingStrategiesDocument document,
      String service, String operation) {
    for (ServiceSamplingStrategy entry : document.serviceStrategies()) {
      if (entry.service().equals(service)) {
        SamplingStrategy own = rateLimit(entry, operation);
        if (own != null || listed(entry, operation)) {
          return own;
        }
      }
    }
    // Jaeger merges the default's operation strategies into every service's.
    return document.defaultStrategy() == null ? null
        : rateLimit(document.defaultStrategy(), operation);
  }

  private static boolean listed(ServiceSamplingStrategy entry, String operation) {
    return entry.operationStrategies().stream()
        .anyMatch(own -> own.operation().equalsIgnoreCase(operation));
  }

  private static SamplingStrategy rateLimit(ServiceSamplingStrategy entry, String operation) {
    for (io.meshtrace.controlplane.sampling.OperationSamplingStrategy own
        : entry.operationStrategies()) {
      if (own.operation().equalsIgnoreCase(operation) && own.strategy() != null
          && own.strategy().type() == SamplerType.RATE_LIMITING) {
        return own.strategy();
      }
    }
    return null;
  }

  /** Traces a second, under the name as given or, failing that, lowercased as Zipkin stores it. */
  private static double observed(ObservedTraffic traffic, String service, String operation) {
    double exact = operation == null ? traffic.tracesPerSecond(service)
        : traffic.tracesPerSecond(service, operation);
    if (exact > 0) {
      return exact;
    }
    String lowerService = service.toLowerCase(Locale.ROOT);
    return operation == null ? traffic.tracesPerSecond(lowerService)
        : traffic.tracesPerSecond(lowerService, operation.toLowerCase(Locale.ROOT));
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
