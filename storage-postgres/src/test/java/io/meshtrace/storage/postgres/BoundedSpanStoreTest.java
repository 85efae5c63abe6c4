package io.meshtrace.storage.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.model.TraceId;
import io.meshtrace.storage.DependencyLink;
import io.meshtrace.storage.LinkedDependencies;
import io.meshtrace.storage.SpanName;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.StorageUnavailableException;
import io.meshtrace.storage.TraceQuery;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A read that never ends (a connection to a server that stopped mid-query) is answered as
 * storage unavailable after the bound; StorageFaultsTest drills the real hang.
 */
class BoundedSpanStoreTest {
  /** What a query on a connection to a stopped server does: nothing, ever. */
  private static final class Hanging implements SpanStore {
    private final Vertx vertx;

    Hanging(Vertx vertx) {
      this.vertx = vertx;
    }

    private <T> Future<T> never() {
      Promise<T> promise = ((io.vertx.core.internal.ContextInternal) vertx.getOrCreateContext())
          .promise();
      return promise.future();
    }

    @Override
    public Future<List<ResourceSpans>> getTrace(TraceId traceId) {
      return never();
    }

    @Override
    public Future<List<List<ResourceSpans>>> getTraces(List<TraceId> traceIds) {
      return never();
    }

    @Override
    public Future<List<TraceId>> findTraceIds(TraceQuery query) {
      return never();
    }

    @Override
    public Future<List<String>> getServiceNames() {
      return never();
    }

    @Override
    public Future<List<SpanName>> getOperations(String serviceName, Integer spanKind) {
      return never();
    }

    @Override
    public Future<List<String>> getRemoteServiceNames(String serviceName) {
      return never();
    }

    @Override
    public Future<List<DependencyLink>> getDependencies(Instant start, Instant end) {
      return never();
    }

    @Override
    public Future<LinkedDependencies> getLinkedDependencies(Instant start,
        Instant end) {
      return never();
    }

    @Override
    public Future<List<String>> getTagKeys() {
      return never();
    }

    @Override
    public Future<List<String>> getTagValues(String key) {
      return never();
    }
  }

  @Test
  void aReadThatNeverEndsIsAnsweredAsStorageUnavailable() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      SpanStore bounded = new BoundedSpanStore(new Hanging(vertx), Duration.ofMillis(200));
      for (Future<?> read : List.of(bounded.getServiceNames(),
          bounded.getTrace(new TraceId(1, 2)), bounded.getTagValues("k"))) {
        Throwable failure = read.transform(ar -> Future.succeededFuture(ar.cause()))
            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(failure).isInstanceOf(StorageUnavailableException.class)
            .hasMessageContaining("did not answer within 200 ms");
      }
    } finally {
      vertx.close().await();
    }
  }
}
