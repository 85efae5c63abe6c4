package io.meshtrace.storage.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.model.SpanIds;
import io.meshtrace.model.TraceId;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.TraceQuery;
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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reads from partitions that were just filled: what a new day's partition, or a new data
 * directory, looks like to the readers until autovacuum gets to it (it wakes once a minute; here
 * it is switched off for the partitions). Every statement the span store runs is planned by
 * PostgreSQL as usual (custom plans, then generic ones once a prepared statement has run five
 * times) and its plan is captured by auto_explain from the server's log. First as the writer
 * left the partitions (it analysed them as they filled: PartitionAnalyzer), then with no
 * statistics at all. No plan may scan a spans partition or trace_days sequentially, a trace's
 * spans are read through the trace ID index, and with the writer's statistics every search walks
 * the start time index in order; the answers are checked too.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class FreshPartitionPlansTest {
  private static final int TRACES = 4_000;
  private static final int SPANS_PER_TRACE = 15;
  private static final String[] SERVICES = {"frontend", "cart", "checkout", "payment"};
  private static final Pattern LOG_ENTRY = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2} ");
  private static final Pattern SPANS_PARTITION = Pattern.compile("spans_[0-9]{8}");

  static Vertx vertx;
  static PostgresStorage storage;
  static PgConnectOptions options;
  static long logStart;
  static final List<TraceId> traceIds = new ArrayList<>();
  static final Map<TraceId, String> requestIds = new HashMap<>();
  static Instant end;

  @BeforeAll
  static void loadAFreshPartition() {
    vertx = Vertx.vertx();
    options = TestPostgres.freshDatabase();
    storage = PostgresStorage.open(vertx, PostgresStorageConfig.defaults(options)).await();
    end = Instant.now().truncatedTo(ChronoUnit.MICROS);
    Instant start = end.minus(20, ChronoUnit.MINUTES);
    // Autovacuum must not analyse what the test loads while it reads: the point is a partition
    // with the writer's statistics, then none.
    for (LocalDate day : List.of(start.atOffset(ZoneOffset.UTC).toLocalDate(),
        end.atOffset(ZoneOffset.UTC).toLocalDate())) {
      storage.pool().query("ALTER TABLE " + SpanPartitions.partitionName(day)
          + " SET (autovacuum_enabled = false)").execute().await();
    }
    storage.pool().query("ALTER TABLE trace_days SET (autovacuum_enabled = false)").execute()
        .await();

    Random random = new Random(17);
    long stepMicros = ChronoUnit.MICROS.between(start, end) / TRACES;
    List<ResourceSpans> request = new ArrayList<>();
    List<Future<Void>> inFlight = new ArrayList<>();
    for (int t = 0; t < TRACES; t++) {
      TraceId traceId = new TraceId(random.nextLong(), random.nextLong() | 1);
      String requestId = new java.util.UUID(random.nextLong(), random.nextLong()).toString();
      traceIds.add(traceId);
      requestIds.put(traceId, requestId);
      long startMicros = start.toEpochMilli() * 1000 + t * stepMicros;
      request.addAll(trace(traceId, requestId, startMicros, t));
      if (request.size() >= 40) {
        inFlight.add(storage.spanSink().accept(List.copyOf(request)));
        request.clear();
      }
      if (inFlight.size() >= 8) {
        Future.all(inFlight).await();
        inFlight.clear();
      }
    }
    inFlight.add(storage.spanSink().accept(List.copyOf(request)));
    Future.all(inFlight).await();

    // The writer analyses as it goes, after commits: its last ANALYZE may still be running.
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (storage.partitionAnalyseRunning() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * A store on a pool of its own, whose sessions log the plan of every statement they run
   * (auto_explain, into the server's log: notices would not outlive a pooled connection's first
   * borrower); new sessions, so no plan is cached yet.
   */
  static Pool explainedPool() {
    logStart = serverLogSize();
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(1).setShared(false))
        .connectingTo(new PgConnectOptions(options)
            .addProperty("session_preload_libraries", "auto_explain")
            .addProperty("auto_explain.log_min_duration", "0")
            .addProperty("auto_explain.log_format", "json")
            .addProperty("auto_explain.log_nested_statements", "on"))
        .using(vertx)
        .build();
  }

  @AfterAll
  static void close() {
    storage.close().await();
    vertx.close().await();
  }

  /**
   * A trace of a root at the frontend and 14 calls below it across the services; Envoy-like
   * attributes that repeat (method, status code), a request ID per trace (indexed) and a URL
   * per span (volatile, kept in payloads); one trace in 50 failed, one in 100 slow.
   */
  static List<ResourceSpans> trace(TraceId traceId, String requestId, long startMicros, int n) {
    boolean failed = n % 50 == 7;
    boolean slow = n % 100 == 3;
    Map<String, List<Span>> byService = new java.util.LinkedHashMap<>();
    for (int i = 0; i < SPANS_PER_TRACE; i++) {
      String service = i == 0 ? SERVICES[0] : SERVICES[1 + i % (SERVICES.length - 1)];
      long spanStart = startMicros + i * 100L;
      long duration = (slow && i == 0) ? 1_500_000 : 2_000 - i * 100L;
      Span.Builder span = Span.newBuilder()
          .setTraceId(traceId.toBytes())
          .setSpanId(SpanIds.toBytes(i + 1))
          .setName(i == 0 ? "GET /" : "call-" + (i % 3))
          .setKind(i == 0 ? Span.SpanKind.SPAN_KIND_SERVER : Span.SpanKind.SPAN_KIND_CLIENT)
          .setStartTimeUnixNano(spanStart * 1000)
          .setEndTimeUnixNano((spanStart + duration) * 1000)
          .addAttributes(attr("http.method", "GET"))
          .addAttributes(attr("http.status_code", failed ? "503" : "200"))
          .addAttributes(attr("guid:x-request-id", requestId))
          .addAttributes(attr("http.url", "http://" + service + "/item/" + n + "/" + i));
      if (i > 0) {
        span.setParentSpanId(SpanIds.toBytes(1));
      }
      if (failed) {
        span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
      }
      byService.computeIfAbsent(service, s -> new ArrayList<>()).add(span.build());
    }
    List<ResourceSpans> spans = new ArrayList<>();
    byService.forEach((service, list) -> spans.add(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(attr("service.name", service)))
        .addScopeSpans(ScopeSpans.newBuilder()
            .setScope(InstrumentationScope.newBuilder().setName("envoy"))
            .addAllSpans(list))
        .build()));
    return spans;
  }

  static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder().setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  static int spanCount(List<ResourceSpans> trace) {
    return trace.stream().flatMap(r -> r.getScopeSpansList().stream())
        .mapToInt(ScopeSpans::getSpansCount).sum();
  }

  static TraceQuery search(String service, String operation, Map<String, String> tags,
      Long minDurationMicros) {
    return new TraceQuery(service, operation, null, tags, minDurationMicros, null,
        end.minus(1, ChronoUnit.HOURS), end.plusSeconds(1), 20);
  }

  @Test
  @org.junit.jupiter.api.Order(1)
  void readsRightAfterALoadWalkTheIndexes() {
    // 60,000 rows: analysed at 10,000, 20,000 and 40,000 rows written.
    assertThat(storage.partitionAnalyses()).as("analyses by the writer").isEqualTo(3);
    assertThat(storage.partitionAnalyseFailures()).isZero();
    exerciseWithPlansLogged();
    assertThat(problems(loggedPlans(), true)).isEmpty();
  }

  @Test
  @org.junit.jupiter.api.Order(2)
  void readsWithoutAnyStatisticsStayOnIndexes() {
    // As before anything analysed the partitions (the catalog allows it to a superuser).
    storage.pool().query("""
        DELETE FROM pg_statistic WHERE starelid IN
          (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'spans'::regclass
           UNION ALL SELECT 'trace_days'::regclass)""").execute().await();
    storage.pool().query("""
        UPDATE pg_class SET reltuples = -1, relpages = 0, relallvisible = 0 WHERE oid IN
          (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'spans'::regclass
           UNION ALL SELECT 'trace_days'::regclass)""").execute().await();
    // The precondition: no statistics.
    Row stats = storage.pool().query("""
            SELECT count(*) FILTER (WHERE c.reltuples >= 0),
                   (SELECT count(*) FROM pg_statistic s WHERE s.starelid IN
                      (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'spans'::regclass)
                      OR s.starelid = 'trace_days'::regclass)
            FROM pg_class c
            WHERE c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'spans'::regclass)
               OR c.oid = 'trace_days'::regclass""").execute().await().iterator().next();
    assertThat(stats.getLong(0)).as("partitions with a row count from ANALYZE").isZero();
    assertThat(stats.getLong(1)).as("column statistics").isZero();

    exerciseWithPlansLogged();
    // Without statistics a search may take its time range through a bitmap and sort it (the
    // first five times, before a generic plan): the writer's analyses are there to prevent it.
    assertThat(problems(loggedPlans(), false)).isEmpty();
  }

  /** {@link #exercise} through a pool whose every statement's plan goes to the server log. */
  private static void exerciseWithPlansLogged() {
    Pool pool = explainedPool();
    try {
      exercise(new PostgresSpanStore(pool, new DictionaryReader(pool),
          Set.of(PostgresStorageConfig.DEFAULT_INDEXED_TAG_KEY)));
    } finally {
      pool.close().await();
    }
  }

  /** Reads traces and searches in every way, checking the answers. */
  static void exercise(SpanStore store) {
    // Trace by ID, more than five times (so that generic plans get their turn), then a page of
    // search results' traces at once, as the query APIs read them.
    for (int i = 0; i < 12; i++) {
      TraceId id = traceIds.get(i * 311);
      assertThat(spanCount(store.getTrace(id).await())).isEqualTo(SPANS_PER_TRACE);
    }
    List<TraceId> page = traceIds.subList(100, 120);
    for (int i = 0; i < 6; i++) {
      List<List<ResourceSpans>> traces = store.getTraces(page).await();
      assertThat(traces).hasSize(page.size());
      assertThat(traces).allSatisfy(t -> assertThat(spanCount(t)).isEqualTo(SPANS_PER_TRACE));
    }

    // Every kind of search: by service, service and operation, a shared tag (a rare value and
    // error=true walk the failed spans' index), a duration, a request ID (the tag index), and a
    // tag only payloads hold.
    for (int i = 0; i < 6; i++) {
      String service = SERVICES[i % SERVICES.length];
      assertThat(store.findTraceIds(search(service, null, Map.of(), null)).await()).hasSize(20);
      // A service's calls are all named alike: cart's call-0, checkout's call-1, payment's call-2.
      assertThat(store.findTraceIds(search(SERVICES[1 + i % 3], "call-" + (i % 3), Map.of(),
          null)).await()).hasSize(20);
      assertThat(store.findTraceIds(search(service, null, Map.of("http.status_code", "503"),
          null)).await()).hasSize(20);
      assertThat(store.findTraceIds(search(service, null, Map.of("error", "true"), null))
          .await()).hasSize(20);
      assertThat(store.findTraceIds(search(SERVICES[0], null, Map.of(), 1_000_000L)).await())
          .hasSize(20);
      TraceId wanted = traceIds.get(1000 + i * 457);
      assertThat(store.findTraceIds(search(null, null,
          Map.of("guid:x-request-id", requestIds.get(wanted)), null)).await())
          .containsExactly(wanted);
    }
    int n = 2345;
    assertThat(store.findTraceIds(search(SERVICES[0], null,
        Map.of("http.url", "http://frontend/item/" + n + "/0"), null)).await())
        .containsExactly(traceIds.get(n));
  }

  /**
   * What the plans do that they must not: a sequential scan of a spans partition or of
   * trace_days; a trace's spans read through another index than the trace ID's; with {@code
   * orderedWalks}, a search's walk (a page of start times or rows, newest first) that does not
   * walk the start time index in order but takes the range through a bitmap to sort it.
   */
  static List<String> problems(List<JsonObject> captured, boolean orderedWalks) {
    assertThat(captured).as("plans captured by auto_explain").isNotEmpty();
    List<String> problems = new ArrayList<>();
    int traceReads = 0;
    int walks = 0;
    for (JsonObject plan : captured) {
      String text = plan.getString("Query Text");
      boolean readsTrace = text.startsWith("SELECT * FROM spans_");
      boolean walk = text.contains(" FROM spans s WHERE") && text.contains("LIMIT $");
      if (readsTrace) {
        traceReads++;
      }
      if (walk) {
        walks++;
      }
      visit(plan.getJsonObject("Plan"), node -> {
        String type = node.getString("Node Type");
        String relation = node.getString("Relation Name", "");
        boolean spans = SPANS_PARTITION.matcher(relation).matches();
        if ((spans || relation.equals("trace_days")) && type.equals("Seq Scan")) {
          problems.add("Seq Scan on " + relation + " in: " + text);
        }
        String index = node.getString("Index Name");
        if (readsTrace && index != null && !index.endsWith("_trace_id_idx")) {
          problems.add(index + " reading a trace in: " + text);
        }
        if (orderedWalks && walk && spans && type.equals("Bitmap Heap Scan")) {
          problems.add("Bitmap Heap Scan on " + relation + " in a walk: " + text);
        }
      });
    }
    assertThat(traceReads).as("plans of a day's spans read by trace ID").isGreaterThan(12);
    assertThat(walks).as("plans of search walks").isGreaterThan(12);
    return problems;
  }

  static Path serverLog() {
    return TestPostgres.server().dataDirectory().resolve("postgres.log");
  }

  static long serverLogSize() {
    try {
      return Files.size(serverLog());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The plans auto_explain wrote since the explained pool opened: a line "... LOG:  duration:
   * ... plan:" and the JSON on the lines after it, up to the next line that starts with a time.
   */
  static List<JsonObject> loggedPlans() {
    List<JsonObject> found = new ArrayList<>();
    try (RandomAccessFile file = new RandomAccessFile(serverLog().toFile(), "r")) {
      file.seek(logStart);
      byte[] bytes = new byte[(int) (file.length() - logStart)];
      file.readFully(bytes);
      StringBuilder json = null;
      for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
        boolean entry = LOG_ENTRY.matcher(line).lookingAt();
        if (entry && json != null) {
          found.add(new JsonObject(json.toString()));
          json = null;
        }
        if (entry && line.contains("LOG:  duration:") && line.endsWith("plan:")) {
          json = new StringBuilder();
        } else if (!entry && json != null) {
          json.append(line).append('\n');
        }
      }
      if (json != null) {
        found.add(new JsonObject(json.toString()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return found;
  }

  static void visit(JsonObject node, java.util.function.Consumer<JsonObject> visitor) {
    visitor.accept(node);
    JsonArray children = node.getJsonArray("Plans");
    if (children != null) {
      for (int i = 0; i < children.size(); i++) {
        visit(children.getJsonObject(i), visitor);
      }
    }
  }
}
