package io.meshtrace.query.zipkin;

import io.meshtrace.storage.SpanStore;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import zipkin2.DependencyLink;

/**
 * Zipkin's dependency links over {@code [endTs - lookback, endTs]}. Storage counts calls per hour
 * as spans arrive, so the window is widened to the whole hours it touches.
 */
public final class ZipkinDependencies {
  private final SpanStore store;

  public ZipkinDependencies(SpanStore store) {
    this.store = store;
  }

  /**
   * @param endTs epoch milliseconds
   * @param lookback milliseconds
   */
  public Future<List<DependencyLink>> links(long endTs, long lookback) {
    return store.getDependencies(Instant.ofEpochMilli(endTs - lookback),
            Instant.ofEpochMilli(endTs))
        .map(ZipkinDependencies::lowercaseMerged);
  }

  /**
   * Zipkin's links are lowercase; names stored in other cases (from OpenTelemetry SDKs) would
   * otherwise show as two links of the same name, so their counts are added up.
   */
  private static List<DependencyLink> lowercaseMerged(
      List<io.meshtrace.storage.DependencyLink> stored) {
    Map<List<String>, long[]> counts = new TreeMap<>(
        Comparator.comparing((List<String> k) -> k.get(0)).thenComparing(k -> k.get(1)));
    for (io.meshtrace.storage.DependencyLink link : stored) {
      long[] c = counts.computeIfAbsent(List.of(link.parent().toLowerCase(Locale.ROOT),
          link.child().toLowerCase(Locale.ROOT)), k -> new long[2]);
      c[0] += link.callCount();
      c[1] += link.errorCount();
    }
    List<DependencyLink> links = new ArrayList<>(counts.size());
    counts.forEach((names, c) -> links.add(DependencyLink.newBuilder()
        .parent(names.get(0)).child(names.get(1)).callCount(c[0]).errorCount(c[1]).build()));
    return links;
  }
}
