package io.meshtrace.controlplane.sampling.admin;

import io.meshtrace.controlplane.sampling.ObservedTraffic;
import io.meshtrace.controlplane.sampling.RootSpanThroughputReader;
import io.meshtrace.controlplane.sampling.SamplingObserver;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.controlplane.sampling.SamplingStrategiesOverlay;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.meshtrace.controlplane.sampling.adaptive.AdaptiveSamplingSettings;
import io.meshtrace.storage.sampling.ServiceOperation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The strategies served: those of a base source (the strategies file, or Jaeger's built-in
 * default) with the admin API's document over them ({@link SamplingStrategiesOverlay}). A change
 * made through this process is served at once; one made through another replica is picked up by
 * polling the newest version number every {@value #POLL_MILLIS} ms, within the second the
 * issue asks for, for one indexed read a poll.
 */
public final class AdminSamplingStrategySource implements SamplingStrategySource, AutoCloseable {
  static final long POLL_MILLIS = 500;
  private static final Logger LOG = LoggerFactory.getLogger(AdminSamplingStrategySource.class);

  /** The last combination served, recomputed when any part changes. */
  private record Combined(SamplingStrategies base, SamplingStrategyVersion api,
      ObservedTraffic traffic, SamplingStrategies.Adaptive adaptive,
      SamplingStrategies served) {}

  /** The adaptive probabilities every replica serves; null when adaptive sampling is off. */
  @FunctionalInterface
  public interface AdaptiveReader {
    Future<Map<ServiceOperation, Double>> read();
  }

  /** How often traffic is re-read, and over how many whole minutes before now. */
  static final long TRAFFIC_POLL_MILLIS = 15_000;
  static final Duration TRAFFIC_WINDOW = Duration.ofMinutes(5);

  private final Vertx vertx;
  private final SamplingStrategySource base;
  private final AdminStrategyVersions store;
  private final SamplingObserver observer;
  private volatile SamplingStrategyVersion api;
  private volatile Combined combined;
  private volatile String pollFailure;
  private volatile boolean polling;
  private final long timer;
  private final RootSpanThroughputReader throughput;
  private final java.time.Clock clock;
  private volatile ObservedTraffic traffic;
  private final AdaptiveReader adaptiveReader;
  private final AdaptiveSamplingSettings adaptiveSettings;
  private volatile SamplingStrategies.Adaptive adaptive;
  private long trafficTimer = -1;

  private AdminSamplingStrategySource(Vertx vertx, SamplingStrategySource base,
      AdminStrategyVersions store, SamplingObserver observer,
      SamplingStrategyVersion api, RootSpanThroughputReader throughput, java.time.Clock clock,
      AdaptiveReader adaptiveReader, AdaptiveSamplingSettings adaptiveSettings) {
    this.adaptiveReader = adaptiveReader;
    this.adaptiveSettings = adaptiveSettings;
    this.vertx = vertx;
    this.base = base;
    this.store = store;
    this.observer = observer;
    this.api = api;
    this.throughput = throughput;
    this.clock = clock;
    this.timer = vertx.setPeriodic(POLL_MILLIS, id -> poll());
  }

  /** Reads the newest API version, then serves and polls; no traffic: Jaeger's rules only. */
  public static Future<AdminSamplingStrategySource> start(Vertx vertx, SamplingStrategySource base,
      AdminStrategyVersions store, SamplingObserver observer) {
    return start(vertx, base, store, observer, null, java.time.Clock.systemUTC(), null, null);
  }

  /**
   * As {@link #start(Vertx, SamplingStrategySource, AdminStrategyVersions,
   * SamplingObserver)}, and serves rate limits Jaeger cannot carry (fractional, per operation) as
   * probabilities from the traffic {@code throughput} reports ({@link SamplingStrategies#resolve(
   * io.meshtrace.controlplane.sampling.SamplingStrategiesDocument, double, ObservedTraffic,
   * SamplingStrategies.Adaptive)}).
   */
  public static Future<AdminSamplingStrategySource> start(Vertx vertx, SamplingStrategySource base,
      AdminStrategyVersions store, SamplingObserver observer, RootSpanThroughputReader throughput,
      java.time.Clock clock, AdaptiveReader adaptive, AdaptiveSamplingSettings adaptiveSettings) {
    return store.latest().compose(latest -> {
      AdminSamplingStrategySource source = new AdminSamplingStrategySource(vertx, base, store,
          observer, latest, throughput, clock, adaptive, adaptiveSettings);
      if (throughput == null) {
        return Future.succeededFuture(source);
      }
      source.trafficTimer = vertx.setPeriodic(TRAFFIC_POLL_MILLIS, id -> source.readTraffic());
      return source.readTraffic().map(source);
    });
  }

  /**
   * Re-reads the traffic of the last whole minutes, and the adaptive probabilities; a failure
   * keeps the last read.
   */
  public Future<Void> readTraffic() {
    Instant to = clock.instant().truncatedTo(ChronoUnit.MINUTES);
    Future<Void> probabilities = adaptiveReader == null ? Future.succeededFuture()
        : adaptiveReader.read().map(read -> {
          Map<String, Map<String, Double>> byService = new java.util.HashMap<>();
          read.forEach((operation, probability) -> byService
              .computeIfAbsent(operation.service(), s -> new java.util.HashMap<>())
              .put(operation.operation(), probability));
          observer.adaptiveProbabilities(byService);
          adaptive = new SamplingStrategies.Adaptive(byService,
              adaptiveSettings.initialSamplingProbability(),
              adaptiveSettings.minSamplesPerSecond());
          return (Void) null;
        });
    return probabilities.compose(v -> throughput.read(to.minus(TRAFFIC_WINDOW), to))
        .map(counts -> {
          traffic = ObservedTraffic.of(counts, TRAFFIC_WINDOW);
          return (Void) null;
        })
        .recover(failure -> {
          LOG.warn("Cannot read root span throughput; keeping the last read: {}",
              failure.toString());
          return Future.succeededFuture();
        });
  }

  @Override
  public SamplingStrategies current() {
    SamplingStrategies baseStrategies = base.current();
    SamplingStrategyVersion apiVersion = api;
    ObservedTraffic observed = traffic;
    SamplingStrategies.Adaptive calculated = adaptive;
    Combined last = combined;
    if (last != null && last.base() == baseStrategies && last.api() == apiVersion
        && last.traffic() == observed && last.adaptive() == calculated) {
      return last.served();
    }
    SamplingStrategies served = apiVersion == null && observed == null && calculated == null
        ? baseStrategies
        : SamplingStrategies.resolve(apiVersion == null ? baseStrategies.document()
            : SamplingStrategiesOverlay.combine(baseStrategies.document(), apiVersion.document()),
            baseStrategies.defaultProbability(), observed, calculated);
    combined = new Combined(baseStrategies, apiVersion, observed, calculated, served);
    return served;
  }

  /**
   * The traffic last read (traces a second by service and operation), or null before the first
   * read or without a throughput reader. The xDS server serves rate limits to Envoy, which
   * cannot rate-limit, as probabilities of it.
   */
  public ObservedTraffic observedTraffic() {
    return traffic;
  }

  /** The base source's strategies alone, without the API's. */
  public SamplingStrategies base() {
    return base.current();
  }

  /** The newest API version this process knows; null when none was ever made. */
  public SamplingStrategyVersion apiVersion() {
    return api;
  }

  @Override
  public Status status() {
    Status baseStatus = base.status();
    SamplingStrategyVersion version = api;
    String failure = pollFailure;
    if (failure == null) {
      return baseStatus;
    }
    return new Status(true, "admin API changes cannot be read (" + failure
        + "); serving version " + (version == null ? "none" : version.version()) + "; "
        + baseStatus.detail());
  }

  /** A version this process just stored: served now, not at the next poll. */
  public void apply(SamplingStrategyVersion version) {
    synchronized (this) {
      SamplingStrategyVersion known = api;
      if (known == null || version.version() > known.version()) {
        api = version;
        observer.strategiesLoaded("api");
      }
    }
  }

  private void poll() {
    if (polling) {
      return; // a slow database: one poll at a time
    }
    polling = true;
    SamplingStrategyVersion known = api;
    store.latestVersionNumber()
        .compose(newest -> newest > (known == null ? 0 : known.version())
            ? store.latest().onSuccess(latest -> {
                if (latest != null) {
                  apply(latest);
                }
              }).mapEmpty()
            : Future.succeededFuture())
        .onComplete(done -> {
          polling = false;
          if (done.succeeded()) {
            if (pollFailure != null) {
              LOG.info("Admin API sampling strategies readable again");
            }
            pollFailure = null;
          } else {
            if (pollFailure == null) {
              LOG.warn("Cannot read admin API sampling strategies; serving the last read: {}",
                  done.cause().toString());
              observer.strategiesLoadFailed("api");
            }
            pollFailure = String.valueOf(done.cause().getMessage());
          }
        });
  }

  @Override
  public void close() {
    vertx.cancelTimer(timer);
    if (trafficTimer >= 0) {
      vertx.cancelTimer(trafficTimer);
    }
  }
}
