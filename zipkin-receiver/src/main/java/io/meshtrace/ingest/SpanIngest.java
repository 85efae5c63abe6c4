package io.meshtrace.ingest;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import java.util.List;

/**
 * The ingest pipeline as a receiver sees it.
 *
 * <p>The future succeeds once every span is committed to storage: only then may a receiver
 * answer 2xx or OK. It fails with an {@link IngestException} whose reason says what to answer;
 * after a failure none of the spans is stored.
 */
@FunctionalInterface
public interface SpanIngest {
  Future<Void> accept(List<ResourceSpans> resourceSpans, IngestSource source);
}
