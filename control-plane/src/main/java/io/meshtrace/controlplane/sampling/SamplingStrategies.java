package io.meshtrace.controlplane.sampling;

import io.jaegertracing.api_v2.Sampling.OperationSamplingStrategy;
import io.jaegertracing.api_v2.Sampling.PerOperationSamplingStrategies;
import io.jaegertracing.api_v2.Sampling.ProbabilisticSamplingStrategy;
import io.jaegertracing.api_v2.Sampling.RateLimitingSamplingStrategy;
import io.jaegertracing.api_v2.Sampling.SamplingStrategyResponse;
import io.jaegertracing.api_v2.Sampling.SamplingStrategyType;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The strategy each service is served, resolved from a {@link SamplingStrategiesDocument} by
 * Jaeger's rules. Immutable: a new document makes a new instance, which a
 * {@link SamplingStrategySource} publishes whole, so a request never sees half of a change.
 *
 * <p>The rules are those of Jaeger's file provider ({@code
 * internal/sampling/samplingstrategy/file/provider.go}, {@code parseStrategies}):
 *
 * <ul>
 *   <li>A service listed in {@code service_strategies} gets its own strategy (exact, case-sensitive
 *       match); any other service gets the default strategy.
 *   <li>No {@code default_strategy}: the default is probabilistic at the default sampling
 *       probability (0.001 unless configured otherwise).
 *   <li>An entry with operation strategies gets {@code operationSampling} whose
 *       {@code defaultSamplingProbability} is the entry's own probability when it is
 *       probabilistic, else the default sampling probability. Rate-limiting operation strategies
 *       are left out, since the protocol carries only probabilities per operation.
 *   <li>When the default strategy has operation strategies, a service without any of its own
 *       gets a copy of the default's, with its own probability as
 *       {@code defaultSamplingProbability} when it is probabilistic (a rate-limiting service keeps
 *       the default's); a service with some gets its own first, then the default's whose
 *       operation it does not list.
 *   <li>An entry with neither type nor param is probabilistic at the default sampling
 *       probability.
 * </ul>
 */
public final class SamplingStrategies {
  /** Jaeger's default sampling probability, when nothing else is configured. */
  public static final double JAEGER_DEFAULT_PROBABILITY = 0.001;

  private final SamplingStrategiesDocument document;
  private final Resolver resolver;
  private final SamplingStrategyResponse defaultStrategy;
  /**
   * Whether the default strategy a service without an entry gets depends on that service's
   * traffic (it has a rate limit and traffic is known), so it is resolved per service.
   */
  private final boolean defaultPerService;
  private final Map<String, SamplingStrategyResponse> services;

  private SamplingStrategies(SamplingStrategiesDocument document, Resolver resolver,
      SamplingStrategyResponse defaultStrategy, boolean defaultPerService,
      Map<String, SamplingStrategyResponse> services) {
    this.document = document;
    this.resolver = resolver;
    this.defaultStrategy = defaultStrategy;
    this.defaultPerService = defaultPerService;
    this.services = services;
  }

  /** Jaeger's built-in strategies: every service probabilistic at {@code defaultProbability}. */
  public static SamplingStrategies builtIn(double defaultProbability) {
    return resolve(SamplingStrategiesDocument.EMPTY, defaultProbability);
  }

  /**
   * @param defaultProbability what an entry without a type, or a rate-limiting entry's
   *     operations, fall back to; Jaeger's {@code default_sampling_probability}
   */
  public static SamplingStrategies resolve(SamplingStrategiesDocument document,
      double defaultProbability) {
    return resolve(document, defaultProbability, null, null);
  }

  /**
   * Adaptive sampling's probabilities, by service and operation, and what goes with them.
   *
   * @param initialProbability served for operations not calculated yet
   * @param minSamplesPerSecond the lower bound every SDK samples at, per operation
   */
  public record Adaptive(Map<String, Map<String, Double>> probabilities,
      double initialProbability, double minSamplesPerSecond) {}

  /**
   * Jaeger's rules, and beyond them where traffic has been observed: what Jaeger's protocol cannot
   * carry is served as the probability that gives the rate asked for.
   *
   * <ul>
   *   <li>A service's fractional rate limit (0.5 traces a second): probabilistic at
   *       rate / observed traces per second (at most 1). Not yet observed: a rate limit of the
   *       rate rounded up (at least 1), so that its traffic gets seen.
   *   <li>An operation's rate limit, which Jaeger drops: that operation's probability, rate /
   *       its observed traces per second (at most 1). Not yet observed: left out, as in Jaeger.
   * </ul>
   *
   * <p>The traffic is that of the service served: the default strategy's rate limits, which
   * Jaeger's merge hands on (its operation strategies to every service, itself to a service
   * without an entry), become probabilities of each service's own traffic. Traffic is looked up
   * as {@link ObservedTraffic} does, under Zipkin's lowercased names too.
   *
   * <p>A rate limit is per SDK instance in Jaeger's protocol; one served as a probability holds
   * for the whole service, however many instances it runs.
   *
   * <p>With adaptive sampling, the services it has calculated are served its probabilities where
   * the document leaves them to it: a service without an entry, or whose entry has no type (then
   * the operations it lists keep their own strategies: manual overrides adaptive sampling
   * respects). A service with a typed entry is served as written.
   *
   * @param traffic null for Jaeger's rules exactly
   * @param adaptive null when adaptive sampling is off
   */
  public static SamplingStrategies resolve(SamplingStrategiesDocument document,
      double defaultProbability, ObservedTraffic traffic, Adaptive adaptive) {
    Objects.requireNonNull(document, "document");
    if (!(defaultProbability >= 0 && defaultProbability <= 1)) {
      throw new IllegalArgumentException("default probability " + defaultProbability
          + " is outside [0,1]");
    }
    Resolver resolver = new Resolver(document, defaultProbability, traffic);
    SamplingStrategyResponse defaultStrategy = resolver.defaultFor(null);
    boolean defaultPerService = traffic != null && document.defaultStrategy() != null
        && hasRateLimit(document.defaultStrategy());
    Map<String, SamplingStrategyResponse> services = new LinkedHashMap<>();
    for (ServiceSamplingStrategy service : document.serviceStrategies()) {
      services.put(service.service(), resolver.withDefaultOperations(
          resolver.service(service, service.service()), defaultPerService
              ? resolver.defaultFor(service.service()) : defaultStrategy));
    }
    if (adaptive != null) {
      Map<String, ServiceSamplingStrategy> entries = new java.util.HashMap<>();
      document.serviceStrategies().forEach(entry -> entries.put(entry.service(), entry));
      adaptive.probabilities().forEach((service, operations) -> {
        ServiceSamplingStrategy entry = entries.get(service);
        if (entry == null || entry.strategy() == null) {
          services.put(service, resolver.adaptive(operations, entry, adaptive));
        }
      });
    }
    return new SamplingStrategies(document, resolver, defaultStrategy, defaultPerService,
        Map.copyOf(services));
  }

  private static boolean hasRateLimit(ServiceSamplingStrategy entry) {
    return isRateLimit(entry.strategy()) || entry.operationStrategies().stream()
        .anyMatch(operation -> isRateLimit(operation.strategy()));
  }

  private static boolean isRateLimit(SamplingStrategy strategy) {
    return strategy != null && strategy.type() == SamplerType.RATE_LIMITING;
  }

  /** The strategy served to {@code service}: its own, else the default. */
  public SamplingStrategyResponse forService(String service) {
    SamplingStrategyResponse own = services.get(service);
    if (own != null) {
      return own;
    }
    return defaultPerService ? resolver.defaultFor(service) : defaultStrategy;
  }

  /**
   * The strategy served to {@code service} when the client cannot rate-limit, as the
   * edge-gateway Envoy cannot: {@link #forService}, with a rate limit of the whole service
   * turned into the probability that gives the rate, rate / the service's observed traces a
   * second (at most 1). Before any of its traffic is seen, the default sampling probability: a
   * limit must not be overrun on a guess, and the first sampled requests, each standing for
   * 1/probability requests when the client reports the probability it samples at, give the
   * estimate. Everything else, the operations' probabilities included, is as {@link
   * #forService} serves it.
   */
  public SamplingStrategyResponse forServiceWithoutRateLimiting(String service) {
    SamplingStrategyResponse served = forService(service);
    if (!served.hasRateLimitingSampling()) {
      return served;
    }
    Double probability = resolver.probabilityOfRate(
        served.getRateLimitingSampling().getMaxTracesPerSecond(), service, null);
    return served.toBuilder().clearRateLimitingSampling()
        .setStrategyType(SamplingStrategyType.PROBABILISTIC)
        .setProbabilisticSampling(ProbabilisticSamplingStrategy.newBuilder().setSamplingRate(
            probability == null ? resolver.defaultProbability() : probability))
        .build();
  }

  /** Whether {@code service} has a strategy of its own (else it gets the default). */
  public boolean hasOwnStrategy(String service) {
    return services.containsKey(service);
  }

  public SamplingStrategyResponse defaultStrategy() {
    return defaultStrategy;
  }

  /** The document these were resolved from. */
  public SamplingStrategiesDocument document() {
    return document;
  }

  public double defaultProbability() {
    return resolver.defaultProbability();
  }

  /** Services with a strategy of their own. */
  public Set<String> services() {
    return services.keySet();
  }

  /** Jaeger's {@code parseServiceStrategies}, {@code parseStrategy} and the merge. */
  private record Resolver(SamplingStrategiesDocument document, double defaultProbability,
      ObservedTraffic traffic) {
    /**
     * The probability that samples {@code rate} traces a second of what {@code service} (or its
     * {@code operation}) starts, at most 1: the one place a rate limit becomes a probability.
     *
     * @return null while none of that traffic has been seen, or it is not known
     */
    Double probabilityOfRate(double rate, String service, String operation) {
      if (traffic == null || service == null) {
        return null;
      }
      double observed = operation == null ? traffic.tracesPerSecond(service)
          : traffic.tracesPerSecond(service, operation);
      return observed > 0 ? Math.min(1, rate / observed) : null;
    }

    /**
     * The default strategy as {@code service} is served it.
     *
     * @param service null for no service in particular (no traffic is then looked up)
     */
    SamplingStrategyResponse defaultFor(String service) {
      return document.defaultStrategy() == null ? strategy(null, null, null)
          : service(document.defaultStrategy(), service);
    }

    /**
     * @param service whose traffic rate limits are turned into probabilities of; null for none
     * @param operation null for a service's own strategy
     */
    SamplingStrategyResponse strategy(SamplingStrategy strategy, String service,
        String operation) {
      if (strategy == null) {
        return probabilistic(defaultProbability);
      }
      if (strategy.type() == SamplerType.PROBABILISTIC) {
        return probabilistic(strategy.param());
      }
      double rate = strategy.param();
      if (operation != null) {
        Double probability = probabilityOfRate(rate, service, operation);
        // Unobserved: no strategy, the operation gets the default probability as in Jaeger.
        return probability != null ? probabilistic(probability) : rateLimiting(0);
      }
      if (traffic != null && service != null && rate != Math.rint(rate)) {
        Double probability = probabilityOfRate(rate, service, null);
        return probability != null ? probabilistic(probability)
            : rateLimiting((int) Math.max(1, Math.ceil(rate)));
      }
      // Jaeger converts with int32(param): the fraction is dropped.
      return rateLimiting((int) rate);
    }

    /** A service served by adaptive sampling, with the operations its entry overrides. */
    SamplingStrategyResponse adaptive(Map<String, Double> probabilities,
        ServiceSamplingStrategy overrides, Adaptive adaptive) {
      Map<String, Double> operations = new java.util.TreeMap<>(probabilities);
      if (overrides != null) {
        for (io.meshtrace.controlplane.sampling.OperationSamplingStrategy operation
            : overrides.operationStrategies()) {
          SamplingStrategyResponse own = strategy(operation.strategy(), overrides.service(),
              operation.operation());
          if (own.hasProbabilisticSampling()) {
            operations.put(operation.operation(), own.getProbabilisticSampling().getSamplingRate());
          }
        }
      }
      PerOperationSamplingStrategies.Builder perOperation = PerOperationSamplingStrategies
          .newBuilder()
          .setDefaultSamplingProbability(adaptive.initialProbability())
          .setDefaultLowerBoundTracesPerSecond(adaptive.minSamplesPerSecond());
      operations.forEach((operation, probability) -> perOperation.addPerOperationStrategies(
          OperationSamplingStrategy.newBuilder().setOperation(operation)
              .setProbabilisticSampling(ProbabilisticSamplingStrategy.newBuilder()
                  .setSamplingRate(probability))));
      return probabilistic(adaptive.initialProbability()).toBuilder()
          .setOperationSampling(perOperation).build();
    }

    private static SamplingStrategyResponse rateLimiting(int tracesPerSecond) {
      return SamplingStrategyResponse.newBuilder()
          .setStrategyType(SamplingStrategyType.RATE_LIMITING)
          .setRateLimitingSampling(RateLimitingSamplingStrategy.newBuilder()
              .setMaxTracesPerSecond(tracesPerSecond))
          .build();
    }

    /** @param servedAs the service whose traffic counts; null for none */
    SamplingStrategyResponse service(ServiceSamplingStrategy service, String servedAs) {
      SamplingStrategyResponse response = strategy(service.strategy(), servedAs, null);
      if (service.operationStrategies().isEmpty()) {
        return response;
      }
      PerOperationSamplingStrategies.Builder operations = PerOperationSamplingStrategies
          .newBuilder()
          .setDefaultSamplingProbability(response.hasProbabilisticSampling()
              ? response.getProbabilisticSampling().getSamplingRate() : defaultProbability);
      for (io.meshtrace.controlplane.sampling.OperationSamplingStrategy operation
          : service.operationStrategies()) {
        SamplingStrategyResponse strategy = strategy(operation.strategy(), servedAs,
            operation.operation());
        if (!strategy.hasProbabilisticSampling()) {
          continue; // rate-limiting: the protocol cannot say it per operation
        }
        operations.addPerOperationStrategies(OperationSamplingStrategy.newBuilder()
            .setOperation(operation.operation())
            .setProbabilisticSampling(strategy.getProbabilisticSampling()));
      }
      return response.toBuilder().setOperationSampling(operations).build();
    }

    /** The default's operation strategies applied to one service's, as Jaeger merges them. */
    SamplingStrategyResponse withDefaultOperations(SamplingStrategyResponse service,
        SamplingStrategyResponse defaults) {
      if (!defaults.hasOperationSampling()) {
        return service;
      }
      PerOperationSamplingStrategies defaultOperations = defaults.getOperationSampling();
      if (!service.hasOperationSampling()) {
        PerOperationSamplingStrategies.Builder copy = defaultOperations.toBuilder();
        if (service.hasProbabilisticSampling()) {
          copy.setDefaultSamplingProbability(service.getProbabilisticSampling().getSamplingRate());
        }
        return service.toBuilder().setOperationSampling(copy).build();
      }
      PerOperationSamplingStrategies own = service.getOperationSampling();
      Set<String> listed = new HashSet<>();
      for (OperationSamplingStrategy operation : own.getPerOperationStrategiesList()) {
        listed.add(operation.getOperation());
      }
      PerOperationSamplingStrategies.Builder merged = own.toBuilder();
      for (OperationSamplingStrategy operation : defaultOperations.getPerOperationStrategiesList()) {
        if (!listed.contains(operation.getOperation())) {
          merged.addPerOperationStrategies(operation);
        }
      }
      return service.toBuilder().setOperationSampling(merged).build();
    }

    private static SamplingStrategyResponse probabilistic(double probability) {
      return SamplingStrategyResponse.newBuilder()
          .setStrategyType(SamplingStrategyType.PROBABILISTIC)
          .setProbabilisticSampling(ProbabilisticSamplingStrategy.newBuilder()
              .setSamplingRate(probability))
          .build();
    }
  }

  @Override
  public String toString() {
    return "SamplingStrategies" + List.copyOf(services.keySet()) + " default " + defaultStrategy;
  }
}
