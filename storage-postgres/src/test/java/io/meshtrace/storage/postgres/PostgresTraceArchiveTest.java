package io.meshtrace.storage.postgres;

import static io.meshtrace.storage.postgres.SpanStoreConformanceTest.of;
import static io.meshtrace.storage.postgres.SpanStoreConformanceTest.randomTraceId;
import static io.meshtrace.storage.postgres.SpanStoreConformanceTest.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.model.TraceId;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.archive.TraceArchive;
import io.meshtrace.storage.archive.TraceUnion;
import io.meshtrace.tenant.SpanTenant;
import io.meshtrace.tenant.Tenant;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Archived traces against the real schema: they outlive retention (partitions dropped by the
 * maintainer under a clock moved past it), are read with the span tables as one trace, add what
 * arrived since when archived again (also concurrently), are each tenant's own and are deleted.
 */
class PostgresTraceArchiveTest {
  static final Tenant TEAM_A = Tenant.of("team-a");

  Vertx vertx;
  MutableClock clock;
  PostgresStorage storage;
  Instant now;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    clock = new MutableClock();
    storage = PostgresStorage.open(vertx,
        PostgresStorageConfig.defaults(TestPostgres.freshDatabase()), clock).await();
    now = clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  @AfterEach
  void close() {
    storage.close().await();
    vertx.close().await();
  }

  void store(Tenant tenant, ResourceSpans... spans) {
    storage.spanSink().accept(SpanTenant.assign(List.of(spans), tenant)).await();
  }

  SpanStore store(Tenant tenant) {
    return storage.spanStores().forTenant(tenant);
  }

  TraceArchive archive(Tenant tenant) {
    return storage.traceArchives().forTenant(tenant);
  }

  /** What POST /api/archive does: the trace as the tenant's store reads it, into the archive. */
  int archiveNow(Tenant tenant, TraceId id) {
    List<ResourceSpans> trace = store(tenant).getTrace(id).await();
    return archive(tenant).add(id, trace).await();
  }

  long partitionsBefore(java.time.LocalDate day) {
    return storage.pool().query("SELECT count(*) FROM pg_inherits i JOIN pg_class c"
            + " ON c.oid = i.inhrelid WHERE i.inhparent = 'spans'::regclass AND c.relname < 'spans_"
            + java.time.format.DateTimeFormatter.BASIC_ISO_DATE.format(day) + "'")
        .execute().await().iterator().next().getLong(0);
  }

  @Test
  void anArchivedTraceIsReadWholeAfterRetentionDroppedItsPartitions() {
    TraceId kept = randomTraceId();
    TraceId notKept = randomTraceId();
    Instant start = now.minus(Duration.ofDays(1));
    store(Tenant.DEFAULT, of("frontend",
        span(kept, 1, null, "GET /", Span.SpanKind.SPAN_KIND_SERVER, start, Duration.ofMillis(5)),
        span(kept, 2, 1L, "call", Span.SpanKind.SPAN_KIND_CLIENT, start.plusMillis(1),
            Duration.ofMillis(2))),
        of("backend", span(kept, 3, 2L, "handle", Span.SpanKind.SPAN_KIND_SERVER,
            start.plusMillis(1), Duration.ofMillis(1))));
    store(Tenant.DEFAULT, of("frontend", span(notKept, 1, null, "GET /", Span.SpanKind
        .SPAN_KIND_SERVER, start, Duration.ofMillis(1))));
    List<ResourceSpans> before = store(Tenant.DEFAULT).getTrace(kept).await();
    assertThat(archiveNow(Tenant.DEFAULT, kept)).isEqualTo(3);

    clock.advance(Duration.ofDays(PostgresStorageConfig.DEFAULT_RETENTION_DAYS + 2));
    storage.runMaintenance().await();

    // The day is gone: no partition before the first kept day, the other trace unknown.
    assertThat(partitionsBefore(storage.partitionMaintainer().firstKeptDay())).isZero();
    assertThat(store(Tenant.DEFAULT).getTrace(notKept).await()).isEmpty();
    long rows = storage.pool().query("SELECT count(*) FROM spans").execute().await().iterator()
        .next().getLong(0);
    assertThat(rows).isZero();
    // The archived one reads back exactly as it was read before, through getTrace and getTraces.
    assertThat(store(Tenant.DEFAULT).getTrace(kept).await())
        .containsExactlyInAnyOrderElementsOf(before);
    assertThat(store(Tenant.DEFAULT).getTraces(List.of(notKept, kept)).await())
        .singleElement().satisfies(trace ->
            assertThat(trace).containsExactlyInAnyOrderElementsOf(before));
  }

  @Test
  void archivingAgainAddsTheSpansThatArrivedAndKeepsTheOnesRetentionDropped() {
    TraceId id = randomTraceId();
    Instant old = now.minus(Duration.ofDays(6));
    store(Tenant.DEFAULT, of("batch", span(id, 1, null, "run", Span.SpanKind.SPAN_KIND_SERVER,
        old, Duration.ofMillis(1))));
    assertThat(archiveNow(Tenant.DEFAULT, id)).isEqualTo(1);
    store(Tenant.DEFAULT, of("batch", span(id, 2, 1L, "late step", Span.SpanKind
        .SPAN_KIND_INTERNAL, now, Duration.ofMillis(1))));
    // Read together, the span in both is there once.
    assertThat(TraceUnion.spanCount(store(Tenant.DEFAULT).getTrace(id).await())).isEqualTo(2);

    clock.advance(Duration.ofDays(3)); // the first span's day is past retention, the second's not
    storage.runMaintenance().await();
    assertThat(archiveNow(Tenant.DEFAULT, id)).isEqualTo(2);
    clock.advance(Duration.ofDays(PostgresStorageConfig.DEFAULT_RETENTION_DAYS));
    storage.runMaintenance().await();
    List<String> names = new ArrayList<>();
    store(Tenant.DEFAULT).getTrace(id).await().forEach(resource -> resource.getScopeSpansList()
        .forEach(scope -> scope.getSpansList().forEach(span -> names.add(span.getName()))));
    assertThat(names).containsExactly("run", "late step");
  }

  @Test
  void concurrentArchivesOfOneTraceLoseNoSpan() {
    TraceId id = randomTraceId();
    List<ResourceSpans> parts = new ArrayList<>();
    for (int i = 1; i <= 8; i++) {
      parts.add(of("svc", span(id, i, null, "op-" + i, Span.SpanKind.SPAN_KIND_SERVER,
          now.plusMillis(i), Duration.ofMillis(1))));
    }
    List<Future<Integer>> adds = new ArrayList<>();
    for (ResourceSpans part : parts) {
      adds.add(archive(Tenant.DEFAULT).add(id, List.of(part)));
    }
    Future.all(adds).await();
    assertThat(TraceUnion.spanCount(archive(Tenant.DEFAULT).getTraces(List.of(id)).await()
        .get(0))).isEqualTo(8);
  }

  @Test
  void aTenantsArchiveIsItsOwn() {
    TraceId id = randomTraceId();
    store(TEAM_A, of("a-svc", span(id, 1, null, "op", Span.SpanKind.SPAN_KIND_SERVER, now,
        Duration.ofMillis(1))));
    assertThat(archiveNow(TEAM_A, id)).isEqualTo(1);
    clock.advance(Duration.ofDays(PostgresStorageConfig.DEFAULT_RETENTION_DAYS + 2));
    storage.runMaintenance().await();

    assertThat(store(TEAM_A).getTrace(id).await()).hasSize(1);
    assertThat(store(Tenant.DEFAULT).getTrace(id).await()).isEmpty();
    assertThat(store(Tenant.of("team-b")).getTrace(id).await()).isEmpty();
    assertThat(archive(Tenant.DEFAULT).delete(id).await()).isFalse();
    assertThat(store(TEAM_A).getTrace(id).await()).hasSize(1);
  }

  @Test
  void aDeletedArchiveIsGone() {
    TraceId id = randomTraceId();
    store(Tenant.DEFAULT, of("svc", span(id, 1, null, "op", Span.SpanKind.SPAN_KIND_SERVER, now,
        Duration.ofMillis(1))));
    archiveNow(Tenant.DEFAULT, id);
    clock.advance(Duration.ofDays(PostgresStorageConfig.DEFAULT_RETENTION_DAYS + 2));
    storage.runMaintenance().await();
    assertThat(store(Tenant.DEFAULT).getTrace(id).await()).hasSize(1);

    assertThat(archive(Tenant.DEFAULT).delete(id).await()).isTrue();
    assertThat(store(Tenant.DEFAULT).getTrace(id).await()).isEmpty();
    assertThat(archive(Tenant.DEFAULT).delete(id).await()).isFalse();
  }
}
