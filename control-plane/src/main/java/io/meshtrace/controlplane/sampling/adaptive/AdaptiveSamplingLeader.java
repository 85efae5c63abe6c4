package io.meshtrace.controlplane.sampling.adaptive;

import io.meshtrace.controlplane.sampling.RootSpanThroughputReader;
import io.meshtrace.lifecycle.Component;
import io.meshtrace.storage.RootSpanThroughput;
import io.meshtrace.storage.sampling.AdaptiveProbabilityStore;
import io.meshtrace.storage.sampling.Leadership;
import io.meshtrace.storage.sampling.ServiceOperation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recalculates adaptive sampling probabilities every calculation interval, on one replica only:
 * the one holding the {@link Leadership}. Leadership goes with the holder's connection, so a
 * leader that dies or loses its database hands over at the next interval. Every replica reads
 * the result from the {@link AdaptiveProbabilityStore}.
 */
public final class AdaptiveSamplingLeader implements Component {
  private static final Logger LOG = LoggerFactory.getLogger(AdaptiveSamplingLeader.class);

  private final Vertx vertx;
  private final Leadership leadership;
  private final AdaptiveProbabilityStore probabilities;
  private final AdaptiveSamplingSettings settings;
  private final AdaptiveProbabilityCalculator calculator;
  private final RootSpanThroughputReader throughput;
  private final Clock clock;
  private volatile long timer = -1;
  private boolean running;

  public AdaptiveSamplingLeader(Vertx vertx, Leadership leadership,
      AdaptiveProbabilityStore probabilities, AdaptiveSamplingSettings settings,
      RootSpanThroughputReader throughput, Clock clock) {
    this.vertx = vertx;
    this.leadership = leadership;
    this.probabilities = probabilities;
    this.settings = settings;
    this.calculator = new AdaptiveProbabilityCalculator(settings);
    this.throughput = throughput;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "adaptive sampling leader";
  }

  /** Tries for the lead, and calculates when leading, every calculation interval. */
  @Override
  public Future<Void> start() {
    timer = vertx.setPeriodic(settings.calculationInterval().toMillis(), id -> runOnce());
    return Future.succeededFuture();
  }

  /** Whether this replica holds the lead. */
  public boolean isLeader() {
    return leadership.held();
  }

  /**
   * One round: take the lead if free, and if leading, calculate over the last interval's whole
   * minutes and store. Succeeds with whether this replica calculated.
   */
  public Future<Boolean> runOnce() {
    synchronized (this) {
      if (running) {
        return Future.succeededFuture(false);
      }
      running = true;
    }
    boolean wasLeader = leadership.held();
    return leadership.tryAcquire()
        .compose(leading -> {
          if (leading && !wasLeader) {
            LOG.info("This replica calculates adaptive sampling probabilities");
          }
          return leading ? calculate().map(true) : Future.succeededFuture(false);
        })
        .recover(failure -> {
          LOG.warn("Adaptive sampling round failed: {}", failure.toString());
          release();
          return Future.succeededFuture(false);
        })
        .onComplete(done -> {
          synchronized (this) {
            running = false;
          }
        });
  }

  /** Gives the lead up, for another replica to take. */
  public Future<Void> release() {
    return leadership.release();
  }

  private Future<Void> calculate() {
    Instant to = clock.instant().truncatedTo(ChronoUnit.MINUTES);
    Instant from = to.minus(settings.calculationInterval());
    double seconds = settings.calculationInterval().toMillis() / 1000.0;
    return Future.all(probabilities.read(), throughput.read(from, to)).compose(all -> {
      Map<ServiceOperation, Double> previous = all.resultAt(0);
      List<RootSpanThroughput> counts = all.resultAt(1);
      Map<ServiceOperation, double[]> sampled = new HashMap<>();
      Map<ServiceOperation, Set<Double>> reported = new HashMap<>();
      for (RootSpanThroughput count : counts) {
        ServiceOperation key = new ServiceOperation(count.service(), count.operation());
        sampled.computeIfAbsent(key, k -> new double[1])[0] += count.rootSpans();
        Set<Double> probabilities = reported.computeIfAbsent(key, k -> new HashSet<>());
        if (count.samplerType().equals("probabilistic")) {
          probabilities.add(count.samplerParam());
        }
      }
      Map<ServiceOperation, AdaptiveProbabilityCalculator.Observed> observed = new HashMap<>();
      sampled.forEach((key, spans) -> observed.put(key, new AdaptiveProbabilityCalculator.Observed(
          spans[0] / seconds, reported.get(key))));
      return probabilities.write(calculator.calculate(previous, observed), clock.instant());
    });
  }

  /** Stops calculating and gives the lead up, so that another replica takes it at once. */
  @Override
  public Future<Void> stop() {
    vertx.cancelTimer(timer);
    return release();
  }
}
