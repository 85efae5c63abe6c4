package io.meshtrace.controlplane.sampling.adaptive;

import io.meshtrace.controlplane.sampling.Poller;
import io.meshtrace.controlplane.sampling.SamplingObserver;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.storage.sampling.AdaptiveProbabilityStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The adaptive sampling probabilities every replica serves, whichever replica calculated them
 * ({@link AdaptiveSamplingLeader}): read from the {@link AdaptiveProbabilityStore} every 15 s.
 */
public final class AdaptiveProbabilitiesPoller extends Poller<SamplingStrategies.Adaptive> {
  static final Duration INTERVAL = Duration.ofSeconds(15);

  private final AdaptiveProbabilityStore store;
  private final AdaptiveSamplingSettings settings;
  private final SamplingObserver observer;

  public AdaptiveProbabilitiesPoller(Vertx vertx, AdaptiveProbabilityStore store,
      AdaptiveSamplingSettings settings, SamplingObserver observer) {
    super(vertx, INTERVAL, "adaptive sampling probabilities");
    this.store = store;
    this.settings = settings;
    this.observer = observer;
  }

  @Override
  public String name() {
    return "adaptive sampling probabilities poller";
  }

  @Override
  protected Future<SamplingStrategies.Adaptive> fetch() {
    return store.read().map(read -> {
      Map<String, Map<String, Double>> byService = new HashMap<>();
      read.forEach((operation, probability) -> byService
          .computeIfAbsent(operation.service(), service -> new HashMap<>())
          .put(operation.operation(), probability));
      observer.adaptiveProbabilities(byService);
      return new SamplingStrategies.Adaptive(byService, settings.initialSamplingProbability(),
          settings.minSamplesPerSecond());
    });
  }
}
