package io.meshtrace.query.zipkin;

import io.meshtrace.query.dependencies.DependencyLinksReader;
import io.meshtrace.storage.SpanStore;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import zipkin2.DependencyLink;

/**
 * Zipkin's dependency links over {@code [endTs - lookback, endTs]}: those of every trace with a
 * span in the window, as Zipkin's in-memory storage links them (see {@link DependencyLinksReader}).
 */
public final class ZipkinDependencies {
  private final DependencyLinksReader reader;

  public ZipkinDependencies(SpanStore store) {
    this.reader = new DependencyLinksReader(store);
  }

  /**
   * @param endTs epoch milliseconds
   * @param lookback milliseconds
   */
  public Future<List<DependencyLink>> links(long endTs, long lookback) {
    // Zipkin compares a span's timestamp in whole milliseconds: all of endTs's millisecond is in.
    return reader.links(Instant.ofEpochMilli(endTs - lookback),
            Instant.ofEpochMilli(endTs).plusNanos(999_999))
        .map(DependencyLinksReader.Links::links);
  }
}
