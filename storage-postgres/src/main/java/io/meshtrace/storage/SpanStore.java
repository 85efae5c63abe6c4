package io.meshtrace.storage;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import java.util.List;

/** Reads traces back in the canonical model; the query APIs translate from it. */
public interface SpanStore {

  /**
   * All stored spans of one trace, grouped by the resource and instrumentation scope that
   * reported them, each group's spans in start-time order; an empty list when the trace is
   * unknown.
   */
  Future<List<ResourceSpans>> getTrace(TraceId traceId);

  /** The traces of these IDs that exist, in the order of the IDs, each as {@link #getTrace}. */
  Future<List<List<ResourceSpans>>> getTraces(List<TraceId> traceIds);
}
