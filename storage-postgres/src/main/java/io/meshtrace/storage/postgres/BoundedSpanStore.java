package io.meshtrace.storage.postgres;

import io.meshtrace.model.TraceId;
import io.meshtrace.storage.DependencyLink;
import io.meshtrace.storage.LinkedDependencies;
import io.meshtrace.storage.SpanName;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.StorageUnavailableException;
import io.meshtrace.storage.TraceQuery;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Every read answered in bounded time: {@code statement_timeout} ends a slow query on the
 * server, but a server that hangs (stopped, its host unreachable) ends nothing, and a query API
 * request would wait with it. Past the bound, a read fails as storage unavailable (503).
 */
final class BoundedSpanStore implements SpanStore {
  private final SpanStore reads;
  private final long timeoutMillis;

  /** @param timeout longer than the statement timeout, so that the server's own comes first */
  BoundedSpanStore(SpanStore reads, Duration timeout) {
    this.reads = reads;
    this.timeoutMillis = timeout.toMillis();
  }

  private <T> Future<T> bounded(Future<T> read) {
    return read.timeout(timeoutMillis, TimeUnit.MILLISECONDS).recover(failure ->
        Future.failedFuture(failure instanceof java.util.concurrent.TimeoutException
            ? new StorageUnavailableException("storage did not answer within " + timeoutMillis
                + " ms", failure)
            : failure));
  }

  @Override
  public Future<List<ResourceSpans>> getTrace(TraceId traceId) {
    return bounded(reads.getTrace(traceId));
  }

  @Override
  public Future<List<List<ResourceSpans>>> getTraces(List<TraceId> traceIds) {
    return bounded(reads.getTraces(traceIds));
  }

  @Override
  public Future<List<TraceId>> findTraceIds(TraceQuery query) {
    return bounded(reads.findTraceIds(query));
  }

  @Override
  public Future<List<String>> getServiceNames() {
    return bounded(reads.getServiceNames());
  }

  @Override
  public Future<List<SpanName>> getOperations(String serviceName, Integer spanKind) {
    return bounded(reads.getOperations(serviceName, spanKind));
  }

  @Override
  public Future<List<String>> getRemoteServiceNames(String serviceName) {
    return bounded(reads.getRemoteServiceNames(serviceName));
  }

  @Override
  public Future<List<DependencyLink>> getDependencies(Instant start, Instant end) {
    return bounded(reads.getDependencies(start, end));
  }

  @Override
  public Future<LinkedDependencies> getLinkedDependencies(Instant start, Instant end) {
    return bounded(reads.getLinkedDependencies(start, end));
  }

  @Override
  public Future<List<String>> getTagKeys() {
    return bounded(reads.getTagKeys());
  }

  @Override
  public Future<List<String>> getTagValues(String key) {
    return bounded(reads.getTagValues(key));
  }
}
