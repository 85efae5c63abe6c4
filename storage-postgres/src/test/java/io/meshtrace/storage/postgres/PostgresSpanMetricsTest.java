package io.meshtrace.storage.postgres;

import static io.meshtrace.storage.postgres.SpanStoreConformanceTest.attr;
import static io.meshtrace.storage.postgres.SpanStoreConformanceTest.of;
import static io.meshtrace.storage.postgres.SpanStoreConformanceTest.randomTraceId;
import static io.meshtrace.storage.postgres.SpanStoreConformanceTest.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.meshtrace.metrics.LatencyHistogram;
import io.meshtrace.metrics.RedMetrics;
import io.meshtrace.metrics.SpanMetricsQuery;
import io.meshtrace.metrics.SpanMetricsSeries;
import io.meshtrace.model.TraceId;
import io.meshtrace.tenant.SpanTenant;
import io.meshtrace.tenant.Tenant;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RED metrics as PostgreSQL keeps them: counted from committed spans, weighted by their traces'
 * sampling probability, per tenant, per minute and rolled up to hours, added up over replicas,
 * dropped with retention.
 */
class PostgresSpanMetricsTest {
  static final Tenant A = Tenant.of("team-a");
  static final Tenant B = Tenant.of("team-b");

  Vertx vertx;
  MutableClock clock;
  PgConnectOptions database;
  PostgresStorage storage;
  Instant minute;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    clock = new MutableClock();
    database = TestPostgres.freshDatabase();
    storage = PostgresStorage.open(vertx, PostgresStorageConfig.defaults(database), clock)
        .await();
    minute = clock.instant().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(5));
  }

  @AfterEach
  void close() {
    storage.close().await();
    vertx.close().await();
  }

  void store(PostgresStorage into, Tenant tenant, ResourceSpans... request) {
    into.spanSink().accept(SpanTenant.assign(List.of(request), tenant)).await();
  }

  static Span.Builder call(TraceId trace, long id, Long parent, String name, Instant start,
      long micros, boolean error) {
    Span.Builder span = span(trace, id, parent, name, Span.SpanKind.SPAN_KIND_SERVER, start,
        Duration.ofNanos(micros * 1000));
    if (error) {
      span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
    }
    return span;
  }

  static KeyValue number(String key, double value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder()
        .setDoubleValue(value)).build();
  }

  SpanMetricsQuery query(Tenant tenant, boolean byOperation, Duration step, Instant from,
      Instant to) {
    return new SpanMetricsQuery(tenant, List.of(), Set.of(), byOperation, from, to, step);
  }

  /** Every point of every series, added up. */
  static RedMetrics total(List<SpanMetricsSeries> series) {
    RedMetrics total = new RedMetrics();
    series.forEach(s -> s.points().values().forEach(total::merge));
    return total;
  }

  @Test
  void callsErrorsAndDurationsAreWhatWasStoredAndWeightedByTheTracesProbability() {
    Random random = new Random(5);
    List<Long> durations = new ArrayList<>();
    int errors = 0;
    // 200 traces of a Jaeger client sampling at 10 %: a child reported before its root, which
    // alone carries sampler.type and sampler.param.
    for (int t = 0; t < 200; t++) {
      TraceId trace = randomTraceId();
      long child = 500 + random.nextInt(20_000);
      boolean failed = t % 10 == 0;
      errors += failed ? 1 : 0;
      durations.add(child);
      store(storage, A, of("cart", call(trace, 2, 1L, "get", minute.plusSeconds(t % 50), child,
          failed)));
      Span.Builder root = call(trace, 1, null, "GET /", minute.plusSeconds(t % 50),
          child + 1_000, false).addAttributes(attr("sampler.type", "probabilistic"))
          .addAttributes(number("sampler.param", 0.1));
      store(storage, A, of("front", root));
    }
    // Team B's one span, which team A must not see.
    store(storage, B, of("cart", call(randomTraceId(), 1, null, "get", minute, 1_000, true)));
    storage.flushSpanMetrics().await();

    List<SpanMetricsSeries> series = storage.spanMetrics().read(query(A, true,
        Duration.ofMinutes(1), minute, minute.plus(Duration.ofMinutes(1)))).await();
    assertThat(series).extracting(s -> s.service() + " " + s.operation())
        .containsExactly("cart get", "front GET /");
    RedMetrics cart = series.get(0).points().get(minute);
    assertThat(cart.calls()).isEqualTo(200);
    assertThat(cart.errors()).isEqualTo(errors);
    assertThat(cart.estimatedCalls()).isCloseTo(2_000, within(1e-6));
    assertThat(cart.estimatedErrors()).isCloseTo(errors * 10, within(1e-6));
    durations.sort(null);
    double p95 = durations.get(189);
    assertThat(cart.latency().quantile(0.95, false))
        .isCloseTo(p95, within(p95 * LatencyHistogram.RELATIVE_ERROR));
    assertThat(cart.latency().quantile(0.95, true))
        .isCloseTo(p95, within(p95 * LatencyHistogram.RELATIVE_ERROR));

    // Counts alone, added up by PostgreSQL: the same calls and errors, no histogram.
    List<SpanMetricsSeries> counts = storage.spanMetrics().read(new SpanMetricsQuery(A,
        List.of(), Set.of(), true, minute, minute.plus(Duration.ofMinutes(1)),
        Duration.ofMinutes(1), false)).await();
    assertThat(counts).extracting(s -> s.service() + " " + s.operation())
        .containsExactly("cart get", "front GET /");
    RedMetrics cartCounts = counts.get(0).points().get(minute);
    assertThat(cartCounts.calls()).isEqualTo(200);
    assertThat(cartCounts.errors()).isEqualTo(errors);
    assertThat(cartCounts.estimatedCalls()).isCloseTo(2_000, within(1e-6));
    assertThat(cartCounts.latency().count()).isZero();

    // Per service only, one kind, some services.
    assertThat(storage.spanMetrics().read(new SpanMetricsQuery(A, List.of("cart"),
            Set.of(Span.SpanKind.SPAN_KIND_SERVER_VALUE), false, minute,
            minute.plusSeconds(60), Duration.ofMinutes(1))).await())
        .singleElement().satisfies(s -> {
          assertThat(s.operation()).isNull();
          assertThat(s.points().get(minute).calls()).isEqualTo(200);
        });
    assertThat(storage.spanMetrics().read(new SpanMetricsQuery(A, List.of("cart"),
            Set.of(Span.SpanKind.SPAN_KIND_CLIENT_VALUE), false, minute,
            minute.plusSeconds(60), Duration.ofMinutes(1))).await()).isEmpty();
    List<SpanMetricsSeries> teamB = storage.spanMetrics().read(query(B, true,
        Duration.ofMinutes(1), minute, minute.plusSeconds(60))).await();
    assertThat(teamB).singleElement().satisfies(s ->
        assertThat(s.points().get(minute).errors()).isEqualTo(1));
    assertThat(storage.spanMetrics().read(query(Tenant.DEFAULT, true, Duration.ofMinutes(1),
        minute, minute.plusSeconds(60))).await()).isEmpty();
  }

  @Test
  void replicasWritingTheSameMinuteAreAddedUp() {
    PostgresStorage replica = PostgresStorage.open(vertx, PostgresStorageConfig.defaults(
        database), clock).await();
    try {
      // OpenTelemetry's threshold on every span: probability 0.25.
      for (int i = 0; i < 10; i++) {
        Span.Builder span = call(randomTraceId(), 1, null, "get", minute.plusSeconds(i), 2_000,
            false).setTraceState("ot=th:c");
        store(i % 2 == 0 ? storage : replica, Tenant.DEFAULT, of("cart", span));
      }
      storage.flushSpanMetrics().await();
      replica.flushSpanMetrics().await();
    } finally {
      replica.close().await();
    }
    RedMetrics total = total(storage.spanMetrics().read(query(Tenant.DEFAULT, false,
        Duration.ofMinutes(5), minute, minute.plusSeconds(60))).await());
    assertThat(total.calls()).isEqualTo(10);
    assertThat(total.estimatedCalls()).isCloseTo(40, within(1e-9));
    assertThat(total.latency().count()).isEqualTo(10);
  }

  @Test
  void hoursAreRolledUpAndLateMinutesReachTheirHourToo() {
    Instant hour = clock.instant().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(3));
    for (int m = 0; m < 60; m += 7) {
      store(storage, A, of("cart", call(randomTraceId(), 1, null, "get",
          hour.plus(Duration.ofMinutes(m)), 1_000 + m, m == 0)));
    }
    storage.flushSpanMetrics().await();
    assertThat(storage.rollUpSpanMetrics().await()).isGreaterThanOrEqualTo(1);
    SpanMetricsQuery byHour = query(A, true, Duration.ofHours(1), hour,
        hour.plus(Duration.ofHours(1)));
    RedMetrics rolled = total(storage.spanMetrics().read(byHour).await());
    assertThat(total(storage.spanMetrics().read(new SpanMetricsQuery(A, List.of(), Set.of(),
        true, hour, hour.plus(Duration.ofHours(1)), Duration.ofHours(1), false)).await())
        .calls()).isEqualTo(9);
    assertThat(rolled.calls()).isEqualTo(9);
    assertThat(rolled.errors()).isEqualTo(1);
    // One row for the operation, one for the service's total.
    assertThat(storage.pool().query("SELECT count(*) FILTER (WHERE operation = 'get') AS get, "
        + "count(*) FILTER (WHERE operation IS NULL) AS total FROM span_metrics_hour").execute()
        .await().iterator().next().toJson().encode()).isEqualTo("{\"get\":1,\"total\":1}");
    // Read by minutes, the same.
    assertThat(total(storage.spanMetrics().read(query(A, true, Duration.ofMinutes(1), hour,
        hour.plus(Duration.ofHours(1)))).await()).calls()).isEqualTo(9);

    // A span of that hour that comes after the rollup.
    store(storage, A, of("cart", call(randomTraceId(), 1, null, "get",
        hour.plus(Duration.ofMinutes(30)), 5_000, true)));
    storage.flushSpanMetrics().await();
    RedMetrics late = total(storage.spanMetrics().read(byHour).await());
    assertThat(late.calls()).isEqualTo(10);
    assertThat(late.errors()).isEqualTo(2);
    // The rollup runs again without rolling an hour twice.
    storage.rollUpSpanMetrics().await();
    assertThat(total(storage.spanMetrics().read(byHour).await()).calls()).isEqualTo(10);
  }

  @Test
  void aServicesTotalIsItsOperationsAddedUpByMinuteAndByHour() {
    Instant hour = clock.instant().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(3));
    List<SpanMetricsSeries> expected = new ArrayList<>();
    for (int m = 0; m < 60; m += 3) {
      store(storage, A, of("cart", call(randomTraceId(), 1, null, "get",
          hour.plus(Duration.ofMinutes(m)), 1_000 + 10 * m, m % 9 == 0)));
      store(storage, A, of("cart", call(randomTraceId(), 1, null, "put",
          hour.plus(Duration.ofMinutes(m)).plusSeconds(5), 50_000 + m, false)));
    }
    store(storage, A, of("front", call(randomTraceId(), 1, null, "GET /", hour, 9_000, false)));
    storage.flushSpanMetrics().await();
    for (Duration step : List.of(Duration.ofMinutes(1), Duration.ofMinutes(15))) {
      SpanMetricsQuery byOperation = new SpanMetricsQuery(A, List.of("cart"), Set.of(), true,
          hour, hour.plus(Duration.ofHours(1)), step);
      SpanMetricsQuery byService = new SpanMetricsQuery(A, List.of("cart"), Set.of(), false,
          hour, hour.plus(Duration.ofHours(1)), step);
      List<SpanMetricsSeries> operations = storage.spanMetrics().read(byOperation).await();
      assertThat(operations).extracting(SpanMetricsSeries::operation)
          .containsExactly("get", "put");
      List<SpanMetricsSeries> service = storage.spanMetrics().read(byService).await();
      assertThat(service).singleElement().satisfies(s -> {
        assertThat(s.service()).isEqualTo("cart");
        assertThat(s.operation()).isNull();
      });
      assertSamePoints(service.get(0), added(operations));
    }
    assertThat(storage.rollUpSpanMetrics().await()).isGreaterThanOrEqualTo(1);
    SpanMetricsQuery hours = new SpanMetricsQuery(A, List.of("cart"), Set.of(), false, hour,
        hour.plus(Duration.ofHours(1)), Duration.ofHours(1));
    RedMetrics rolled = total(storage.spanMetrics().read(hours).await());
    assertThat(rolled.calls()).isEqualTo(40);
    assertThat(rolled.errors()).isEqualTo(7);
    assertThat(rolled.latency().count()).isEqualTo(40);
    // Counts alone, added up by PostgreSQL, from the same rows.
    assertThat(total(storage.spanMetrics().read(new SpanMetricsQuery(A, List.of("cart"),
        Set.of(), false, hour, hour.plus(Duration.ofHours(1)), Duration.ofHours(1), false))
        .await()).calls()).isEqualTo(40);
  }

  /** The series' points added up per step, as one series of the service. */
  private static SpanMetricsSeries added(List<SpanMetricsSeries> operations) {
    java.util.TreeMap<Instant, RedMetrics> points = new java.util.TreeMap<>();
    operations.forEach(s -> s.points().forEach((at, m) -> points.computeIfAbsent(at,
        a -> new RedMetrics()).merge(m)));
    return new SpanMetricsSeries(operations.get(0).service(), null, points);
  }

  private static void assertSamePoints(SpanMetricsSeries actual, SpanMetricsSeries expected) {
    assertThat(actual.points().keySet()).containsExactlyElementsOf(expected.points().keySet());
    expected.points().forEach((at, m) -> {
      RedMetrics a = actual.points().get(at);
      assertThat(a.calls()).as("calls at %s", at).isEqualTo(m.calls());
      assertThat(a.errors()).as("errors at %s", at).isEqualTo(m.errors());
      assertThat(a.estimatedCalls()).isCloseTo(m.estimatedCalls(), within(1e-9));
      assertThat(a.latency().count()).isEqualTo(m.latency().count());
      assertThat(a.latency().quantile(0.5, true)).isEqualTo(m.latency().quantile(0.5, true));
      assertThat(a.latency().quantile(0.99, true)).isEqualTo(m.latency().quantile(0.99, true));
    });
  }

  @Test
  void metricsAreDroppedWithTheSpansRetention() {
    store(storage, A, of("cart", call(randomTraceId(), 1, null, "get", minute, 1_000, false)));
    storage.flushSpanMetrics().await();
    assertThat(storage.spanMetrics().read(query(A, false, Duration.ofMinutes(1), minute,
        minute.plusSeconds(60))).await()).hasSize(1);
    clock.advance(Duration.ofDays(PostgresStorageConfig.DEFAULT_RETENTION_DAYS + 2));
    storage.runMaintenance().await();
    assertThat(storage.spanMetrics().read(query(A, false, Duration.ofMinutes(1), minute,
        minute.plusSeconds(60))).await()).isEmpty();
    assertThat(storage.pool().query("SELECT count(*) FROM pg_inherits WHERE inhparent = "
        + "'span_metrics_minute'::regclass AND inhrelid::regclass::text = '"
        + PostgresSpanMetrics.partitionName(PostgresSpanMetrics.MINUTES,
            minute.atOffset(java.time.ZoneOffset.UTC).toLocalDate()) + "'").execute().await()
        .iterator().next().getLong(0)).isZero();
  }
}
