package io.meshtrace.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * RED metrics of stored spans, added up per minute (of the span's start) and series until the
 * minute is closed, then taken for storage; and, when exported, added up since start-up for
 * Prometheus ({@link SpanMetricsExport}).
 *
 * <p><b>Weights.</b> A span stands for 1 / p spans of the traffic, p the probability its trace
 * was sampled with ({@link SamplingProbability}). OpenTelemetry's threshold is on every span;
 * Jaeger's sampler tags only on the root, which its clients report last (a root ends after its
 * children). So a span that does not say is weighted by what its trace said before (a bounded
 * cache of traces' probabilities) or, while its tenant has sent probabilities in the last ten
 * minutes (or is new), held back until its trace says or its minute closes, up to {@code
 * maxDeferredSpans}; a span whose trace never says counts 1, as stored (sidecars' spans carry
 * no probability, and their tenants' spans are no longer held back ten minutes on).
 *
 * <p><b>Cardinality.</b> Each service keeps at most {@code maxOperationsPerService}
 * operations, in the order they came; the others are counted as operation {@value #OTHER} and
 * in {@link #limitedSpans()}. Every hour, operations without a call in the past hour give up
 * their place.
 *
 * <p>Thread-safe: spans are recorded from the writer's threads, minutes taken by its flusher.
 */
public final class SpanMetricsAggregator {
  /** The operation the spans of operations past a service's bound are counted as. */
  public static final String OTHER = "other";
  private static final long MINUTE = 60_000;
  private static final long HOUR = 3_600_000;
  /** How long a tenant that sent a probability keeps its unsaying spans held back. */
  private static final long PROBABILITIES_LATELY = 10 * MINUTE;

  /**
   * @param maxOperationsPerService operations kept per service before {@value #OTHER}
   * @param closeAfter how long after its end a minute waits for late spans before it is taken
   * @param maxDeferredSpans spans held back for their trace's probability at most
   * @param maxTraces traces whose probability is remembered
   */
  public record Settings(int maxOperationsPerService, Duration closeAfter, int maxDeferredSpans,
      int maxTraces) {
    public Settings {
      if (maxOperationsPerService < 1) {
        throw new IllegalArgumentException("maxOperationsPerService must be 1 or more");
      }
    }
  }

  private record TraceKey(long high, long low) {}

  private record ServiceKey(String tenant, String service) {}

  private record Deferred(SpanMetricsKey key, int statusCode, double micros, boolean error) {}

  private static final class Operations {
    final Set<String> kept = new HashSet<>();
    final Set<String> calledThisHour = new HashSet<>();
  }

  private final Settings settings;
  private final LongSupplier clock;
  private final SpanMetricsExport export;
  /** Hashed for the per-span update (a tree compared three strings a level); sorted when taken. */
  private final Map<SpanMetricsKey, RedMetrics> open = new HashMap<>();
  private final Map<TraceKey, List<Deferred>> deferred = new HashMap<>();
  private int deferredSpans;
  private final Map<TraceKey, Double> traceProbabilities;
  private final Map<String, Long> tenantsSendingProbabilities = new HashMap<>();
  private final Map<ServiceKey, Operations> operations = new HashMap<>();
  private String lastTenant;
  private String lastService;
  private Operations lastOperations;
  private long hourStarted;
  private long spans;
  private long weightedSpans;
  private long limitedSpans;
  private long deferredOverflow;

  /** @param export where the spans' metrics are added up since start-up; null for nowhere */
  public SpanMetricsAggregator(Settings settings, LongSupplier clockMillis,
      SpanMetricsExport export) {
    this.settings = settings;
    this.clock = clockMillis;
    this.export = export;
    this.hourStarted = clockMillis.getAsLong();
    this.traceProbabilities = new LinkedHashMap<>(1024, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<TraceKey, Double> eldest) {
        return size() > settings.maxTraces();
      }
    };
  }

  /** A stored span as the aggregator reads it: what it needs, taken while the span was hot. */
  public interface StoredSpan {
    String tenant();

    String service();

    String operation();

    /** OTLP's span kind number. */
    int spanKind();

    /** OTLP's status code number (0 unset, 1 ok, 2 error). */
    int statusCode();

    long startMicros();

    /** Negative when it has none. */
    long durationMicros();

    long traceIdHigh();

    long traceIdLow();

    /** What the span says its trace was sampled with, or {@link SamplingProbability#UNKNOWN}. */
    double samplingProbability();
  }

  /**
   * Records the spans of one committed batch. The probabilities its traces say are taken
   * first, so that the spans that came with their trace's root are weighted at once rather
   * than held back (a Jaeger client reports a trace's spans of a process in one batch, the
   * root last).
   */
  public synchronized void recordAll(List<? extends StoredSpan> batch) {
    long now = clock.getAsLong();
    retireIdleOperations(now);
    int n = batch.size();
    for (int i = 0; i < n; i++) {
      StoredSpan span = batch.get(i);
      double probability = span.samplingProbability();
      if (probability > 0) {
        traceSaid(span.tenant(), new TraceKey(span.traceIdHigh(), span.traceIdLow()),
            probability, now);
      }
    }
    for (int i = 0; i < n; i++) {
      StoredSpan span = batch.get(i);
      recordOne(span.tenant(), span.service(), span.operation(), span.spanKind(),
          span.statusCode(), span.startMicros(), span.durationMicros(), span.traceIdHigh(),
          span.traceIdLow(), span.samplingProbability(), now);
    }
  }

  /**
   * Records one stored span.
   *
   * @param spanKind OTLP's span kind number
   * @param statusCode OTLP's status code number (0 unset, 1 ok, 2 error)
   * @param durationMicros its duration, negative when it has none
   * @param probability what the span says its trace was sampled with, or
   *     {@link SamplingProbability#UNKNOWN}
   */
  public void record(String tenant, String service, String operation, int spanKind,
      int statusCode, long startMicros, long durationMicros, long traceIdHigh, long traceIdLow,
      double probability) {
    recordAll(List.of(new Recorded(tenant, service, operation, spanKind, statusCode, startMicros,
        durationMicros, traceIdHigh, traceIdLow, probability)));
  }

  /** One span given field by field to {@link #record}. */
  private record Recorded(String tenant, String service, String operation, int spanKind,
      int statusCode, long startMicros, long durationMicros, long traceIdHigh, long traceIdLow,
      double samplingProbability) implements StoredSpan {}

  /** A trace said its probability: its held-back spans are weighted by it. */
  private void traceSaid(String tenant, TraceKey trace, double probability, long now) {
    tenantsSendingProbabilities.put(tenant, now);
    traceProbabilities.put(trace, probability);
    List<Deferred> waiting = deferred.remove(trace);
    if (waiting != null) {
      deferredSpans -= waiting.size();
      for (Deferred span : waiting) {
        add(span.key(), span.statusCode(), span.micros(), span.error(), 1 / probability, true);
      }
    }
  }

  private void recordOne(String tenant, String service, String operation, int spanKind,
      int statusCode, long startMicros, long durationMicros, long traceIdHigh, long traceIdLow,
      double probability, long now) {
    spans++;
    String kept = keptOperation(tenant, service, operation);
    SpanMetricsKey key = new SpanMetricsKey(Math.floorDiv(startMicros / 1000, MINUTE) * MINUTE,
        tenant, service, kept, spanKind);
    boolean error = statusCode == 2;
    if (probability > 0) {
      add(key, statusCode, durationMicros, error, 1 / probability, true);
      return;
    }
    TraceKey trace = new TraceKey(traceIdHigh, traceIdLow);
    Double known = traceProbabilities.get(trace);
    if (known != null) {
      add(key, statusCode, durationMicros, error, 1 / known, true);
      return;
    }
    // A tenant not seen before may well send probabilities (its first root is yet to come):
    // its spans are held back until it has gone PROBABILITIES_LATELY without any.
    long lately = tenantsSendingProbabilities.computeIfAbsent(tenant, t -> now);
    if (now - lately < PROBABILITIES_LATELY) {
      if (deferredSpans < settings.maxDeferredSpans()) {
        deferred.computeIfAbsent(trace, t -> new ArrayList<>(2))
            .add(new Deferred(key, statusCode, durationMicros, error));
        deferredSpans++;
        return;
      }
      deferredOverflow++;
    }
    add(key, statusCode, durationMicros, error, 1, false);
  }

  private void add(SpanMetricsKey key, int statusCode, double micros, boolean error,
      double weight, boolean weighted) {
    open.computeIfAbsent(key, k -> new RedMetrics()).record(micros, error, weight);
    if (weighted) {
      weightedSpans++;
    }
    if (export != null) {
      export.record(key.tenant(), key.service(), key.operation(), key.spanKind(), statusCode,
          micros, weight);
    }
  }

  private String keptOperation(String tenant, String service, String operation) {
    Operations known;
    // A batch's spans come a resource at a time, with the same name instances.
    if (tenant == lastTenant && service == lastService) {
      known = lastOperations;
    } else {
      known = operations.computeIfAbsent(new ServiceKey(tenant, service), s -> new Operations());
      lastTenant = tenant;
      lastService = service;
      lastOperations = known;
    }
    if (!known.kept.contains(operation)) {
      if (known.kept.size() >= settings.maxOperationsPerService()) {
        limitedSpans++;
        known.calledThisHour.add(OTHER);
        return OTHER;
      }
      known.kept.add(operation);
    }
    known.calledThisHour.add(operation);
    return operation;
  }

  private void retireIdleOperations(long now) {
    if (now - hourStarted < HOUR) {
      return;
    }
    hourStarted = now;
    lastService = null;
    for (Iterator<Operations> it = operations.values().iterator(); it.hasNext(); ) {
      Operations service = it.next();
      service.kept.retainAll(service.calledThisHour);
      service.calledThisHour.clear();
      if (service.kept.isEmpty()) {
        it.remove();
      }
    }
  }

  /**
   * Takes the minutes that ended {@code closeAfter} ago or earlier, their held-back spans
   * weighted by what their traces said meanwhile, or 1.
   */
  public synchronized SortedMap<SpanMetricsKey, RedMetrics> takeClosed() {
    // A minute that starts at m is closed from m + 1 min + closeAfter on.
    return take(clock.getAsLong() - MINUTE - settings.closeAfter().toMillis() + 1);
  }

  /** Takes every minute, open or not (when stopping). */
  public synchronized SortedMap<SpanMetricsKey, RedMetrics> takeAll() {
    return take(Long.MAX_VALUE);
  }

  private SortedMap<SpanMetricsKey, RedMetrics> take(long minutesBefore) {
    for (Iterator<Map.Entry<TraceKey, List<Deferred>>> it = deferred.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<TraceKey, List<Deferred>> trace = it.next();
      List<Deferred> waiting = trace.getValue();
      waiting.removeIf(span -> {
        if (span.key().minuteMillis() >= minutesBefore) {
          return false;
        }
        add(span.key(), span.statusCode(), span.micros(), span.error(), 1, false);
        deferredSpans--;
        return true;
      });
      if (waiting.isEmpty()) {
        it.remove();
      }
    }
    TreeMap<SpanMetricsKey, RedMetrics> taken = new TreeMap<>();
    for (Iterator<Map.Entry<SpanMetricsKey, RedMetrics>> it = open.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<SpanMetricsKey, RedMetrics> series = it.next();
      if (series.getKey().minuteMillis() < minutesBefore) {
        taken.put(series.getKey(), series.getValue());
        it.remove();
      }
    }
    return taken;
  }

  /** Puts back minutes that could not be stored, to go with the next ones. */
  public synchronized void putBack(SortedMap<SpanMetricsKey, RedMetrics> minutes) {
    minutes.forEach((key, metrics) -> open.merge(key, metrics, (a, b) -> {
      a.merge(b);
      return a;
    }));
  }

  /** Spans recorded. */
  public synchronized long spans() {
    return spans;
  }

  /** Spans weighted by a sampling probability their trace gave (the others count 1). */
  public synchronized long weightedSpans() {
    return weightedSpans;
  }

  /** Spans counted as operation {@value #OTHER}: their service had its operations' fill. */
  public synchronized long limitedSpans() {
    return limitedSpans;
  }

  /** Spans held back right now for their trace's probability. */
  public synchronized int deferredSpans() {
    return deferredSpans;
  }

  /** Spans that would have been held back but counted 1 at once: the bound was reached. */
  public synchronized long deferredOverflow() {
    return deferredOverflow;
  }
}
