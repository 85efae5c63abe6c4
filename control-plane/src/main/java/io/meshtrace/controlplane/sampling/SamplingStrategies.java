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
  private final double defaultProbability;
  private final SamplingStrategyResponse defaultStrategy;
  private final Map<String, SamplingStrategyResponse> services;

  private SamplingStrategies(SamplingStrategiesDocument document, double defaultProbability,
      SamplingStrategyResponse defaultStrategy, Map<String, SamplingStrategyResponse> services) {
    this.document = document;
    this.defaultProbability = defaultProbability;
    this.defaultStrategy = defaultStrategy;
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
    Objects.requireNonNull(document, "document");
    if (!(defaultProbability >= 0 && defaultProbability <= 1)) {
      throw new IllegalArgumentException("default probability " + defaultProbability
          + " is outside [0,1]");
    }
    Resolver resolver = new Resolver(defaultProbability);
    SamplingStrategyResponse defaultStrategy = document.defaultStrategy() == null
        ? resolver.strategy(null)
        : resolver.service(document.defaultStrategy());
    Map<String, SamplingStrategyResponse> services = new LinkedHashMap<>();
    for (ServiceSamplingStrategy service : document.serviceStrategies()) {
      services.put(service.service(), resolver.withDefaultOperations(
          resolver.service(service), defaultStrategy));
    }
    return new SamplingStrategies(document, defaultProbability, defaultStrategy,
        Map.copyOf(services));
  }

  /** The strategy served to {@code service}: its own, else the default. */
  public SamplingStrategyResponse forService(String service) {
    return services.getOrDefault(service, defaultStrategy);
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
    return defaultProbability;
  }

  /** Services with a strategy of their own. */
  public Set<String> services() {
    return services.keySet();
  }

  /** Jaeger's {@code parseServiceStrategies}, {@code parseStrategy} and the merge. */
  private record Resolver(double defaultProbability) {
    SamplingStrategyResponse strategy(SamplingStrategy strategy) {
      if (strategy == null) {
        return probabilistic(defaultProbability);
      }
      return switch (strategy.type()) {
        case PROBABILISTIC -> probabilistic(strategy.param());
        // Jaeger converts with int32(param): the fraction is dropped.
        case RATE_LIMITING -> SamplingStrategyResponse.newBuilder()
            .setStrategyType(SamplingStrategyType.RATE_LIMITING)
            .setRateLimitingSampling(RateLimitingSamplingStrategy.newBuilder()
                .setMaxTracesPerSecond((int) strategy.param()))
            .build();
      };
    }

    SamplingStrategyResponse service(ServiceSamplingStrategy service) {
      SamplingStrategyResponse response = strategy(service.strategy());
      if (service.operationStrategies().isEmpty()) {
        return response;
      }
      PerOperationSamplingStrategies.Builder operations = PerOperationSamplingStrategies
          .newBuilder()
          .setDefaultSamplingProbability(response.hasProbabilisticSampling()
              ? response.getProbabilisticSampling().getSamplingRate() : defaultProbability);
      for (io.meshtrace.controlplane.sampling.OperationSamplingStrategy operation
          : service.operationStrategies()) {
        SamplingStrategyResponse strategy = strategy(operation.strategy());
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
