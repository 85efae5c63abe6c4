package io.meshtrace.query.dependencies;

import io.meshtrace.model.TraceId;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.TraceQuery;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dependency links of a time window, computed when they are asked for from the stored spans,
 * as Zipkin's in-memory storage does: every trace with a span starting in the window is read
 * whole (also its spans outside the window) and linked by {@link TraceDependencyLinker}. Nothing
 * is counted ahead, so a span is in the links as soon as its write is acknowledged, a span sent
 * twice counts once and a trace that completes later is linked whole.
 *
 * <p>The cost is reading every trace of the window: the trace IDs in slices of at most
 * {@link #IDS_PER_SLICE} (a slice that fills up is halved, so none is left out), then the
 * traces {@link #TRACES_PER_READ} at a time, linked as they come so that only their counts stay
 * in memory.
 *
 * <p>A window of more than {@link #MAX_TRACES} traces (a busy mesh's day) is not linked on read,
 * which would hold every ID and read every span: it is answered from the links counted at
 * ingest (span kind and direct parent, flushed every 5 s), which approximate Zipkin's.
 */
public final class DependencyLinksReader {
  static final int IDS_PER_SLICE = 10_000;
  static final int TRACES_PER_READ = 500;
  /** The most traces a window is linked from on read; larger windows read the stored links. */
  static final int MAX_TRACES = 200_000;
  /** A slice this short is not halved further (a millisecond of spans, however many). */
  private static final Duration SHORTEST_SLICE = Duration.ofMillis(1);

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
   * The links of the traces that have a span starting in {@code [start, end]} (both included).
   */
  public Future<Links> links(Instant start, Instant end) {
    Set<TraceId> ids = new LinkedHashSet<>();
    return collectIds(start, end, ids).compose(v -> ids.size() > maxTraces ? stored(start, end)
        : link(new ArrayList<>(ids)));
  }

  /** The links counted at ingest, named as Zipkin names them (lowercase). */
  private Future<Links> stored(Instant start, Instant end) {
    return store.getDependencies(start, end).map(found -> {
      List<zipkin2.DependencyLink> links = new ArrayList<>();
      Map<String, String> spelling = new java.util.HashMap<>();
      for (io.meshtrace.storage.DependencyLink link : found) {
        zipkin2.DependencyLink zipkin = zipkin2.DependencyLink.newBuilder().parent(link.parent())
            .child(link.child()).callCount(link.callCount()).errorCount(link.errorCount())
            .build();
        links.add(zipkin);
        spelling.putIfAbsent(zipkin.parent(), link.parent());
        spelling.putIfAbsent(zipkin.child(), link.child());
      }
      return new Links(links, Map.copyOf(spelling));
    });
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

  private Future<Links> link(List<TraceId> ids) {
    // IDs with the same lower 64 bits are one trace to Zipkin: they go in the same read.
    ids.sort(java.util.Comparator.comparingLong(TraceId::low).thenComparingLong(TraceId::high));
    TraceDependencyLinker linker = new TraceDependencyLinker();
    Future<Void> reads = Future.succeededFuture();
    int from = 0;
    while (from < ids.size()) {
      int to = Math.min(ids.size(), from + TRACES_PER_READ);
      while (to < ids.size() && ids.get(to).low() == ids.get(to - 1).low()) {
        to++;
      }
      List<TraceId> chunk = ids.subList(from, to);
      reads = reads.compose(v -> store.getTraces(chunk).map(traces -> {
        traces.forEach(linker::add);
        linker.linkAdded();
        return null;
      }));
      from = to;
    }
    return reads.map(v -> {
      List<zipkin2.DependencyLink> links = linker.links();
      Map<String, String> spelling = new java.util.HashMap<>();
      for (zipkin2.DependencyLink link : links) {
        spelling.put(link.parent(), linker.spelling(link.parent()));
        spelling.put(link.child(), linker.spelling(link.child()));
      }
      return new Links(links, Map.copyOf(spelling));
    });
  }
}
