package io.meshtrace.storage.archive;

import io.meshtrace.model.TraceId;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import java.util.List;

/**
 * One tenant's archived traces: copies of traces that retention never drops, kept until they are
 * deleted (Jaeger's archive storage, filled by {@code POST /api/archive/{traceID}}). A copy is
 * self-contained OTLP, independent of the span tables, so that dropping a day's partition cannot
 * take any of it along.
 */
public interface TraceArchive {

  /**
   * Adds the spans to the trace's archived copy: the copy becomes the union of what it held and
   * these spans (a span both have is kept once), so archiving again after more spans arrived
   * loses nothing. Concurrent additions to the same trace are serialized by the storage.
   *
   * @param spans the trace's spans as the span store reads them; not empty
   * @return how many spans the archived copy holds now
   */
  Future<Integer> add(TraceId traceId, List<ResourceSpans> spans);

  /**
   * The archived copies of these traces that exist, in the order of the IDs, each grouped by
   * resource and scope as {@link io.meshtrace.storage.SpanStore#getTrace} groups them.
   */
  Future<List<List<ResourceSpans>>> getTraces(List<TraceId> traceIds);

  /** Deletes the trace's archived copy; false when there was none. */
  Future<Boolean> delete(TraceId traceId);
}
