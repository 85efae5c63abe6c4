package io.meshtrace.ingest;

import io.meshtrace.storage.InvalidSpanException;
import io.meshtrace.storage.SpanChecker;
import io.meshtrace.storage.SpanSink;
import io.meshtrace.storage.StorageOverloadedException;
import io.meshtrace.storage.StorageUnavailableException;
import io.meshtrace.tenant.SpanTenant;
import io.meshtrace.tenant.Tenant;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Between every receiver and storage. For each request: refuse it when it brings too many spans
 * or when the spans in flight would go over the bound (429 / RESOURCE_EXHAUSTED: the client
 * retries later, nothing is dropped silently); apply the attribute limits; refuse spans storage
 * cannot hold (one by one for OTLP, the whole request for Zipkin); mark the rest as the request's
 * tenant's ({@link SpanTenant}: a mark a client sent is dropped), hand them to the writer and
 * report once they are committed.
 */
public final class IngestPipeline implements SpanIngest {
  /** How long a client should wait when the pipeline is full. */
  static final Duration OVERLOADED_RETRY_AFTER = Duration.ofSeconds(1);
  /** How long a client should wait when storage is unreachable. */
  static final Duration UNAVAILABLE_RETRY_AFTER = Duration.ofSeconds(5);

  private final SpanSink sink;
  private final SpanSanitizer sanitizer;
  private final IngestLimits limits;
  private final IngestObserver observer;
  private final AtomicLong inFlight = new AtomicLong();

  public IngestPipeline(SpanSink sink, SpanChecker checker, IngestLimits limits,
      IngestObserver observer) {
    this.sink = sink;
    this.sanitizer = new SpanSanitizer(checker, limits);
    this.limits = limits;
    this.observer = observer;
  }

  /** Spans accepted and not yet committed. */
  public long spansInFlight() {
    return inFlight.get();
  }

  @Override
  public Future<IngestResult> accept(List<ResourceSpans> request, IngestSource source,
      Tenant tenant) {
    long spans = countSpans(request);
    observer.received(source, spans);
    if (spans == 0) {
      return Future.succeededFuture(IngestResult.accepted(0));
    }
    if (spans > limits.maxSpansPerRequest()) {
      observer.rejected(source, SpanRejection.TOO_MANY_SPANS, spans);
      return Future.failedFuture(new IngestException(IngestException.Reason.TOO_LARGE,
          "request has " + spans + " spans, more than the limit of "
              + limits.maxSpansPerRequest() + "; send smaller batches"));
    }
    if (inFlight.addAndGet(spans) > limits.maxSpansInFlight()) {
      inFlight.addAndGet(-spans);
      observer.rejected(source, SpanRejection.OVERLOADED, spans);
      return Future.failedFuture(new IngestException(IngestException.Reason.OVERLOADED,
          "meshtrace is at its bound of " + limits.maxSpansInFlight()
              + " spans in flight; retry later", OVERLOADED_RETRY_AFTER, null));
    }
    Future<IngestResult> result;
    try {
      result = sanitizeAndWrite(request, source, tenant);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result
        .onComplete(done -> inFlight.addAndGet(-spans))
        .recover(failure -> {
          if (failure instanceof CountedRefusal counted) {
            return Future.failedFuture(counted.refusal);
          }
          IngestException refused = map(failure);
          observer.rejected(source, metricReason(refused), spans);
          return Future.failedFuture(refused);
        });
  }

  private Future<IngestResult> sanitizeAndWrite(List<ResourceSpans> request, IngestSource source,
      Tenant tenant) {
    SpanSanitizer.Outcome outcome = sanitizer.sanitize(request);
    if (outcome.attributesDropped() > 0) {
      observer.attributesDropped(outcome.attributesDropped());
    }
    if (outcome.valuesTruncated() > 0) {
      observer.valuesTruncated(outcome.valuesTruncated());
    }
    if (outcome.stringsCleaned() > 0) {
      observer.stringsCleaned(outcome.stringsCleaned());
    }
    if (outcome.linksDropped() > 0) {
      observer.linksDropped(outcome.linksDropped());
    }
    long rejected = outcome.rejectedSpans();
    if (rejected > 0 && !source.partialSuccess()) {
      // Counted by reason here, so accept()'s recover() passes the refusal on uncounted.
      for (Map.Entry<SpanRejection, Long> reason : outcome.rejectedByReason().entrySet()) {
        observer.rejected(source, reason.getKey(), reason.getValue());
      }
      if (outcome.keptSpans() > 0) {
        observer.rejected(source, SpanRejection.INVALID_REQUEST, outcome.keptSpans());
      }
      return Future.failedFuture(new CountedRefusal(new IngestException(
          IngestException.Reason.INVALID, rejected + " invalid span(s), nothing stored: "
              + outcome.firstProblem())));
    }
    for (Map.Entry<SpanRejection, Long> reason : outcome.rejectedByReason().entrySet()) {
      observer.rejected(source, reason.getKey(), reason.getValue());
    }
    if (outcome.keptSpans() == 0) {
      return Future.succeededFuture(new IngestResult(0, rejected, outcome.firstProblem()));
    }
    // After sanitizing, so that the attribute limits can never cut the tenant's mark off.
    List<ResourceSpans> kept = SpanTenant.assign(outcome.kept(), tenant);
    if (source.partialSuccess()) {
      return sink.acceptEach(kept).map(written -> {
        long stored = outcome.keptSpans() - written.rejectedSpans();
        if (stored > 0) {
          observer.accepted(source, stored);
        }
        if (written.rejectedSpans() > 0) {
          observer.rejected(source, SpanRejection.INVALID, written.rejectedSpans());
        }
        String problem = outcome.firstProblem().isEmpty() ? written.firstRejection()
            : outcome.firstProblem();
        return new IngestResult(stored, rejected + written.rejectedSpans(), problem);
      });
    }
    return sink.accept(kept).map(v -> {
      observer.accepted(source, outcome.keptSpans());
      return new IngestResult(outcome.keptSpans(), rejected, outcome.firstProblem());
    });
  }

  private static long countSpans(List<ResourceSpans> request) {
    long spans = 0;
    for (ResourceSpans resourceSpans : request) {
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        spans += scopeSpans.getSpansCount();
      }
    }
    return spans;
  }

  /** A refusal whose spans are already counted by reason. */
  private static final class CountedRefusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final IngestException refusal;

    CountedRefusal(IngestException refusal) {
      super(refusal.getMessage(), null, false, false);
      this.refusal = refusal;
    }
  }

  private static SpanRejection metricReason(IngestException refused) {
    return switch (refused.reason()) {
      case UNAVAILABLE -> SpanRejection.UNAVAILABLE;
      case INVALID -> SpanRejection.INVALID;
      case OVERLOADED -> SpanRejection.OVERLOADED;
      case TOO_LARGE -> SpanRejection.TOO_LARGE;
      case INTERNAL, UNSUPPORTED_MEDIA_TYPE -> SpanRejection.INTERNAL;
    };
  }

  private static IngestException map(Throwable failure) {
    if (failure instanceof IngestException refused) {
      return refused;
    }
    if (failure instanceof InvalidSpanException invalid) {
      return new IngestException(IngestException.Reason.INVALID, invalid.getMessage());
    }
    if (failure instanceof StorageOverloadedException overloaded) {
      return new IngestException(IngestException.Reason.OVERLOADED, overloaded.getMessage(),
          OVERLOADED_RETRY_AFTER, overloaded);
    }
    if (failure instanceof StorageUnavailableException unavailable) {
      return new IngestException(IngestException.Reason.UNAVAILABLE, unavailable.getMessage(),
          UNAVAILABLE_RETRY_AFTER, unavailable);
    }
    return new IngestException(IngestException.Reason.INTERNAL,
        "internal error: " + failure.getMessage(), null, failure);
  }

  @Override
  public void requestRefused(IngestSource source, IngestException.Reason reason) {
    observer.requestRefused(source, reason);
  }
}
