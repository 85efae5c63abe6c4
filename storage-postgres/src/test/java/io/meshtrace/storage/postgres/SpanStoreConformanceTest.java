package io.meshtrace.storage.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshtrace.model.SpanIds;
import io.meshtrace.model.TraceId;
import io.meshtrace.storage.DependencyLink;
import io.meshtrace.storage.RootSpanThroughput;
import io.meshtrace.storage.SpanName;
import io.meshtrace.storage.TraceQuery;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Row;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every SpanStore must do, run against the real PostgreSQL storage: each test gets an empty
 * database.
 */
class SpanStoreConformanceTest {
  Vertx vertx;
  MutableClock clock;
  PostgresStorage storage;
  Instant now;
  io.vertx.pgclient.PgConnectOptions database;

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

  // --- building spans -------------------------------------------------------------------

  static TraceId randomTraceId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return new TraceId(r.nextLong(), r.nextLong() | 1);
  }

  static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  static KeyValue attr(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value))
        .build();
  }

  static long nanos(Instant instant) {
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }

  /** A span builder with the usual fields. */
  static Span.Builder span(TraceId traceId, long spanId, Long parentId, String name,
      Span.SpanKind kind, Instant start, Duration duration) {
    Span.Builder span = Span.newBuilder()
        .setTraceId(traceId.toBytes())
        .setSpanId(SpanIds.toBytes(spanId))
        .setName(name)
        .setKind(kind)
        .setStartTimeUnixNano(nanos(start))
        .setEndTimeUnixNano(nanos(start.plus(duration)));
    if (parentId != null) {
      span.setParentSpanId(SpanIds.toBytes(parentId));
    }
    return span;
  }

  static ResourceSpans of(String service, Span.Builder... spans) {
    return of(service, List.of(), spans);
  }

  static ResourceSpans of(String service, List<KeyValue> resource, Span.Builder... spans) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (Span.Builder span : spans) {
      scope.addSpans(span);
    }
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(attr("service.name", service))
            .addAllAttributes(resource))
        .addScopeSpans(scope).build();
  }

  void store(ResourceSpans... request) {
    storage.spanSink().accept(List.of(request)).await();
  }

  List<TraceId> find(TraceQuery query) {
    return storage.spanStore().findTraceIds(query).await();
  }

  TraceQuery query(String service, String operation, Map<String, String> tags, Long min,
      Long max, Duration lookback, int limit) {
    return new TraceQuery(service, operation, null, tags, min, max, now.minus(lookback),
        now.plusSeconds(60), limit);
  }

  TraceQuery byService(String service) {
    return query(service, null, Map.of(), null, null, Duration.ofHours(1), 10);
  }

  // --- listings -------------------------------------------------------------------------

  @Test
  void servicesOperationsAndRemoteServicesAreListed() {
    TraceId t = randomTraceId();
    store(of("frontend", span(t, 1, null, "GET /", Span.SpanKind.SPAN_KIND_SERVER, now, ms(10)),
            span(t, 2, 1L, "GET /cart", Span.SpanKind.SPAN_KIND_CLIENT, now, ms(5))
                .addAttributes(attr("peer.service", "cart")),
            span(t, 3, 1L, "SELECT", Span.SpanKind.SPAN_KIND_CLIENT, now, ms(1))
                .addAttributes(attr("peer.service", "postgres"))),
        of("cart", span(t, 4, 2L, "GET /cart", Span.SpanKind.SPAN_KIND_SERVER, now, ms(4))));

    assertThat(storage.spanStore().getServiceNames().await()).containsExactly("cart", "frontend");
    assertThat(storage.spanStore().getOperations("frontend", null).await()).containsExactly(
        new SpanName("GET /", 2), new SpanName("GET /cart", 3), new SpanName("SELECT", 3));
    assertThat(storage.spanStore().getOperations("frontend", 3).await()).containsExactly(
        new SpanName("GET /cart", 3), new SpanName("SELECT", 3));
    assertThat(storage.spanStore().getOperations("nobody", null).await()).isEmpty();
    assertThat(storage.spanStore().getRemoteServiceNames("frontend").await())
        .containsExactly("cart", "postgres");
    assertThat(storage.spanStore().getRemoteServiceNames("cart").await()).isEmpty();
  }

  // --- search ---------------------------------------------------------------------------

  /** Five traces a minute apart, newest last; every other one failing and slow. */
  List<TraceId> fiveTraces() {
    List<TraceId> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      TraceId t = randomTraceId();
      ids.add(t);
      Instant start = now.minus(Duration.ofMinutes(5 - i));
      boolean failing = i % 2 == 0;
      Span.Builder root = span(t, 1, null, i % 2 == 0 ? "GET /checkout" : "GET /home",
          Span.SpanKind.SPAN_KIND_SERVER, start, failing ? ms(900) : ms(30))
          .addAttributes(attr("http.status_code", failing ? 500 : 200))
          .addAttributes(attr("request.id", "req-" + i));
      if (failing) {
        root.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
      }
      store(of("shop", List.of(attr("k8s.pod.name", "shop-" + (i % 2))), root,
              span(t, 2, 1L, "charge", Span.SpanKind.SPAN_KIND_CLIENT, start.plusMillis(1), ms(20))),
          of("payments", span(t, 3, 2L, "charge", Span.SpanKind.SPAN_KIND_SERVER,
              start.plusMillis(2), ms(18))));
    }
    return ids;
  }

  @Test
  void searchByServiceReturnsTracesNewestFirst() {
    List<TraceId> ids = fiveTraces();
    assertThat(find(byService("shop"))).containsExactly(ids.get(4), ids.get(3), ids.get(2),
        ids.get(1), ids.get(0));
    assertThat(find(byService("payments"))).hasSize(5);
    assertThat(find(byService("unknown"))).isEmpty();
  }

  @Test
  void searchWithoutServiceCoversEveryService() {
    List<TraceId> ids = fiveTraces();
    assertThat(find(query(null, null, Map.of(), null, null, Duration.ofHours(1), 3)))
        .containsExactly(ids.get(4), ids.get(3), ids.get(2));
    assertThat(find(query(null, "charge", Map.of(), null, null, Duration.ofHours(1), 10)))
        .hasSize(5);
  }

  @Test
  void searchByOperationAndKind() {
    List<TraceId> ids = fiveTraces();
    assertThat(find(query("shop", "GET /checkout", Map.of(), null, null, Duration.ofHours(1), 10)))
        .containsExactly(ids.get(4), ids.get(2), ids.get(0));
    assertThat(find(query("shop", "nope", Map.of(), null, null, Duration.ofHours(1), 10))).isEmpty();
    TraceQuery serverCharge = new TraceQuery(null, "charge", 2, Map.of(), null, null,
        now.minusSeconds(3600), now.plusSeconds(60), 10);
    TraceQuery clientChargeOfPayments = new TraceQuery("payments", "charge", 3, Map.of(), null,
        null, now.minusSeconds(3600), now.plusSeconds(60), 10);
    assertThat(find(serverCharge)).hasSize(5);
    assertThat(find(clientChargeOfPayments)).isEmpty();
  }

  @Test
  void searchByDuration() {
    List<TraceId> ids = fiveTraces();
    assertThat(find(query("shop", null, Map.of(), 500_000L, null, Duration.ofHours(1), 10)))
        .containsExactly(ids.get(4), ids.get(2), ids.get(0));
    assertThat(find(query("shop", null, Map.of(), 25_000L, 100_000L, Duration.ofHours(1), 10)))
        .containsExactly(ids.get(3), ids.get(1));
    // The client span (20 ms) of every trace is within range.
    assertThat(find(query("shop", "charge", Map.of(), 19_000L, 21_000L, Duration.ofHours(1), 10)))
        .hasSize(5);
    // From a second on, the search walks the partial index of slow spans: the same answers.
    TraceId slow = randomTraceId();
    store(of("shop", span(slow, 1, null, "GET /export", Span.SpanKind.SPAN_KIND_SERVER,
        now.minusSeconds(30), Duration.ofMillis(2500))));
    store(of("shop", span(randomTraceId(), 1, null, "GET /export", Span.SpanKind.SPAN_KIND_SERVER,
        now.minusSeconds(20), Duration.ofMillis(999))));
    assertThat(find(query("shop", null, Map.of(), 1_000_000L, null, Duration.ofHours(1), 10)))
        .containsExactly(slow);
    assertThat(find(query("shop", null, Map.of(), 2_500_000L, null, Duration.ofHours(1), 10)))
        .containsExactly(slow);
    assertThat(find(query("shop", null, Map.of(), 2_500_001L, null, Duration.ofHours(1), 10)))
        .isEmpty();
    assertThat(find(query(null, null, Map.of(), 900_000L, 2_000_000L, Duration.ofHours(1), 10)))
        .hasSize(4);
  }

  @Test
  void searchByTagsSharedVaryingAndOfTheResource() {
    List<TraceId> ids = fiveTraces();
    // Integer attribute compared as text.
    assertThat(find(query("shop", null, Map.of("http.status_code", "500"), null, null,
        Duration.ofHours(1), 10))).containsExactly(ids.get(4), ids.get(2), ids.get(0));
    // An attribute unique to a span.
    assertThat(find(query(null, null, Map.of("request.id", "req-3"), null, null,
        Duration.ofHours(1), 10))).containsExactly(ids.get(3));
    // A resource attribute (Jaeger's process tags).
    assertThat(find(query("shop", null, Map.of("k8s.pod.name", "shop-1"), null, null,
        Duration.ofHours(1), 10))).containsExactly(ids.get(3), ids.get(1));
    // Only the key.
    Map<String, String> keyOnly = new LinkedHashMap<>();
    keyOnly.put("request.id", null);
    assertThat(find(query("shop", null, keyOnly, null, null, Duration.ofHours(1), 10))).hasSize(5);
    // All criteria on the same span: the payments span has no status code.
    assertThat(find(query("payments", null, Map.of("http.status_code", "500"), null, null,
        Duration.ofHours(1), 10))).isEmpty();
    // Combined with an operation and a duration.
    assertThat(find(query("shop", "GET /checkout", Map.of("http.status_code", "500",
        "k8s.pod.name", "shop-0"), 800_000L, null, Duration.ofHours(1), 1)))
        .containsExactly(ids.get(4));
  }

  @Test
  void tagValuesAreMatchedLiterally() {
    String[] values = {"it's", "100%", "a_b", "ünïcødé ✓", "{\"json\": [1, \"x\"]}", "back\\slash",
        "%", "_"};
    List<TraceId> ids = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      TraceId t = randomTraceId();
      ids.add(t);
      store(of("literal", span(t, 1, null, "op", Span.SpanKind.SPAN_KIND_SERVER,
          now.minusSeconds(values.length - i), ms(1)).addAttributes(attr("v", values[i]))
          .addAttributes(attr("odd key 'with' \"quotes\" %_", values[i]))));
    }
    for (int i = 0; i < values.length; i++) {
      assertThat(find(query("literal", null, Map.of("v", values[i]), null, null,
          Duration.ofHours(1), 10))).as(values[i]).containsExactly(ids.get(i));
      assertThat(find(query("literal", null, Map.of("odd key 'with' \"quotes\" %_", values[i]),
          null, null, Duration.ofHours(1), 10))).as(values[i]).containsExactly(ids.get(i));
    }
    assertThat(find(query("literal", null, Map.of("v", "100"), null, null, Duration.ofHours(1),
        10))).isEmpty();
  }

  @Test
  void searchByAnIndexedTagFindsItsTraceOnWhicheverDayAndSpan() {
    String key = "guid:x-request-id";
    TraceId wanted = randomTraceId();
    store(of("gateway",
        span(wanted, 1, null, "GET /", Span.SpanKind.SPAN_KIND_SERVER, now, ms(10))
            .addAttributes(attr(key, "it's 100%_\"ü\"")),
        span(wanted, 2, 1L, "call cart", Span.SpanKind.SPAN_KIND_CLIENT, now, ms(5))
            .addAttributes(attr(key, "it's 100%_\"ü\""))));
    List<TraceId> others = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      TraceId other = randomTraceId();
      others.add(other);
      store(of("gateway", span(other, 1, null, "GET /", Span.SpanKind.SPAN_KIND_SERVER,
          now.minusSeconds(i), ms(10)).addAttributes(attr(key, "req-" + i))));
    }
    TraceId older = randomTraceId();
    Instant twoDaysAgo = now.minus(Duration.ofDays(2));
    store(of("cart", span(older, 1, null, "GET /cart", Span.SpanKind.SPAN_KIND_SERVER,
        twoDaysAgo, ms(3)).addAttributes(attr(key, "req-old"))));
    Duration day = Duration.ofDays(1);

    assertThat(find(query(null, null, Map.of(key, "it's 100%_\"ü\""), null, null, day, 10)))
        .containsExactly(wanted);
    assertThat(find(query(null, null, Map.of(key, "req-7"), null, null, day, 10)))
        .containsExactly(others.get(7));
    // Matched literally: no pattern, no case folding, no partial values.
    assertThat(find(query(null, null, Map.of(key, "its 100%_\"ü\""), null, null, day, 10)))
        .isEmpty();
    assertThat(find(query(null, null, Map.of(key, "req-"), null, null, day, 10))).isEmpty();
    assertThat(find(query(null, null, Map.of(key, "REQ-7"), null, null, day, 10))).isEmpty();
    // One span must match every criterion, as for any tag.
    assertThat(find(query("gateway", "call cart", Map.of(key, "it's 100%_\"ü\""), null, null,
        day, 10))).containsExactly(wanted);
    assertThat(find(query("gateway", "call cart", Map.of(key, "req-7"), null, null, day, 10)))
        .isEmpty();
    assertThat(find(query("gateway", null, Map.of(key, "req-7"), 20_000L, null, day, 10)))
        .isEmpty();
    // The index is kept per day: an older trace is found when the range reaches back to it, and
    // only then.
    assertThat(find(query(null, null, Map.of(key, "req-old"), null, null, day, 10))).isEmpty();
    assertThat(find(query("cart", null, Map.of(key, "req-old"), null, null, Duration.ofDays(3),
        10))).containsExactly(older);
    // Asking for the key alone is not a value lookup: it walks the time index as before.
    assertThat(find(query("gateway", null, mapWithNullValue(key), null, null, day, 40)))
        .hasSize(31);
    long rows = storage.pool().query("SELECT count(*) FROM trace_days WHERE tag_hash <> 0")
        .execute().await()
        .iterator().next().getLong(0);
    assertThat(rows).as("one row per trace and value, not per span").isEqualTo(32);
  }

  static Map<String, String> mapWithNullValue(String key) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(key, null);
    return tags;
  }

  @Test
  void errorTrueFindsFailedSpansByStatusOrAttribute() {
    TraceId failed = randomTraceId();
    TraceId tagged = randomTraceId();
    TraceId fine = randomTraceId();
    store(of("api",
        span(failed, 1, null, "GET /a", Span.SpanKind.SPAN_KIND_SERVER, now, ms(3))
            .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
                .setMessage("upstream reset")),
        span(tagged, 1, null, "GET /b", Span.SpanKind.SPAN_KIND_SERVER, now.minusSeconds(1),
            ms(3)).addAttributes(attr("error", "true")),
        span(fine, 1, null, "GET /c", Span.SpanKind.SPAN_KIND_SERVER, now.minusSeconds(2), ms(3))
            .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK))));
    Duration hour = Duration.ofHours(1);
    assertThat(find(query("api", null, Map.of("error", "true"), null, null, hour, 10)))
        .containsExactly(failed, tagged);
    assertThat(find(query(null, null, Map.of("error", "true"), null, null, hour, 10)))
        .containsExactly(failed, tagged);
    assertThat(find(query("api", "GET /a", Map.of("error", "true"), null, null, hour, 10)))
        .containsExactly(failed);
    assertThat(find(query("api", "GET /c", Map.of("error", "true"), null, null, hour, 10)))
        .isEmpty();
    assertThat(find(query("api", null, Map.of("error", "false"), null, null, hour, 10)))
        .isEmpty();
  }

  @Test
  void aValueOnlyFailedSpansCarriedIsStillFoundOnceASpanThatIsNotFailedCarriesIt() {
    // Searches for a value that only failed spans have carried walk the failed spans alone
    // (attribute_sets.only_failed); a span that is not failed with the same attributes must
    // turn that off before it is stored, whether its set is new in its batch or older.
    Duration hour = Duration.ofHours(1);
    TraceId first = randomTraceId();
    TraceId second = randomTraceId();
    store(of("edge", failedWithStatus(first, now.minusSeconds(30), "503", true),
        failedWithStatus(second, now.minusSeconds(29), "200", false)));
    assertThat(find(query("edge", null, Map.of("http.status_code", "503"), null, null, hour, 10)))
        .containsExactly(first);
    TraceId okLater = randomTraceId();
    store(of("edge", failedWithStatus(okLater, now.minusSeconds(20), "503", false)));
    assertThat(find(query("edge", null, Map.of("http.status_code", "503"), null, null, hour, 10)))
        .containsExactly(okLater, first);
    // New set, failed and not-failed spans with it in one batch.
    TraceId failedNew = randomTraceId();
    TraceId okNew = randomTraceId();
    store(of("edge", failedWithStatus(failedNew, now.minusSeconds(10), "504", true),
        failedWithStatus(okNew, now.minusSeconds(9), "504", false)));
    assertThat(find(query("edge", null, Map.of("http.status_code", "504"), null, null, hour, 10)))
        .containsExactly(okNew, failedNew);
    // And with error=true as well, only the failed ones.
    Map<String, String> failed503 = new LinkedHashMap<>();
    failed503.put("http.status_code", "503");
    failed503.put("error", "true");
    assertThat(find(query("edge", "GET /", failed503, null, null, hour, 10)))
        .containsExactly(first);
    Row flags = storage.pool().query("SELECT count(*) FILTER (WHERE only_failed),"
        + " count(*) FILTER (WHERE NOT only_failed) FROM attribute_sets"
        + " WHERE tags->>'http.status_code' IN ('503', '504')").execute().await().iterator().next();
    assertThat(flags.getLong(0)).isZero();
    assertThat(flags.getLong(1)).isEqualTo(2);
  }

  private static Span.Builder failedWithStatus(TraceId trace, Instant start, String status,
      boolean failed) {
    return span(trace, 1, null, "GET /", Span.SpanKind.SPAN_KIND_SERVER, start, ms(2))
        .addAttributes(attr("http.status_code", status))
        .addAttributes(attr("upstream_cluster", "outbound|80||shop"))
        .setStatus(Status.newBuilder().setCode(failed ? Status.StatusCode.STATUS_CODE_ERROR
            : Status.StatusCode.STATUS_CODE_UNSET));
  }

  @Test
  void timeRangeEdgesAreInclusiveAndLimitsHold() {
    List<TraceId> ids = fiveTraces();
    Instant second = now.minus(Duration.ofMinutes(4)); // start of trace 1's root
    TraceQuery exact = new TraceQuery("shop", "GET /home", null, Map.of(), null, null, second,
        second, 10);
    assertThat(find(exact)).containsExactly(ids.get(1));
    TraceQuery before = new TraceQuery("shop", "GET /home", null, Map.of(), null, null,
        second.minusSeconds(30), second.minusNanos(1000), 10);
    assertThat(find(before)).isEmpty();
    TraceQuery window = new TraceQuery("shop", null, null, Map.of(), null, null,
        now.minus(Duration.ofMinutes(4)), now.minus(Duration.ofMinutes(2)), 10);
    assertThat(find(window)).containsExactly(ids.get(3), ids.get(2), ids.get(1));
    assertThat(find(query("shop", null, Map.of(), null, null, Duration.ofHours(1), 2)))
        .containsExactly(ids.get(4), ids.get(3));
  }

  @Test
  void searchFindsTracesWhoseSpansShareTimestampsAcrossPages() {
    // More spans than one page, all at the same microsecond: keyset paging must not loop or skip.
    List<TraceId> ids = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      TraceId t = randomTraceId();
      ids.add(t);
      store(of("same-time", span(t, 1, null, "op", Span.SpanKind.SPAN_KIND_SERVER, now, ms(1))));
    }
    assertThat(find(query("same-time", null, Map.of(), null, null, Duration.ofHours(1), 300)))
        .containsExactlyInAnyOrderElementsOf(ids);
  }

  // --- traces ---------------------------------------------------------------------------

  @Test
  void pagesThatEndInsideAGroupOfEqualStartTimesLoseNothing() {
    // The walk's first page is 40 entries for a limit of 10, then 160, 640; groups of 150 spans
    // share a start time, so pages end inside groups. The five matches are in the middle group, split by a page.
    List<TraceId> gold = new ArrayList<>();
    for (int group = 0; group < 3; group++) {
      Instant at = now.minusMillis(group);
      for (int i = 0; i < 150; i++) {
        TraceId t = randomTraceId();
        boolean match = group == 1 && i % 30 == 7;
        if (match) {
          gold.add(t);
        }
        store(of("busy", span(t, 1, null, "op", Span.SpanKind.SPAN_KIND_SERVER, at, ms(1))
            .addAttributes(attr("tier", match ? "gold" : "basic"))));
      }
    }
    assertThat(find(query("busy", "op", Map.of("tier", "gold"), null, null, Duration.ofHours(1),
        10))).containsExactlyInAnyOrderElementsOf(gold);
    assertThat(find(query("busy", null, Map.of("tier", "basic"), null, null, Duration.ofHours(1),
        500))).hasSize(445);
  }

  @Test
  void sixtyFourAndOneHundredTwentyEightBitIdsAndSharedSpans() {
    TraceId short64 = TraceId.fromHex("463ac35c9f6413ad");
    TraceId long128 = TraceId.fromHex("5b8efff798038103d269b633813fc60c");
    // A Zipkin shared pair: client and server halves carry one span ID.
    store(of("client-svc", span(long128, 7, 1L, "call", Span.SpanKind.SPAN_KIND_CLIENT, now, ms(5))),
        of("server-svc", span(long128, 7, 1L, "call", Span.SpanKind.SPAN_KIND_SERVER,
            now.plusMillis(1), ms(3)).addAttributes(KeyValue.newBuilder().setKey("zipkin.shared")
            .setValue(AnyValue.newBuilder().setBoolValue(true)))),
        of("edge", span(short64, 1, null, "ingress", Span.SpanKind.SPAN_KIND_SERVER, now, ms(1))));
    assertThat(storage.spanStore().getTrace(TraceId.fromHex("0000000000000000463ac35c9f6413ad"))
        .await()).hasSize(1);
    List<ResourceSpans> shared = storage.spanStore().getTrace(long128).await();
    assertThat(shared).hasSize(2);
    assertThat(shared).allSatisfy(rs -> assertThat(rs.getScopeSpans(0).getSpans(0).getSpanId())
        .isEqualTo(ByteString.copyFrom(SpanIds.toBytes(7).toByteArray())));
  }

  @Test
  void lateSpansAreStoredAndFoundInTheirDay() {
    TraceId t = randomTraceId();
    Instant threeDaysAgo = now.minus(Duration.ofDays(3));
    store(of("late", span(t, 1, null, "old", Span.SpanKind.SPAN_KIND_SERVER, threeDaysAgo, ms(1))));
    // More spans of the same trace arrive today.
    store(of("late", span(t, 2, 1L, "today", Span.SpanKind.SPAN_KIND_INTERNAL, now, ms(1))));
    assertThat(storage.spanStore().getTrace(t).await().get(0).getScopeSpans(0).getSpansCount()
        + storage.spanStore().getTrace(t).await().stream().skip(1)
            .mapToInt(rs -> rs.getScopeSpans(0).getSpansCount()).sum()).isEqualTo(2);
    assertThat(find(new TraceQuery("late", "old", null, Map.of(), null, null,
        threeDaysAgo.minusSeconds(1), threeDaysAgo.plusSeconds(1), 5))).containsExactly(t);
  }

  @Test
  void retentionDropsWholeDaysAndWhatReferredToThem() {
    TraceId old = randomTraceId();
    TraceId fresh = randomTraceId();
    store(of("svc", span(old, 1, null, "op", Span.SpanKind.SPAN_KIND_SERVER,
        now.minus(Duration.ofDays(6)), ms(1)).addAttributes(attr("guid:x-request-id", "r1"))));
    store(of("svc", span(fresh, 1, null, "op", Span.SpanKind.SPAN_KIND_SERVER, now, ms(1))));
    clock.advance(Duration.ofDays(3)); // the old span is now 9 days old, past 7
    storage.runMaintenance().await();

    assertThat(storage.spanStore().getTrace(old).await()).isEmpty();
    assertThat(storage.spanStore().getTrace(fresh).await()).hasSize(1);
    long oldDays = storage.pool().preparedQuery("SELECT count(*) FROM trace_days WHERE trace_id = $1")
        .execute(io.vertx.sqlclient.Tuple.of(old.toUuid())).await().iterator().next().getLong(0);
    assertThat(oldDays).isZero();
    long partitionsLeft = storage.pool().query("SELECT count(*) FROM pg_inherits i JOIN pg_class c"
            + " ON c.oid = i.inhrelid WHERE i.inhparent = 'spans'::regclass AND c.relname <= 'spans_"
            + java.time.format.DateTimeFormatter.BASIC_ISO_DATE.format(
                storage.partitionMaintainer().firstKeptDay().minusDays(1)) + "'")
        .execute().await().iterator().next().getLong(0);
    assertThat(partitionsLeft).isZero();
    // A span for a day that retention dropped is refused, not written to a new partition.
    assertThat(storage.spanStore().getTrace(old).await()).isEmpty();
  }

  // --- dependencies ---------------------------------------------------------------------

  @Test
  void dependencyLinksCountCallsAndErrorsBetweenServices() {
    for (int i = 0; i < 3; i++) {
      TraceId t = randomTraceId();
      boolean failed = i == 0;
      Span.Builder server = span(t, 3, 2L, "charge", Span.SpanKind.SPAN_KIND_SERVER, now, ms(3));
      if (failed) {
        server.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
      }
      store(of("shop", span(t, 1, null, "GET /", Span.SpanKind.SPAN_KIND_SERVER, now, ms(10)),
          span(t, 2, 1L, "charge", Span.SpanKind.SPAN_KIND_CLIENT, now, ms(5)),
          span(t, 4, 1L, "SELECT", Span.SpanKind.SPAN_KIND_CLIENT, now, ms(1))
              .addAttributes(attr("peer.service", "postgres"))));
      // The called side arrives in a request of its own, as from another sidecar.
      store(of("payments", server));
    }
    // A Zipkin shared pair: the server half's caller is the client half with the same ID.
    TraceId z = randomTraceId();
    store(of("edge", span(z, 9, 1L, "proxy", Span.SpanKind.SPAN_KIND_CLIENT, now, ms(2))),
        of("backend", span(z, 9, 1L, "proxy", Span.SpanKind.SPAN_KIND_SERVER, now, ms(1))
            .addAttributes(KeyValue.newBuilder().setKey("zipkin.shared")
                .setValue(AnyValue.newBuilder().setBoolValue(true)))));
    storage.flushDependencyLinks().await();

    assertThat(storage.spanStore().getDependencies(now.minus(Duration.ofHours(1)),
        now.plus(Duration.ofHours(1))).await()).containsExactly(
        new DependencyLink("edge", "backend", 1, 0),
        new DependencyLink("shop", "payments", 3, 1),
        new DependencyLink("shop", "postgres", 3, 0));
    assertThat(storage.spanStore().getDependencies(now.plus(Duration.ofHours(2)),
        now.plus(Duration.ofHours(3))).await()).isEmpty();
  }

  @Test
  void aCallerStoredByAnotherReplicaIsLookedUpInTheDatabase() {
    // This replica sees only the called span; its caller was stored by another one. After a
    // minute of waiting for it in memory, the linker looks the caller up in spans.
    MutableClock otherClock = new MutableClock();
    PostgresStorage other = PostgresStorage.open(vertx, PostgresStorageConfig.defaults(database),
        otherClock).await();
    try {
      TraceId t = randomTraceId();
      store(of("web", span(t, 2, 1L, "GET /cart", Span.SpanKind.SPAN_KIND_CLIENT, now, ms(5))));
      other.spanSink().accept(List.of(of("cart", span(t, 3, 2L, "GET /cart",
          Span.SpanKind.SPAN_KIND_SERVER, now, ms(3))))).await();
      other.flushDependencyLinks().await();
      Duration hour = Duration.ofHours(1);
      assertThat(storage.spanStore().getDependencies(now.minus(hour), now.plus(hour)).await())
          .isEmpty();
      otherClock.advance(Duration.ofSeconds(61));
      other.flushDependencyLinks().await();
      assertThat(storage.spanStore().getDependencies(now.minus(hour), now.plus(hour)).await())
          .containsExactly(new DependencyLink("web", "cart", 1, 0));
    } finally {
      other.close().await();
    }
  }

  @Test
  void rootSpansAreCountedPerMinuteWithTheSamplerTheyReport() {
    Instant minute = now.truncatedTo(ChronoUnit.MINUTES);
    Instant at = minute.plusSeconds(10);
    for (int i = 0; i < 3; i++) {
      // Jaeger's client tags, sampler.param as a double.
      TraceId t = randomTraceId();
      store(of("shop", span(t, 1, null, "GET /", Span.SpanKind.SPAN_KIND_SERVER, at, ms(5))
              .addAttributes(attr("sampler.type", "probabilistic"))
              .addAttributes(KeyValue.newBuilder().setKey("sampler.param")
                  .setValue(AnyValue.newBuilder().setDoubleValue(0.25))),
          // A child: not a root, not counted.
          span(t, 2, 1L, "SELECT", Span.SpanKind.SPAN_KIND_CLIENT, at, ms(1))));
    }
    // As Zipkin carries it: a string.
    store(of("shop", span(randomTraceId(), 1, null, "GET /", Span.SpanKind.SPAN_KIND_SERVER, at,
        ms(5)).addAttributes(attr("sampler.type", "ratelimiting"))
        .addAttributes(attr("sampler.param", "2"))));
    // OpenTelemetry's threshold for 50 %, and a root that says nothing.
    store(of("cart", span(randomTraceId(), 1, null, "add", Span.SpanKind.SPAN_KIND_SERVER, at,
        ms(5)).setTraceState("vendor=x,ot=th:8")));
    store(of("cart", span(randomTraceId(), 1, null, "add", Span.SpanKind.SPAN_KIND_SERVER,
        at.plusSeconds(60), ms(5))));
    storage.flushRootSpanThroughput().await();
    // Counts add up across flushes (and replicas).
    store(of("cart", span(randomTraceId(), 1, null, "add", Span.SpanKind.SPAN_KIND_SERVER,
        at.plusSeconds(61), ms(5))));
    storage.flushRootSpanThroughput().await();

    assertThat(storage.rootSpanThroughput(minute, minute.plusSeconds(600)).await())
        .containsExactly(
            new RootSpanThroughput(minute, "cart", "add", "probabilistic", 0.5, 1),
            new RootSpanThroughput(minute, "shop", "GET /", "probabilistic", 0.25, 3),
            new RootSpanThroughput(minute, "shop", "GET /", "ratelimiting", 2, 1),
            new RootSpanThroughput(minute.plusSeconds(60), "cart", "add", "", -1, 2));
    assertThat(storage.rootSpanThroughput(minute.plusSeconds(120), minute.plusSeconds(600))
        .await()).isEmpty();
  }

  @Test
  void openTelemetryThresholdsReadAsProbabilities() {
    assertThat(io.meshtrace.metrics.SamplingProbability.otelThreshold("ot=th:0")).isEqualTo(1.0);
    assertThat(io.meshtrace.metrics.SamplingProbability.otelThreshold("ot=th:c")).isEqualTo(0.25);
    assertThat(io.meshtrace.metrics.SamplingProbability.otelThreshold("a=b, ot=rv:abc;th:fd70a4"))
        .isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(io.meshtrace.metrics.SamplingProbability.otelThreshold("ot=th:XYZ")).isEqualTo(-1);
    assertThat(io.meshtrace.metrics.SamplingProbability.otelThreshold("ot=rv:abc")).isEqualTo(-1);
    assertThat(io.meshtrace.metrics.SamplingProbability.otelThreshold("")).isEqualTo(-1);
  }

  static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
