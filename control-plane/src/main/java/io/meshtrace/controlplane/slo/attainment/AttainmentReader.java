package io.meshtrace.controlplane.slo.attainment;

import io.meshtrace.controlplane.slo.Objective;
import io.meshtrace.controlplane.slo.ServedObjective;
import io.meshtrace.controlplane.slo.alerts.BurnRateAlert;
import io.meshtrace.metrics.SpanMetricsQuery;
import io.meshtrace.metrics.SpanMetricsSeries;
import io.meshtrace.metrics.SpanMetricsStore;
import io.meshtrace.tenant.Tenant;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Computes objectives' attainment from the RED metrics in storage: each window in hour steps
 * (hourly rollups, and the minutes of hours not rolled up yet), the burn-rate windows of the
 * workbook's alerts ({@link BurnRateAlert#WINDOWS}) up to 6 hours in minute steps, the longer
 * ones (1 and 3 days) in the hour steps read for the window. Objectives that share a span kind
 * (and window) are read together, one query for all their services, so a page of objectives
 * costs a few queries rather than a few per objective. The minutes still being counted at
 * ingest (the current one, and the one before while late spans may come) are not in storage
 * yet, so the windows end a minute or two ago.
 */
public final class AttainmentReader {
  /** Burn-rate windows up to this long are read in minute steps. */
  static final Duration MINUTE_STEPS_UP_TO = Duration.ofHours(6);
  private static final Duration LONGEST_BURN = BurnRateAlert.WINDOWS.get(
      BurnRateAlert.WINDOWS.size() - 1);

  private final SpanMetricsStore store;
  private final Clock clock;
  /** The oldest instant retention keeps. */
  private final Supplier<Instant> keptSince;

  public AttainmentReader(SpanMetricsStore store, Clock clock, Supplier<Instant> keptSince) {
    this.store = store;
    this.clock = clock;
    this.keptSince = keptSince;
  }

  private record WindowKey(int spanKind, Duration window) {}

  /**
   * @param tenant whose traffic: the objectives must be ones this tenant may see
   * @param sampled count the spans as stored rather than the traffic they stand for
   * @return in the order given
   */
  public Future<List<Attainment>> read(Tenant tenant, List<ServedObjective> objectives,
      boolean sampled) {
    Instant now = clock.instant();
    Map<WindowKey, List<Objective>> byWindow = new LinkedHashMap<>();
    Map<Integer, List<Objective>> byKind = new LinkedHashMap<>();
    for (ServedObjective served : objectives) {
      Objective objective = served.objective();
      byWindow.computeIfAbsent(new WindowKey(objective.spanKind(), objective.window()),
          k -> new ArrayList<>()).add(objective);
      byKind.computeIfAbsent(objective.spanKind(), k -> new ArrayList<>()).add(objective);
    }
    Map<WindowKey, Future<List<SpanMetricsSeries>>> windows = new LinkedHashMap<>();
    // The hours read for a window cover the longest burn-rate window too.
    byWindow.forEach((key, group) -> windows.put(key, store.read(new SpanMetricsQuery(tenant,
        services(group), Set.of(key.spanKind()), true,
        now.minus(longer(key.window(), LONGEST_BURN)), now, Duration.ofHours(1)))));
    Map<Integer, Future<List<SpanMetricsSeries>>> burns = new LinkedHashMap<>();
    byKind.forEach((kind, group) -> burns.put(kind, store.read(new SpanMetricsQuery(tenant,
        services(group), Set.of(kind), true, now.minus(MINUTE_STEPS_UP_TO), now,
        SpanMetricsStore.MIN_STEP))));
    List<Future<?>> all = new ArrayList<>(windows.values());
    all.addAll(burns.values());
    Instant kept = keptSince.get();
    return Future.all(all).map(done -> {
      List<Attainment> attainments = new ArrayList<>();
      for (ServedObjective served : objectives) {
        Objective objective = served.objective();
        List<SpanMetricsSeries> window = windows.get(new WindowKey(objective.spanKind(),
            objective.window())).result();
        List<SpanMetricsSeries> burn = burns.get(objective.spanKind()).result();
        Instant from = now.minus(objective.window()).truncatedTo(ChronoUnit.HOURS);
        Map<Duration, CallCounts> burnWindows = new LinkedHashMap<>();
        for (Duration burnWindow : BurnRateAlert.WINDOWS) {
          boolean minutes = burnWindow.compareTo(MINUTE_STEPS_UP_TO) <= 0;
          Instant since = now.minus(burnWindow)
              .truncatedTo(minutes ? ChronoUnit.MINUTES : ChronoUnit.HOURS);
          burnWindows.put(burnWindow, CallCounts.of(objective, minutes ? burn : window, since,
              sampled));
        }
        attainments.add(new Attainment(served, from, now, !from.isBefore(kept), sampled,
            CallCounts.of(objective, window, from, sampled), burnWindows));
      }
      return attainments;
    });
  }

  private static Duration longer(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static List<String> services(List<Objective> objectives) {
    Set<String> services = new TreeSet<>();
    objectives.forEach(objective -> services.add(objective.service()));
    return List.copyOf(services);
  }
}
