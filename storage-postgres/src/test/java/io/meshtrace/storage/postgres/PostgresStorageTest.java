package io.meshtrace.storage.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.meshtrace.model.SpanIds;
import io.meshtrace.model.TraceId;
import io.meshtrace.storage.InvalidSpanException;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Row;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PostgresStorageTest {
  static Vertx vertx;
  static PostgresStorage storage;

  @BeforeAll
  static void open() {
    vertx = Vertx.vertx();
    storage = PostgresStorage.open(vertx,
        PostgresStorageConfig.defaults(TestPostgres.freshDatabase())).await();
  }

  @AfterAll
  static void close() {
    storage.close().await();
    vertx.close().await();
  }

  static TraceId randomTraceId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return new TraceId(r.nextLong(), r.nextLong() | 1);
  }

  static long nowNanos() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder().setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  static ResourceSpans resourceSpans(String service, Span... spans) {
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(attr("service.name", service))
            .addAttributes(attr("host.name", "node-1")))
        .addScopeSpans(ScopeSpans.newBuilder()
            .setScope(InstrumentationScope.newBuilder().setName("test-scope").setVersion("1.0"))
            .addAllSpans(List.of(spans)))
        .build();
  }

  static Span span(TraceId traceId, long spanId, long parentId, String name, long startNanos,
      long endNanos) {
    Span.Builder span = Span.newBuilder()
        .setTraceId(traceId.toBytes())
        .setSpanId(SpanIds.toBytes(spanId))
        .setName(name)
        .setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano(startNanos)
        .setEndTimeUnixNano(endNanos)
        .addAttributes(attr("http.method", "GET"))
        .addEvents(Span.Event.newBuilder().setName("retry").setTimeUnixNano(startNanos + 1000))
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
            .setMessage("boom"));
    if (parentId != 0) {
      span.setParentSpanId(SpanIds.toBytes(parentId));
    }
    return span.build();
  }

  @Test
  void writesAndReadsBackEveryField() {
    TraceId traceId = randomTraceId();
    long start = nowNanos();
    Span root = span(traceId, 1, 0, "GET /", start, start + 5_000_000);
    // Sub-microsecond times are kept exactly through the payload.
    Span child = span(traceId, 2, 1, "SELECT", start + 1_234_567, start + 2_345_678).toBuilder()
        .setKind(Span.SpanKind.SPAN_KIND_CLIENT).build();
    // No end time: a sender that reported no duration.
    Span open = span(traceId, 3, 1, "cache", start + 3_000_000, 0);
    List<ResourceSpans> sent = List.of(resourceSpans("frontend", root), resourceSpans("db", child, open));

    storage.spanSink().accept(sent).await();
    List<ResourceSpans> read = storage.spanStore().getTrace(traceId).await();

    assertThat(read).hasSize(2);
    assertThat(read.get(0)).isEqualTo(sent.get(0));
    assertThat(read.get(1)).isEqualTo(sent.get(1));
  }

  @Test
  void unknownTraceIsEmpty() {
    assertThat(storage.spanStore().getTrace(randomTraceId()).await()).isEmpty();
  }

  @Test
  void sixtyFourBitTraceIdsAreStoredPadded() {
    TraceId traceId = TraceId.fromHex("463ac35c9f6413ad");
    long start = nowNanos();
    storage.spanSink().accept(List.of(resourceSpans("edge", span(traceId, 7, 0, "x", start,
        start + 1000)))).await();
    List<ResourceSpans> read =
        storage.spanStore().getTrace(TraceId.fromHex("0000000000000000463ac35c9f6413ad")).await();
    assertThat(read).hasSize(1);
    assertThat(read.get(0).getScopeSpans(0).getSpans(0).getTraceId())
        .isEqualTo(ByteString.fromHex("0000000000000000463ac35c9f6413ad"));
  }

  @Test
  void createsAPartitionOnDemandForALateSpan() {
    TraceId traceId = randomTraceId();
    Instant fiveDaysAgo = Instant.now().minus(5, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MICROS);
    long start = fiveDaysAgo.getEpochSecond() * 1_000_000_000L + fiveDaysAgo.getNano();
    LocalDate day = fiveDaysAgo.atOffset(ZoneOffset.UTC).toLocalDate();
    assertThat(partitionExists(day)).isFalse();

    storage.spanSink().accept(List.of(resourceSpans("late", span(traceId, 9, 0, "late", start,
        start + 1000)))).await();

    assertThat(partitionExists(day)).isTrue();
    assertThat(storage.spanStore().getTrace(traceId).await()).hasSize(1);
  }

  @Test
  void recoversWhenAKnownPartitionWasDroppedUnderneath() {
    TraceId traceId = randomTraceId();
    Instant threeDaysAgo = Instant.now().minus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MICROS);
    long start = threeDaysAgo.getEpochSecond() * 1_000_000_000L + threeDaysAgo.getNano();
    LocalDate day = threeDaysAgo.atOffset(ZoneOffset.UTC).toLocalDate();
    storage.spanSink().accept(List.of(resourceSpans("late", span(randomTraceId(), 9, 0, "a",
        start, start + 1000)))).await();
    storage.pool().query("DROP TABLE " + SpanPartitions.partitionName(day)).execute().await();

    storage.spanSink().accept(List.of(resourceSpans("late", span(traceId, 9, 0, "b", start,
        start + 1000)))).await();

    assertThat(storage.spanStore().getTrace(traceId).await()).hasSize(1);
  }

  @Test
  void refusesSpansOutsideTheRetentionWindowAndStoresNothingOfTheCall() {
    TraceId traceId = randomTraceId();
    long now = nowNanos();
    long tenDaysAgo = now - 10L * 86_400_000_000_000L;
    Span good = span(traceId, 1, 0, "good", now, now + 1000);
    Span old = span(traceId, 2, 1, "old", tenDaysAgo, tenDaysAgo + 1000);

    assertThatThrownBy(() -> storage.spanSink()
        .accept(List.of(resourceSpans("svc", good, old))).await())
        .isInstanceOf(InvalidSpanException.class)
        .hasMessageContaining("older than the retention of 7 days");
    assertThat(storage.spanStore().getTrace(traceId).await()).isEmpty();
  }

  @Test
  void refusesInvalidIds() {
    long now = nowNanos();
    Span zeroSpanId = span(randomTraceId(), 1, 0, "x", now, now + 1).toBuilder()
        .setSpanId(ByteString.copyFrom(new byte[8])).build();
    Span shortTraceId = span(randomTraceId(), 1, 0, "x", now, now + 1).toBuilder()
        .setTraceId(ByteString.copyFrom(new byte[] {1, 2, 3})).build();
    Span zeroTraceId = span(randomTraceId(), 1, 0, "x", now, now + 1).toBuilder()
        .setTraceId(ByteString.copyFrom(new byte[16])).build();

    assertThatThrownBy(() -> storage.spanSink()
        .accept(List.of(resourceSpans("svc", zeroSpanId))).await())
        .isInstanceOf(InvalidSpanException.class).hasMessageContaining("span ID")
        .hasMessageContaining("all zeros");
    assertThatThrownBy(() -> storage.spanSink()
        .accept(List.of(resourceSpans("svc", shortTraceId))).await())
        .isInstanceOf(InvalidSpanException.class).hasMessageContaining("16 bytes");
    assertThatThrownBy(() -> storage.spanSink()
        .accept(List.of(resourceSpans("svc", zeroTraceId))).await())
        .isInstanceOf(InvalidSpanException.class).hasMessageContaining("all zeros");
  }

  @Test
  void concurrentWritesShareBatchesAndAllCommit() {
    int writes = 200;
    List<TraceId> traces = new ArrayList<>();
    List<Future<Void>> results = new ArrayList<>();
    List<Integer> batchSizes = java.util.Collections.synchronizedList(new ArrayList<>());
    storage.setBatchListener(new SpanBatchListener() {
      @Override
      public void batchCommitted(int spans, long nanos) {
        batchSizes.add(spans);
      }

      @Override
      public void batchFailed(int spans, long nanos, Throwable failure) {}
    });
    long start = nowNanos();
    for (int i = 0; i < writes; i++) {
      TraceId traceId = randomTraceId();
      traces.add(traceId);
      results.add(storage.spanSink().accept(List.of(resourceSpans("svc-" + (i % 7),
          span(traceId, 1, 0, "op-" + (i % 5), start, start + 1000),
          span(traceId, 2, 1, "child", start + 1000, start + 2000)))));
    }
    Future.all(results).await();
    storage.setBatchListener(null);

    for (TraceId traceId : traces) {
      assertThat(storage.spanStore().getTrace(traceId).await())
          .flatMap(rs -> rs.getScopeSpans(0).getSpansList()).hasSize(2);
    }
    assertThat(batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(2 * writes);
    // Group commit: far fewer inserts than writes.
    assertThat(batchSizes.size()).isLessThan(writes);
  }

  @Test
  void namesWithNulAndHugeNamesAreStoredCleaned() {
    TraceId traceId = randomTraceId();
    long now = nowNanos();
    String huge = "x".repeat(5000);
    storage.spanSink().accept(List.of(resourceSpans("a\0b",
        span(traceId, 1, 0, huge, now, now + 1000)))).await();
    ResourceSpans read = storage.spanStore().getTrace(traceId).await().get(0);
    assertThat(read.getScopeSpans(0).getSpans(0).getName()).hasSize(SpanRowMapper.MAX_NAME_LENGTH);
    Row service = storage.pool().query("SELECT name FROM services WHERE name LIKE 'a%b'")
        .execute().await().iterator().next();
    assertThat(service.getString(0)).isEqualTo("a\uFFFDb");
  }

  @Test
  void attributesSharedThenVolatileReadBackExactlyAndVolatileKeysAreRecorded() {
    long now = nowNanos();
    List<TraceId> traces = new ArrayList<>();
    List<ResourceSpans> sent = new ArrayList<>();
    for (int i = 0; i < AttributeSplitter.MAX_DISTINCT_VALUES + 5; i++) {
      TraceId traceId = randomTraceId();
      traces.add(traceId);
      Span span = span(traceId, 1, 0, "op", now, now + 1000).toBuilder()
          .addAttributes(attr("zone", "us-east-1a"))
          .addAttributes(attr("request_id", "r-" + i))
          .addAttributes(attr("component", "proxy"))
          .build();
      ResourceSpans request = resourceSpans("volatile-svc", span);
      sent.add(request);
      storage.spanSink().accept(List.of(request)).await();
    }
    for (int i = 0; i < traces.size(); i++) {
      assertThat(storage.spanStore().getTrace(traces.get(i)).await()).containsExactly(sent.get(i));
    }
    List<String> keys = new ArrayList<>();
    storage.pool().query("SELECT v.key FROM volatile_attribute_keys v"
            + " JOIN services s ON s.id = v.service_id WHERE s.name = 'volatile-svc'")
        .execute().await().forEach(row -> keys.add(row.getString(0)));
    assertThat(keys).containsExactly("request_id");
    Row sets = storage.pool().query("SELECT count(*) FILTER (WHERE tags ? 'zone') FROM attribute_sets")
        .execute().await().iterator().next();
    assertThat(sets.getLong(0)).isPositive();
  }

  @Test
  void getTracesReturnsThoseThatExistInTheOrderAsked() {
    long now = nowNanos();
    TraceId a = randomTraceId();
    TraceId b = randomTraceId();
    storage.spanSink().accept(List.of(resourceSpans("svc", span(a, 1, 0, "a", now, now + 1)),
        resourceSpans("svc", span(b, 1, 0, "b", now, now + 1)))).await();
    List<List<ResourceSpans>> traces =
        storage.spanStore().getTraces(List.of(b, randomTraceId(), a)).await();
    assertThat(traces).hasSize(2);
    assertThat(traces.get(0).get(0).getScopeSpans(0).getSpans(0).getName()).isEqualTo("b");
    assertThat(traces.get(1).get(0).getScopeSpans(0).getSpans(0).getName()).isEqualTo("a");
  }

  @Test
  void migrationsAreIdempotentAndRecorded() {
    SchemaMigrator.migrate(storage.pool()).await();
    Row row = storage.pool().query("SELECT count(*), max(version) FROM meshtrace_schema_version")
        .execute().await().iterator().next();
    assertThat(row.getLong(0)).isEqualTo(SchemaMigrator.MIGRATIONS.size());
    assertThat(row.getInteger(1)).isEqualTo(SchemaMigrator.MIGRATIONS.get(
        SchemaMigrator.MIGRATIONS.size() - 1).version());
  }

  @Test
  void aFreshProcessReadsWhatAnotherWrote() {
    TraceId traceId = randomTraceId();
    long now = nowNanos();
    storage.spanSink().accept(List.of(resourceSpans("svc",
        span(traceId, 1, 0, "x", now, now + 1000)))).await();
    PostgresStorage other = PostgresStorage.open(vertx,
        PostgresStorageConfig.defaults(storage.pool() == null ? null
            : TestPostgres.serverOptions().setDatabase(currentDatabase())), Clock.systemUTC())
        .await();
    try {
      assertThat(other.spanStore().getTrace(traceId).await()).hasSize(1);
    } finally {
      other.close().await();
    }
  }

  private static String currentDatabase() {
    return storage.pool().query("SELECT current_database()").execute().await().iterator().next()
        .getString(0);
  }

  private static boolean partitionExists(LocalDate day) {
    return storage.pool().query("SELECT to_regclass('" + SpanPartitions.partitionName(day) + "')")
        .execute().await().iterator().next().getValue(0) != null;
  }
}
