package io.meshtrace.storage;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import java.util.List;

/**
 * Where receivers hand spans to storage, in meshtrace's canonical model (OTLP).
 *
 * <p>The returned future succeeds only once every span of the call is committed, and fails
 * without having stored any of them: a call is never half-written. It fails with {@link
 * StorageUnavailableException} when the database cannot be reached, so that a receiver can answer
 * 503 / UNAVAILABLE and the client retries.
 */
public interface SpanConsumer {
  Future<Void> accept(List<ResourceSpans> resourceSpans);
}
