package io.meshtrace.storage;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import java.util.List;

/**
 * Where the ingest pipeline hands a batch of spans, in meshtrace's canonical model (OTLP), to be
 * made durable: committed in PostgreSQL, or acknowledged by Kafka on the Kafka path.
 *
 * <p>The returned future succeeds only once every span of the call is durable, and fails
 * without having kept any of them: a call is never half-written. It fails with {@link
 * StorageUnavailableException} when the sink cannot be reached, so that a receiver can answer
 * 503 / UNAVAILABLE and the client retries, and with {@link InvalidSpanException} when a span's
 * content cannot be kept (400: retrying will not help).
 */
public interface SpanSink {
  Future<Void> accept(List<ResourceSpans> resourceSpans);

  /**
   * For callers that can report single spans refused (OTLP's partial success): when storage
   * refuses the call for its content, it stores what it can of it and reports the spans it
   * could not. Succeeds once every span but those is durable; fails as {@link #accept} does when
   * the sink cannot be reached (some spans may then be stored already: a retry stores them
   * twice rather than not at all). By default, all or nothing.
   */
  default Future<PartialWrite> acceptEach(List<ResourceSpans> resourceSpans) {
    return accept(resourceSpans).map(v -> PartialWrite.ALL_STORED);
  }
}
