package io.meshtrace.query.zipkin;

import io.meshtrace.model.TraceId;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.zipkin.codec.OtlpToZipkin;
import io.vertx.core.Future;
import java.util.List;
import zipkin2.Span;

/** Traces by ID, as Zipkin spans. IDs are strict: a 64-bit ID does not find a 128-bit trace. */
public final class ZipkinTraceReader {
  private final SpanStore store;

  public ZipkinTraceReader(SpanStore store) {
    this.store = store;
  }

  /** The trace's spans; empty when it is unknown. */
  public Future<List<Span>> trace(TraceId traceId) {
    return store.getTrace(traceId).map(OtlpToZipkin::translate);
  }

  /** The traces of these IDs that exist, in the order of the IDs; unknown ones are left out. */
  public Future<List<List<Span>>> traces(List<TraceId> traceIds) {
    return store.getTraces(traceIds)
        .map(traces -> traces.stream().map(OtlpToZipkin::translate).toList());
  }
}
