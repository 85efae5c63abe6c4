package io.meshtrace.storage.postgres;

import static io.meshtrace.storage.postgres.SpanStoreConformanceTest.attr;
import static io.meshtrace.storage.postgres.SpanStoreConformanceTest.ms;
import static io.meshtrace.storage.postgres.SpanStoreConformanceTest.of;
import static io.meshtrace.storage.postgres.SpanStoreConformanceTest.randomTraceId;
import static io.meshtrace.storage.postgres.SpanStoreConformanceTest.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.model.TraceId;
import io.meshtrace.storage.DependencyLink;
import io.meshtrace.storage.RootSpanThroughput;
import io.meshtrace.storage.SpanName;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.TraceQuery;
import io.meshtrace.tenant.SpanTenant;
import io.meshtrace.tenant.Tenant;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each tenant's store reads that tenant's spans and nothing of another's: traces by ID (also the
 * same trace ID sent by two tenants), searches of every kind, names, dependencies, autocomplete.
 */
class TenantSpanStoreTest {
  static final Tenant A = Tenant.of("team-a");
  static final Tenant B = Tenant.of("team-b");

  Vertx vertx;
  MutableClock clock;
  PostgresStorage storage;
  Instant now;
  PgConnectOptions database;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    clock = new MutableClock();
    database = TestPostgres.freshDatabase();
    storage = PostgresStorage.open(vertx, PostgresStorageConfig.defaults(database), clock)
        .await();
    now = clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  @AfterEach
  void close() {
    storage.close().await();
    vertx.close().await();
  }

  void store(Tenant tenant, ResourceSpans... request) {
    storage.spanSink().accept(SpanTenant.assign(List.of(request), tenant)).await();
  }

  SpanStore storeOf(Tenant tenant) {
    return storage.spanStores().forTenant(tenant);
  }

  TraceQuery query(String service, String operation, Map<String, String> tags) {
    return new TraceQuery(service, operation, null, tags, null, null, now.minusSeconds(3600),
        now.plusSeconds(60), 20);
  }

  /** A trace of frontend -> backend (and a client span to a database), as a tenant sends it. */
  TraceId trace(Tenant tenant, TraceId t, String operation, String requestId) {
    store(tenant,
        of("frontend", span(t, 1, null, operation, Span.SpanKind.SPAN_KIND_SERVER, now, ms(10))
                .addAttributes(attr("http.method", "GET"))
                .addAttributes(attr("guid:x-request-id", requestId)),
            span(t, 2, 1L, "call backend", Span.SpanKind.SPAN_KIND_CLIENT, now, ms(5)),
            span(t, 3, 1L, "SELECT", Span.SpanKind.SPAN_KIND_CLIENT, now, ms(1))
                .addAttributes(attr("peer.service", "db-of-" + tenant.id()))),
        of("backend", span(t, 4, 2L, "handle", Span.SpanKind.SPAN_KIND_SERVER, now, ms(4))
            .addAttributes(attr("cluster", "cluster-of-" + tenant.id()))));
    return t;
  }

  @Test
  void aTraceIsReadByItsOwnTenantOnlyAndOneTraceIdOfTwoTenantsStaysTwoTraces() {
    TraceId shared = randomTraceId();
    trace(A, shared, "GET /a", "req-a");
    store(B, SpanStoreConformanceTest.of("other", span(shared, 9, null, "GET /b",
        Span.SpanKind.SPAN_KIND_SERVER, now, ms(3))));
    TraceId onlyA = trace(A, randomTraceId(), "GET /a", "req-a2");

    assertThat(spanNames(storeOf(A).getTrace(shared).await()))
        .containsExactlyInAnyOrder("GET /a", "call backend", "SELECT", "handle");
    assertThat(spanNames(storeOf(B).getTrace(shared).await())).containsExactly("GET /b");
    assertThat(storeOf(B).getTrace(onlyA).await()).isEmpty();
    assertThat(storeOf(B).getTraces(List.of(onlyA, shared)).await()).hasSize(1);
    assertThat(storage.spanStore().getTrace(shared).await()).isEmpty();
    // The tenant's mark is not stored: the resource reads back as the client sent it.
    assertThat(storeOf(B).getTrace(shared).await().get(0).getResource().getAttributesList())
        .extracting(a -> a.getKey()).containsExactly("service.name");
  }

  @Test
  void searchesFindTheTenantsTracesOnly() {
    TraceId a = trace(A, randomTraceId(), "GET /a", "req-1");
    TraceId b = trace(B, randomTraceId(), "GET /b", "req-1");

    for (TraceQuery q : List.of(query(null, null, Map.of()), query("frontend", null, Map.of()),
        query(null, "handle", Map.of()), query("backend", "handle", Map.of()),
        query(null, null, Map.of("http.method", "GET")),
        query("frontend", null, Map.of("http.method", "GET")),
        query(null, null, Map.of("guid:x-request-id", "req-1")))) {
      assertThat(storeOf(A).findTraceIds(q).await()).as(q.toString()).containsExactly(a);
      assertThat(storeOf(B).findTraceIds(q).await()).as(q.toString()).containsExactly(b);
      assertThat(storage.spanStore().findTraceIds(q).await()).as(q.toString()).isEmpty();
    }
    assertThat(storeOf(B).findTraceIds(query(null, null, Map.of("cluster", "cluster-of-team-a")))
        .await()).isEmpty();
    assertThat(storeOf(B).findTraceIds(query(null, "GET /a", Map.of())).await()).isEmpty();
    assertThat(storeOf(Tenant.of("nobody")).findTraceIds(query(null, null, Map.of())).await())
        .isEmpty();
  }

  @Test
  void namesDependenciesAndAutocompleteAreTheTenants() {
    trace(A, randomTraceId(), "GET /a", "req-a");
    store(B, SpanStoreConformanceTest.of("frontend", span(randomTraceId(), 1, null, "GET /b",
        Span.SpanKind.SPAN_KIND_SERVER, now, ms(3)).addAttributes(attr("zone", "b-zone"))));
    storage.flushDependencyLinks().await();

    assertThat(storeOf(A).getServiceNames().await()).containsExactly("backend", "frontend");
    assertThat(storeOf(B).getServiceNames().await()).containsExactly("frontend");
    assertThat(storeOf(B).getOperations("frontend", null).await())
        .containsExactly(new SpanName("GET /b", 2));
    assertThat(storeOf(B).getOperations("backend", null).await()).isEmpty();
    assertThat(storeOf(A).getRemoteServiceNames("frontend").await()).containsExactly("db-of-team-a");
    assertThat(storeOf(B).getRemoteServiceNames("frontend").await()).isEmpty();
    Instant from = now.minus(Duration.ofHours(1));
    Instant to = now.plus(Duration.ofHours(1));
    assertThat(storeOf(A).getDependencies(from, to).await()).containsExactly(
        new DependencyLink("frontend", "backend", 1, 0),
        new DependencyLink("frontend", "db-of-team-a", 1, 0));
    assertThat(storeOf(B).getDependencies(from, to).await()).isEmpty();
    assertThat(storeOf(A).getTagKeys().await()).contains("http.method", "cluster")
        .doesNotContain("zone");
    assertThat(storeOf(B).getTagKeys().await()).contains("zone").doesNotContain("cluster");
    assertThat(storeOf(B).getTagValues("cluster").await()).isEmpty();
    assertThat(storeOf(A).getTagValues("cluster").await()).containsExactly("cluster-of-team-a");
    assertThat(storage.spanStore().getServiceNames().await()).isEmpty();
  }

  @Test
  void rootSpansAreCountedPerTenantAndReadForSamplingAcrossTenants() {
    Instant minute = now.truncatedTo(ChronoUnit.MINUTES);
    for (Tenant tenant : List.of(A, B, B)) {
      store(tenant, SpanStoreConformanceTest.of("shop", span(randomTraceId(), 1, null, "GET /",
          Span.SpanKind.SPAN_KIND_SERVER, now, ms(1))));
    }
    storage.flushRootSpanThroughput().await();

    List<String> perTenant = new ArrayList<>();
    for (Row row : storage.pool().query("SELECT tenant, root_spans FROM root_span_throughput"
        + " ORDER BY tenant").execute().await()) {
      perTenant.add(row.getString(0) + "=" + row.getLong(1));
    }
    assertThat(perTenant).containsExactly("team-a=1", "team-b=2");
    assertThat(storage.rootSpanThroughput(minute, minute.plusSeconds(60)).await())
        .containsExactly(new RootSpanThroughput(minute, "shop", "GET /", "", -1, 3));
  }

  @Test
  void whatADatabaseHeldBeforeTenantsIsTheDefaultTenants() {
    storage.close().await();
    PgConnectOptions before = TestPostgres.freshDatabase();
    Pool pool = PgBuilder.pool().connectingTo(before).using(vertx).build();
    SchemaMigrator.migrate(pool, 6).await();
    Instant hour = now.truncatedTo(ChronoUnit.HOURS);
    pool.query("INSERT INTO services (name) VALUES ('frontend'), ('backend')").execute().await();
    pool.query("INSERT INTO operations (service_id, span_kind, name)"
        + " SELECT id, 2, 'GET /' FROM services WHERE name = 'frontend'").execute().await();
    pool.preparedQuery("INSERT INTO dependency_links VALUES ($1, 'frontend', 'backend', 4, 1)")
        .execute(Tuple.of(hour.atOffset(java.time.ZoneOffset.UTC))).await();
    pool.query("INSERT INTO attribute_sets (digest, attributes, tags, only_failed)"
        + " VALUES ('\\x00', '\\x', '{\"zone\": \"z1\"}', false)").execute().await();
    pool.close().await();

    storage = PostgresStorage.open(vertx, PostgresStorageConfig.defaults(before), clock).await();

    assertThat(storage.spanStore().getServiceNames().await()).containsExactly("backend",
        "frontend");
    assertThat(storage.spanStore().getOperations("frontend", null).await())
        .containsExactly(new SpanName("GET /", 2));
    assertThat(storage.spanStore().getDependencies(hour, hour.plusSeconds(60)).await())
        .containsExactly(new DependencyLink("frontend", "backend", 4, 1));
    assertThat(storage.spanStore().getTagValues("zone").await()).containsExactly("z1");
    assertThat(storeOf(A).getServiceNames().await()).isEmpty();
    // The default tenant's spans go on using the services it had.
    TraceId t = randomTraceId();
    storage.spanSink().accept(List.of(SpanStoreConformanceTest.of("frontend", span(t, 1, null,
        "GET /", Span.SpanKind.SPAN_KIND_SERVER, now, ms(2))))).await();
    assertThat(storage.spanStore().findTraceIds(query("frontend", "GET /", Map.of())).await())
        .containsExactly(t);
    assertThat(storage.pool().query("SELECT count(*) FROM services").execute().await()
        .iterator().next().getLong(0)).isEqualTo(2);
  }

  private static List<String> spanNames(List<ResourceSpans> trace) {
    List<String> names = new ArrayList<>();
    trace.forEach(rs -> rs.getScopeSpansList().forEach(ss -> ss.getSpansList()
        .forEach(s -> names.add(s.getName()))));
    return names;
  }
}
