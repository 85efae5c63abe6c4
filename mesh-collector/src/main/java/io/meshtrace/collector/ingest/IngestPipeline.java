package io.meshtrace.collector.ingest;

import io.meshtrace.ingest.IngestException;
import io.meshtrace.ingest.IngestSource;
import io.meshtrace.ingest.SpanIngest;
import io.meshtrace.storage.InvalidSpanException;
import io.meshtrace.storage.SpanConsumer;
import io.meshtrace.storage.StorageUnavailableException;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;

/**
 * Between every receiver and storage: hands spans to the storage writer and turns its failures
 * into the answers receivers give (400 for spans storage refuses, 503 with a retry hint when it
 * cannot be reached).
 */
public final class IngestPipeline implements SpanIngest {
  /** How long a client should wait before retrying when storage is unreachable. */
  static final Duration UNAVAILABLE_RETRY_AFTER = Duration.ofSeconds(5);

  private final SpanConsumer storage;

  public IngestPipeline(SpanConsumer storage) {
    this.storage = storage;
  }

  @Override
  public Future<Void> accept(List<ResourceSpans> resourceSpans, IngestSource source) {
    return storage.accept(resourceSpans).recover(failure -> Future.failedFuture(map(failure)));
  }

  static IngestException map(Throwable failure) {
    if (failure instanceof IngestException refused) {
      return refused;
    }
    if (failure instanceof InvalidSpanException invalid) {
      return new IngestException(IngestException.Reason.INVALID, invalid.getMessage());
    }
    if (failure instanceof StorageUnavailableException unavailable) {
      return new IngestException(IngestException.Reason.UNAVAILABLE, unavailable.getMessage(),
          UNAVAILABLE_RETRY_AFTER, unavailable);
    }
    return new IngestException(IngestException.Reason.INTERNAL,
        "internal error: " + failure.getMessage(), null, failure);
  }
}
