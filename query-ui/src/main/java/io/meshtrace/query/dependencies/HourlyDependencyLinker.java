package io.meshtrace.query.dependencies;

import io.meshtrace.lifecycle.Component;
import io.meshtrace.lifecycle.PeriodicTask;
import io.meshtrace.storage.DependencyLink;
import io.meshtrace.storage.DependencyLinkHours;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.SpanStores;
import io.meshtrace.storage.TraceQuery;
import io.meshtrace.storage.sampling.Leadership;
import io.meshtrace.tenant.Tenant;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Links each closed hour once, {@link DependencyLinkHours#LINK_DELAY} after it closed, from the
 * whole traces whose first span starts in it, with Zipkin's own linker ({@link
 * TraceDependencyLinker}), and stores the hour's links: what Zipkin's dependency jobs do per day,
 * per hour and by itself. Readers then take a long window's links from its hours
 * ({@link DependencyLinksReader}). Hours written into late are linked again; after a restart or
 * an upgrade the hours kept by retention that have no links are linked, the newest first, at the
 * first look (30 s after start).
 *
 * <p>One replica links (a {@link Leadership}); the others' readers use its hours. An hour's
 * traces are read a slice at a time (at most {@link DependencyLinksReader#IDS_PER_SLICE} IDs), so
 * a busy hour needs no more memory than a quiet one.
 */
public final class HourlyDependencyLinker implements Component {
  private static final Logger LOG = LoggerFactory.getLogger(HourlyDependencyLinker.class);
  /** How often the linker looks for hours to link. */
  static final Duration EVERY = Duration.ofSeconds(30);
  /** The most hours of a tenant a round links, so that the others' turn comes. */
  static final int HOURS_PER_ROUND = 6;
  private static final Duration HOUR = Duration.ofHours(1);

  private final DependencyLinkHours hours;
  private final SpanStores stores;
  private final Leadership leadership;
  private final Supplier<Instant> keptSince;
  private final Clock clock;
  private final PeriodicTask task;
  private volatile boolean stopped;
  private final AtomicLong linkedHours = new AtomicLong();
  private final AtomicLong failedHours = new AtomicLong();
  private final AtomicLong linkedTraces = new AtomicLong();

  /** @param keptSince the oldest instant retention keeps: older hours are not linked */
  public HourlyDependencyLinker(Vertx vertx, DependencyLinkHours hours, SpanStores stores,
      Leadership leadership, Supplier<Instant> keptSince, Clock clock) {
    this.hours = hours;
    this.stores = stores;
    this.leadership = leadership;
    this.keptSince = keptSince;
    this.clock = clock;
    this.task = new PeriodicTask(vertx, name(), EVERY, this::linkDue, false);
  }

  @Override
  public String name() {
    return "hourly dependency linking";
  }

  @Override
  public Future<Void> start() {
    stopped = false;
    return task.start();
  }

  @Override
  public Future<Void> stop() {
    stopped = true;
    return task.stop().compose(v -> leadership.release());
  }

  /** The hours linked since start. */
  public long linkedHours() {
    return linkedHours.get();
  }

  /** The hours whose linking failed since start (each is tried again at the next look). */
  public long failedHours() {
    return failedHours.get();
  }

  /** The traces linked into the hours linked since start. */
  public long linkedTraces() {
    return linkedTraces.get();
  }

  /**
   * Links every hour that is due, if this replica leads: in rounds that give each tenant up to
   * {@link #HOURS_PER_ROUND} of its newest due hours, each hour once, until a round links none.
   * An hour that fails is logged, counted and left for the next look. Succeeds with how many
   * hours it linked.
   */
  public Future<Integer> linkDue() {
    return leadership.tryAcquire().compose(leads -> !leads ? Future.succeededFuture(0)
        : hours.tenants().compose(tenants -> rounds(tenants, 0, new HashSet<>())));
  }

  /**
   * @param done the hours this look linked already: an hour written into late again and again
   *     (a Kafka backlog of old spans) is linked once a look, not once a round
   */
  private Future<Integer> rounds(List<Tenant> tenants, int linkedBefore,
      Set<Map.Entry<Tenant, Instant>> done) {
    Instant until = clock.instant().minus(DependencyLinkHours.LINK_DELAY)
        .truncatedTo(ChronoUnit.HOURS);
    Instant from = keptSince.get().truncatedTo(ChronoUnit.HOURS);
    Future<Integer> round = Future.succeededFuture(0);
    for (Tenant tenant : tenants) {
      round = round.compose(linked -> stopped ? Future.succeededFuture(linked)
          : hours.hoursToLink(tenant, from, until, HOURS_PER_ROUND)
              .compose(due -> linkEach(tenant, due, done))
              .map(more -> linked + more));
    }
    return round.compose(linked -> linked == 0 || stopped
        ? Future.succeededFuture(linkedBefore + linked)
        : rounds(tenants, linkedBefore + linked, done));
  }

  /** Links the tenant's due hours not linked yet this look; succeeds with how many it linked. */
  private Future<Integer> linkEach(Tenant tenant, List<Instant> due,
      Set<Map.Entry<Tenant, Instant>> done) {
    Future<Integer> each = Future.succeededFuture(0);
    for (Instant hour : due) {
      if (!done.add(Map.entry(tenant, hour))) {
        continue;
      }
      each = each.compose(linked -> stopped ? Future.succeededFuture(linked)
          : linkHour(tenant, hour).map(v -> linked + 1).recover(failure -> {
            if (!stopped) {
              LOG.warn("Could not link the dependency links of {}{}; tried again at the next "
                  + "look: {}", hour, tenant.isDefault() ? "" : " of tenant " + tenant.id(),
                  failure.toString());
            }
            return Future.succeededFuture(linked);
          }));
    }
    return each;
  }

  /** Links one hour of the tenant's now, due or not, and stores its links. */
  public Future<Void> linkHour(Tenant tenant, Instant hour) {
    long started = System.nanoTime();
    SpanStore store = stores.forTenant(tenant);
    TraceDependencyLinker linker = new TraceDependencyLinker();
    int[] traces = {0};
    return hours.writtenVersion(tenant, hour).compose(version ->
        linkSlice(store, linker, hour, hour.plus(HOUR).minusNanos(1), traces)
            .compose(v -> {
              List<DependencyLink> links = new ArrayList<>();
              for (zipkin2.DependencyLink link : linker.links()) {
                links.add(new DependencyLink(linker.spelling(link.parent()),
                    linker.spelling(link.child()), link.callCount(), link.errorCount()));
              }
              return hours.putLinks(tenant, hour, version, links);
            }))
        .onSuccess(v -> {
          linkedHours.incrementAndGet();
          linkedTraces.addAndGet(traces[0]);
          LOG.debug("Linked {}{}: {} traces in {} ms", hour,
              tenant.isDefault() ? "" : " of tenant " + tenant.id(), traces[0],
              (System.nanoTime() - started) / 1_000_000);
        })
        .onFailure(failure -> {
          if (!stopped) {
            failedHours.incrementAndGet();
          }
        });
  }

  /**
   * Links the traces whose first span starts in {@code [start, end]}: those found by a span
   * there, a slice that fills up halved.
   */
  private Future<Void> linkSlice(SpanStore store, TraceDependencyLinker linker, Instant start,
      Instant end, int[] traces) {
    return store.findTraceIds(new TraceQuery(null, null, null, Map.of(), null, null, start, end,
            DependencyLinksReader.IDS_PER_SLICE))
        .compose(found -> {
          Duration length = Duration.between(start, end);
          if (found.size() >= DependencyLinksReader.IDS_PER_SLICE
              && length.compareTo(DependencyLinksReader.SHORTEST_SLICE) > 0) {
            Instant middle = start.plus(length.dividedBy(2));
            return linkSlice(store, linker, start, middle.minusNanos(1), traces)
                .compose(v -> linkSlice(store, linker, middle, end, traces));
          }
          return DependencyLinksReader.readAndLink(store, found, trace -> {
            Instant first = TraceDependencyLinker.firstStart(trace);
            boolean counted = !first.isBefore(start) && !first.isAfter(end);
            if (counted) {
              traces[0]++;
            }
            return counted;
          }, linker, () -> stopped);
        });
  }
}
