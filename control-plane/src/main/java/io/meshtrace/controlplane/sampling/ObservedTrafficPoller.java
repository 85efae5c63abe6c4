package io.meshtrace.controlplane.sampling;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The traffic rate limits are served as probabilities of: the root spans every replica counted
 * over the last 5 whole minutes, re-read every 15 s.
 */
public final class ObservedTrafficPoller extends Poller<ObservedTraffic> {
  static final Duration INTERVAL = Duration.ofSeconds(15);
  static final Duration WINDOW = Duration.ofMinutes(5);

  private final RootSpanThroughputReader throughput;
  private final Clock clock;

  public ObservedTrafficPoller(Vertx vertx, RootSpanThroughputReader throughput, Clock clock) {
    super(vertx, INTERVAL, "root span throughput");
    this.throughput = throughput;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "observed traffic poller";
  }

  @Override
  protected Future<ObservedTraffic> fetch() {
    Instant to = clock.instant().truncatedTo(ChronoUnit.MINUTES);
    return throughput.read(to.minus(WINDOW), to)
        .map(counts -> ObservedTraffic.of(counts, WINDOW));
  }
}
