package io.meshtrace.storage.postgres;

import static io.meshtrace.storage.postgres.PostgresStorageTest.nowNanos;
import static io.meshtrace.storage.postgres.PostgresStorageTest.randomTraceId;
import static io.meshtrace.storage.postgres.PostgresStorageTest.resourceSpans;
import static io.meshtrace.storage.postgres.PostgresStorageTest.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.model.TraceId;
import io.meshtrace.storage.PositionConflictException;
import io.meshtrace.storage.PositionedSpanSink;
import io.meshtrace.storage.SourcePositions;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Spans with the positions they were read at, in one transaction: what makes an ingester's
 * writes exactly once. A batch whose starting position has moved is refused whole.
 */
class SourcePositionsTest {
  static Vertx vertx;
  static PostgresStorage storage;
  static PositionedSpanSink sink;

  @BeforeAll
  static void open() {
    vertx = Vertx.vertx();
    storage = PostgresStorage.open(vertx,
        PostgresStorageConfig.defaults(TestPostgres.freshDatabase())).await();
    sink = storage.positionedSpanSink();
  }

  @AfterAll
  static void close() {
    storage.close().await();
    vertx.close().await();
  }

  private static List<ResourceSpans> trace(TraceId traceId) {
    long start = nowNanos();
    return List.of(resourceSpans("cart", span(traceId, 1, 0, "GET /", start, start + 1000)));
  }

  @Test
  void positionsMoveWithTheSpansAndAStaleStartIsRefusedWhole() {
    TraceId first = randomTraceId();
    sink.accept(trace(first), new SourcePositions("ingesters", "spans", Map.of(0, 0L, 1, 5L),
        Map.of(0, 10L, 1, 7L))).await();
    assertThat(sink.positions("ingesters", "spans").await()).isEqualTo(Map.of(0, 10L, 1, 7L));
    assertThat(storage.spanStore().getTrace(first).await()).hasSize(1);

    // A second reader that still believes partition 0 is at 0: refused, nothing stored.
    TraceId stale = randomTraceId();
    assertThatThrownBy(() -> sink.accept(trace(stale), new SourcePositions("ingesters", "spans",
        Map.of(0, 0L), Map.of(0, 10L))).await())
        .isInstanceOf(PositionConflictException.class)
        .hasMessageContaining("spans[0] is no longer 0");
    assertThat(storage.spanStore().getTrace(stale).await()).isEmpty();
    assertThat(sink.positions("ingesters", "spans").await()).isEqualTo(Map.of(0, 10L, 1, 7L));

    // From where it is, it goes on; other consumers and topics are apart.
    TraceId next = randomTraceId();
    sink.accept(trace(next), new SourcePositions("ingesters", "spans", Map.of(0, 10L),
        Map.of(0, 12L))).await();
    assertThat(storage.spanStore().getTrace(next).await()).hasSize(1);
    assertThat(sink.positions("ingesters", "spans").await()).containsEntry(0, 12L);
    assertThat(sink.positions("others", "spans").await()).isEmpty();
  }

  @Test
  void aConflictDoesNotFailTheWritesItWasBatchedWith() {
    TraceId plain = randomTraceId();
    TraceId stale = randomTraceId();
    sink.accept(trace(randomTraceId()), new SourcePositions("group-b", "spans", Map.of(3, 0L),
        Map.of(3, 4L))).await();
    // Issued together, so that the writer may put them in one statement.
    Future<Void> ok = sink.accept(trace(plain));
    Future<Void> refused = sink.accept(trace(stale), new SourcePositions("group-b", "spans",
        Map.of(3, 1L), Map.of(3, 2L)));
    ok.await();
    assertThatThrownBy(refused::await).isInstanceOf(PositionConflictException.class);
    assertThat(storage.spanStore().getTrace(plain).await()).hasSize(1);
    assertThat(storage.spanStore().getTrace(stale).await()).isEmpty();
  }

  @Test
  void aBatchOfOnlySkippedRecordsStillMovesItsPositions() {
    sink.accept(List.of(), new SourcePositions("group-c", "spans", Map.of(0, 0L),
        Map.of(0, 3L))).await();
    assertThat(sink.positions("group-c", "spans").await()).isEqualTo(Map.of(0, 3L));
  }
}
