package io.meshtrace.query.dependencies;

import io.meshtrace.model.TraceId;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.TraceQuery;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The dependency links of a time window, as Zipkin's {@code DependencyLinker} derives them from
 * whole traces. The closed hours already linked ({@link HourlyDependencyLinker}, a trace counted
 * in the hour of its first span) are read as stored; the rest of the window (its partial hours,
 * the hours not yet linked or written into since) is linked when asked, as Zipkin's in-memory
 * storage does: every trace with a span starting there is read whole and linked by {@link
 * TraceDependencyLinker}, but for those whose first span lies in a linked hour, which counted
 * there. So a span is in the links as soon as its write is acknowledged, a span sent twice counts
 * once and a trace that completes later is linked whole.
 *
 * <p>The cost of the part linked on read is reading its traces: their IDs in slices of at most
 * {@link #IDS_PER_SLICE} (a slice that fills up is halved, so none is left out), then the traces
 * {@link #TRACES_PER_READ} at a time, linked as they come so that only their counts stay in
 * memory. When that part holds more than {@link #MAX_TRACES} traces (a busy mesh's hours not yet
 * linked), it is answered from the links counted at ingest (span kind and direct parent, flushed
 * every 5 s), which approximate Zipkin's.
 */
public final class DependencyLinksReader {
  static final int IDS_PER_SLICE = 10_000;
  static final int TRACES_PER_READ = 500;
  /** The most traces linked on read; past it the part not linked reads the stored counts. */
  static final int MAX_TRACES = 200_000;
  /** A slice this short is not halved further (a millisecond of spans, however many). */
  static final Duration SHORTEST_SLICE = Duration.ofMillis(1);
  private static final Duration HOUR = Duration.ofHours(1);

  /** Links between services; {@code spelling} gives each lowercase name as storage holds it. */
  public record Links(List<zipkin2.DependencyLink> links, Map<String, String> spelling) {
    /** The links with the names as storage holds them (Jaeger's API lists services so). */
    public List<io.meshtrace.storage.DependencyLink> asStored() {
      return links.stream().map(link -> new io.meshtrace.storage.DependencyLink(
          spelling.getOrDefault(link.parent(), link.parent()),
          spelling.getOrDefault(link.child(), link.child()),
          link.callCount(), link.errorCount())).toList();
    }
  }

  /** A part of the window, both ends included. */
  private record Part(Instant start, Instant end) {}

  /** A link's services, in the order links are answered: by parent, then child. */
  private record Pair(String parent, String child) implements Comparable<Pair> {
    @Override
    public int compareTo(Pair other) {
      int c = parent.compareTo(other.parent);
      return c != 0 ? c : child.compareTo(other.child);
    }
  }

  private final SpanStore store;
  private final int maxTraces;

  public DependencyLinksReader(SpanStore store) {
    this(store, MAX_TRACES);
  }

  DependencyLinksReader(SpanStore store, int maxTraces) {
    this.store = store;
    this.maxTraces = maxTraces;
  }

  /**
   * The links of the traces that have a span starting in {@code [start, end]} (both included);
   * in the window's linked hours, of the traces whose first span starts there.
   */
  public Future<Links> links(Instant start, Instant end) {
    return store.getLinkedDependencies(start, end).compose(linked -> {
      List<Part> parts = notLinked(start, end, linked.hours());
      Set<Instant> linkedHours = new HashSet<>(linked.hours());
      Set<TraceId> ids = new LinkedHashSet<>();
      Future<Void> collected = Future.succeededFuture();
      for (Part part : parts) {
        collected = collected.compose(v -> collectIds(part.start(), part.end(), ids));
      }
      return collected.compose(v -> ids.size() > maxTraces ? stored(parts)
              : link(new ArrayList<>(ids), trace -> !linkedHours.contains(
                  hourOf(TraceDependencyLinker.firstStart(trace)))))
          .map(rest -> sum(rest, linked.links()));
    });
  }

  /** The parts of {@code [start, end]} outside the linked hours (sorted, each wholly inside). */
  private static List<Part> notLinked(Instant start, Instant end, List<Instant> linkedHours) {
    List<Part> parts = new ArrayList<>();
    Instant from = start;
    for (Instant hour : linkedHours) {
      if (hour.isAfter(from)) {
        parts.add(new Part(from, hour.minusNanos(1)));
      }
      from = hour.plus(HOUR);
    }
    if (!from.isAfter(end)) {
      parts.add(new Part(from, end));
    }
    return parts;
  }

  private static Instant hourOf(Instant instant) {
    return instant.truncatedTo(ChronoUnit.HOURS);
  }

  /** The links counted at ingest in the parts, named as Zipkin names them (lowercase). */
  private Future<Links> stored(List<Part> parts) {
    List<Future<List<io.meshtrace.storage.DependencyLink>>> reads = new ArrayList<>();
    for (Part part : parts) {
      reads.add(store.getDependencies(part.start(), part.end()));
    }
    return Future.all(reads).map(all -> {
      List<io.meshtrace.storage.DependencyLink> found = new ArrayList<>();
      for (Future<List<io.meshtrace.storage.DependencyLink>> read : reads) {
        found.addAll(read.result());
      }
      return sum(new Links(List.of(), Map.of()), found);
    });
  }

  /** {@code links} and the stored ones added, by lowercase name as Zipkin names them. */
  private static Links sum(Links links, List<io.meshtrace.storage.DependencyLink> stored) {
    if (stored.isEmpty()) {
      return links;
    }
    Map<Pair, zipkin2.DependencyLink> byPair = new TreeMap<>();
    Map<String, String> spelling = new HashMap<>(links.spelling());
    for (zipkin2.DependencyLink link : links.links()) {
      byPair.put(new Pair(link.parent(), link.child()), link);
    }
    for (io.meshtrace.storage.DependencyLink link : stored) {
      zipkin2.DependencyLink zipkin = zipkin2.DependencyLink.newBuilder().parent(link.parent())
          .child(link.child()).callCount(link.callCount()).errorCount(link.errorCount())
          .build();
      spelling.putIfAbsent(zipkin.parent(), link.parent());
      spelling.putIfAbsent(zipkin.child(), link.child());
      byPair.merge(new Pair(zipkin.parent(), zipkin.child()), zipkin, (a, b) -> a.toBuilder()
          .callCount(a.callCount() + b.callCount())
          .errorCount(a.errorCount() + b.errorCount()).build());
    }
    return new Links(List.copyOf(byPair.values()), Map.copyOf(spelling));
  }

  private Future<Void> collectIds(Instant start, Instant end, Set<TraceId> ids) {
    if (ids.size() > maxTraces) {
      return Future.succeededFuture();
    }
    return store.findTraceIds(new TraceQuery(null, null, null, Map.of(), null, null, start, end,
            IDS_PER_SLICE))
        .compose(found -> {
          Duration length = Duration.between(start, end);
          if (found.size() < IDS_PER_SLICE || length.compareTo(SHORTEST_SLICE) <= 0) {
            ids.addAll(found);
            return Future.succeededFuture();
          }
          // Full: there may be more; the two halves are each asked in full.
          Instant middle = start.plus(length.dividedBy(2));
          return collectIds(middle, end, ids)
              .compose(v -> collectIds(start, middle.minusNanos(1), ids));
        });
  }

  private Future<Links> link(List<TraceId> ids, Predicate<List<ResourceSpans>> counted) {
    TraceDependencyLinker linker = new TraceDependencyLinker();
    return readAndLink(store, ids, counted, linker, () -> false).map(v -> {
      List<zipkin2.DependencyLink> links = linker.links();
      Map<String, String> spelling = new HashMap<>();
      for (zipkin2.DependencyLink link : links) {
        spelling.put(link.parent(), linker.spelling(link.parent()));
        spelling.put(link.child(), linker.spelling(link.child()));
      }
      return new Links(links, Map.copyOf(spelling));
    });
  }

  /**
   * Reads the traces {@link #TRACES_PER_READ} at a time and links those {@code counted} accepts;
   * fails, without reading on, once {@code stopped} says so.
   */
  static Future<Void> readAndLink(SpanStore store, List<TraceId> ids,
      Predicate<List<ResourceSpans>> counted, TraceDependencyLinker linker,
      BooleanSupplier stopped) {
    ids = new ArrayList<>(ids);
    // IDs with the same lower 64 bits are one trace to Zipkin: they go in the same read.
    ids.sort(Comparator.comparingLong(TraceId::low).thenComparingLong(TraceId::high));
    Future<Void> reads = Future.succeededFuture();
    int from = 0;
    while (from < ids.size()) {
      int to = Math.min(ids.size(), from + TRACES_PER_READ);
      while (to < ids.size() && ids.get(to).low() == ids.get(to - 1).low()) {
        to++;
      }
      List<TraceId> chunk = ids.subList(from, to);
      reads = reads.compose(v -> stopped.getAsBoolean()
          ? Future.failedFuture(new IllegalStateException("stopped"))
          : store.getTraces(chunk).map(traces -> {
            for (List<ResourceSpans> trace : traces) {
              if (counted.test(trace)) {
                linker.add(trace);
              }
            }
            linker.linkAdded();
            return null;
          }));
      from = to;
    }
    return reads;
  }
}
