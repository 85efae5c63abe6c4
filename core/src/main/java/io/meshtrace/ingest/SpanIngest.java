package io.meshtrace.ingest;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import java.util.List;

/**
 * The ingest pipeline as a receiver sees it.
 *
 * <p>The future succeeds once every accepted span is committed to storage: only then may a
 * receiver answer 2xx or OK; the result counts spans refused for their content when the source
 * allows partial success. It fails with an {@link IngestException} whose reason says what to
 * answer; after a failure none of the spans is stored.
 */
@FunctionalInterface
public interface SpanIngest {
  Future<IngestResult> accept(List<ResourceSpans> resourceSpans, IngestSource source);

  /**
   * Tells the pipeline that a receiver refused a request before decoding its spans (malformed,
   * too large, an unsupported media type), so that it is counted.
   */
  default void requestRefused(IngestSource source, IngestException.Reason reason) {}
}
