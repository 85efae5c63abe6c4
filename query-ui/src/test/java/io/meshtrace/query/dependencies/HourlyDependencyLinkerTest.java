package io.meshtrace.query.dependencies;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.storage.LinkedDependencies;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.postgres.MutableClock;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.meshtrace.storage.postgres.PostgresStorageConfig;
import io.meshtrace.storage.postgres.TestPostgres;
import io.meshtrace.tenant.SpanTenant;
import io.meshtrace.tenant.Tenant;
import io.meshtrace.zipkin.codec.ZipkinToOtlp;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import zipkin2.DependencyLink;
import zipkin2.Span;
import zipkin2.codec.SpanBytesDecoder;
import zipkin2.internal.DependencyLinker;

/**
 * Closed hours linked once with Zipkin's linker, read as stored, and linked again when written
 * into late; every answer compared with Zipkin's own {@link DependencyLinker} over the traces
 * sent.
 */
class HourlyDependencyLinkerTest {
  /** Two hours that are due for linking at {@link #NOW}, and one that is not. */
  static final Instant H0 = Instant.parse("2023-11-14T23:00:00Z");
  static final Instant H1 = H0.plus(Duration.ofHours(1));
  static final Instant H2 = H1.plus(Duration.ofHours(1));
  static final Instant NOW = H2.plus(Duration.ofMinutes(60));
  static final Tenant ACME = Tenant.of("acme");
  /** Where retention would start: the hours linked are KEPT_SINCE to H1, four a tenant. */
  static final Instant KEPT_SINCE = H0.minus(Duration.ofHours(2));

  /** frontend calls cart, in H0. */
  static final String A = trace("a1", H0.plusSeconds(600), """
      {"id":"a1","kind":"SERVER","name":"get /","timestamp":T0,"duration":9000,
       "localEndpoint":{"serviceName":"frontend"}},
      {"parentId":"a1","id":"a2","kind":"CLIENT","name":"get /cart","timestamp":T1,
       "duration":5000,"localEndpoint":{"serviceName":"frontend"}},
      {"parentId":"a1","id":"a2","kind":"SERVER","name":"get /cart","timestamp":T2,
       "duration":3000,"localEndpoint":{"serviceName":"cart"},"shared":true}""");
  /** orders produces to kafka at the end of H1, billing consumes it in H2. */
  static final String B = trace("b1", H2.minusMillis(100), """
      {"id":"b1","kind":"PRODUCER","name":"send","timestamp":T0,"duration":100,
       "localEndpoint":{"serviceName":"orders"},"remoteEndpoint":{"serviceName":"kafka"}},
      {"parentId":"b1","id":"b2","kind":"CONSUMER","name":"poll","timestamp":T500000,
       "duration":100,"localEndpoint":{"serviceName":"billing"},
       "remoteEndpoint":{"serviceName":"kafka"}}""");
  /** frontend calls an uninstrumented mysql, which fails, in H1. */
  static final String C = trace("c1", H1.plusSeconds(1800), """
      {"id":"c1","kind":"SERVER","name":"get /","timestamp":T0,"duration":9000,
       "localEndpoint":{"serviceName":"frontend"}},
      {"parentId":"c1","id":"c2","kind":"CLIENT","name":"query","timestamp":T1,
       "duration":5000,"localEndpoint":{"serviceName":"frontend"},
       "remoteEndpoint":{"serviceName":"mysql"},"tags":{"error":"timeout"}}""");
  /** frontend calls cart, in H2, which is not due. */
  static final String D = trace("d1", H2.plusSeconds(60), """
      {"id":"d1","kind":"SERVER","name":"get /","timestamp":T0,"duration":9000,
       "localEndpoint":{"serviceName":"frontend"}},
      {"parentId":"d1","id":"d2","kind":"CLIENT","name":"get /cart","timestamp":T1,
       "duration":5000,"localEndpoint":{"serviceName":"frontend"}},
      {"parentId":"d1","id":"d2","kind":"SERVER","name":"get /cart","timestamp":T2,
       "duration":3000,"localEndpoint":{"serviceName":"cart"},"shared":true}""");

  MutableClock clock;
  Vertx vertx;
  PgConnectOptions database;
  PostgresStorage storage;
  List<HourlyDependencyLinker> linkers = new ArrayList<>();

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    clock = new MutableClock();
    clock.set(NOW);
    database = TestPostgres.freshDatabase();
    storage = PostgresStorage.open(vertx, PostgresStorageConfig.defaults(database), clock)
        .await();
    send(Tenant.DEFAULT, A);
    send(Tenant.DEFAULT, A); // again, as a retrying reporter may: one trace still
    send(Tenant.DEFAULT, B);
    send(Tenant.DEFAULT, C);
    send(Tenant.DEFAULT, D);
  }

  @AfterEach
  void close() {
    linkers.forEach(linker -> linker.stop().await());
    storage.close().await();
    vertx.close().await();
  }

  @Test
  void theDueHoursAreLinkedAsZipkinLinksTheTracesWhoseFirstSpanStartsInThem() {
    assertThat(linker().linkDue().await()).isEqualTo(4);

    LinkedDependencies linked = store().getLinkedDependencies(H0, NOW).await();
    assertThat(linked.hours()).containsExactly(H0, H1); // H2 closed 60 minutes ago: not yet
    assertThat(zipkin(store().getLinkedDependencies(H0, H1.minusNanos(1)).await()))
        .containsExactlyElementsOf(zipkinLinks(A));
    // B's consumer span is in H2, but B counts in H1, where it starts.
    assertThat(zipkin(store().getLinkedDependencies(H1, H2.minusNanos(1)).await()))
        .containsExactlyElementsOf(zipkinLinks(B, C));
    assertThat(store().getLinkedDependencies(H0.plusSeconds(1), NOW).await().hours())
        .as("only hours wholly in the window").containsExactly(H1);
  }

  @Test
  void aWindowReadsItsLinkedHoursAndLinksTheRestOnRead() {
    linker().linkDue().await();

    // The linked hours are read, not linked again: A, sent twice, counts once. With no trace
    // to be linked on read, the rest (H2) takes the counts of ingest.
    DependencyLinksReader bounded = new DependencyLinksReader(store(), 0);
    assertThat(bounded.links(H0, H2.minusNanos(1)).await().links())
        .containsExactlyElementsOf(zipkinLinks(A, B, C));
    assertThat(bounded.links(H0, NOW).await().links()).containsExactlyElementsOf(
        sum(zipkinLinks(A, B, C), zipkin(new LinkedDependencies(List.of(),
            store().getDependencies(H2, NOW).await()))));

    // B is found in H2 by its consumer span, and counted once: in H1, where it starts.
    DependencyLinksReader reader = new DependencyLinksReader(store());
    assertThat(reader.links(H0.plusSeconds(1800), NOW).await().links())
        .containsExactlyElementsOf(zipkinLinks(B, C, D));
    assertThat(reader.links(H0, NOW).await().links())
        .containsExactlyElementsOf(zipkinLinks(A, B, C, D));
    // H1 not wholly in the window: B linked on read, from its spans in the window's part of H1.
    assertThat(reader.links(H1.plusSeconds(1), NOW).await().links())
        .containsExactlyElementsOf(zipkinLinks(B, C, D));
  }

  @Test
  void aSpanWrittenIntoALinkedHourLateIsInTheLinksAtOnceAndTheHourIsLinkedAgain() {
    HourlyDependencyLinker linker = linker();
    linker.linkDue().await();
    String late = trace("e1", H1.plusSeconds(2400), """
        {"id":"e1","kind":"CLIENT","name":"get","timestamp":T0,"duration":100,
         "localEndpoint":{"serviceName":"billing"},
         "remoteEndpoint":{"serviceName":"ledger"}}""");
    send(Tenant.DEFAULT, late);

    assertThat(store().getLinkedDependencies(H0, NOW).await().hours()).containsExactly(H0);
    assertThat(new DependencyLinksReader(store()).links(H0, NOW).await().links())
        .containsExactlyElementsOf(zipkinLinks(A, B, C, D, late));

    assertThat(linker.linkDue().await()).isEqualTo(1);
    assertThat(store().getLinkedDependencies(H0, NOW).await().hours()).containsExactly(H0, H1);
    assertThat(zipkin(store().getLinkedDependencies(H1, H2.minusNanos(1)).await()))
        .containsExactlyElementsOf(zipkinLinks(B, C, late));
    assertThat(linker.linkDue().await()).as("nothing left to link").isZero();
  }

  @Test
  void eachTenantsHoursAreLinkedApart() {
    String other = trace("0a", H0.plusSeconds(60), """
        {"id":"0a","kind":"CLIENT","name":"get","timestamp":T0,"duration":100,
         "localEndpoint":{"serviceName":"frontend"},
         "remoteEndpoint":{"serviceName":"acme-only"}}""");
    send(ACME, other);
    assertThat(linker().linkDue().await()).isEqualTo(8);

    assertThat(zipkin(storage.spanStores().forTenant(ACME)
        .getLinkedDependencies(H0, H1.minusNanos(1)).await()))
        .containsExactlyElementsOf(zipkinLinks(other));
    assertThat(zipkin(store().getLinkedDependencies(H0, H1.minusNanos(1)).await()))
        .containsExactlyElementsOf(zipkinLinks(A));
  }

  @Test
  void oneReplicaLinksAndAnotherTakesOverWhenItStops() {
    HourlyDependencyLinker first = linker();
    HourlyDependencyLinker second = linker();
    assertThat(first.linkDue().await()).isEqualTo(4);
    send(Tenant.DEFAULT, trace("e1", H1.plusSeconds(2400), """
        {"id":"e1","kind":"CLIENT","name":"get","timestamp":T0,"duration":100,
         "localEndpoint":{"serviceName":"billing"},
         "remoteEndpoint":{"serviceName":"ledger"}}"""));
    assertThat(second.linkDue().await()).as("the first one leads").isZero();

    first.stop().await();
    linkers.remove(first);
    assertThat(second.linkDue().await()).as("H1, written into since").isEqualTo(1);
    assertThat(store().getLinkedDependencies(H0, NOW).await().hours()).containsExactly(H0, H1);
  }

  @Test
  void aLinkerWhoseConnectionsDieTakesTheLeadAgainAndLinksAtItsNextLook() {
    HourlyDependencyLinker linker = linker();
    assertThat(linker.linkDue().await()).isEqualTo(4);
    // Every connection of meshtrace's to its database killed, the lead's lock with its own.
    PgConnection admin = PgConnection.connect(vertx, database).await();
    try {
      admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
          + " WHERE datname = current_database() AND pid <> pg_backend_pid()").execute().await();
    } finally {
      admin.close().await();
    }
    String late = trace("e1", H1.plusSeconds(2400), """
        {"id":"e1","kind":"CLIENT","name":"get","timestamp":T0,"duration":100,
         "localEndpoint":{"serviceName":"billing"},
         "remoteEndpoint":{"serviceName":"ledger"}}""");
    sendRetrying(late);

    assertThat(linker.linkDue().await()).isEqualTo(1);
    assertThat(zipkin(store().getLinkedDependencies(H1, H2.minusNanos(1)).await()))
        .containsExactlyElementsOf(zipkinLinks(B, C, late));
    assertThat(linker.failedHours()).isZero();
    // It holds the lead for real again: another replica cannot link.
    send(Tenant.DEFAULT, trace("e2", H0.plusSeconds(2400), """
        {"id":"e2","kind":"CLIENT","name":"get","timestamp":T0,"duration":100,
         "localEndpoint":{"serviceName":"billing"},
         "remoteEndpoint":{"serviceName":"ledger"}}"""));
    assertThat(linker().linkDue().await()).isZero();
    assertThat(linker.linkDue().await()).isEqualTo(1);
  }

  @Test
  void retentionDropsTheLinkedHoursWithTheSpans() {
    linker().linkDue().await();
    clock.set(NOW.plus(Duration.ofDays(PostgresStorageConfig.DEFAULT_RETENTION_DAYS + 2)));
    storage.runMaintenance().await();
    clock.set(NOW);
    assertThat(store().getLinkedDependencies(H0, NOW).await().hours()).isEmpty();
  }

  HourlyDependencyLinker linker() {
    HourlyDependencyLinker linker = new HourlyDependencyLinker(vertx,
        storage.dependencyLinkHours(), storage.spanStores(),
        storage.dependencyLinkingLeadership(), () -> KEPT_SINCE, clock);
    linkers.add(linker);
    return linker;
  }

  SpanStore store() {
    return storage.spanStore();
  }

  void send(Tenant tenant, String json) {
    storage.spanSink().accept(SpanTenant.assign(ZipkinToOtlp.translate(
        SpanBytesDecoder.JSON_V2.decodeList(json.getBytes(StandardCharsets.UTF_8)),
        clock.millis() * 1000), tenant)).await();
    storage.flushDependencyLinks().await(); // the counts taken at ingest, for the fallback
  }

  /** As a reporter does: the first write after the connections died may fail, the next not. */
  void sendRetrying(String json) {
    for (int attempt = 1; ; attempt++) {
      try {
        send(Tenant.DEFAULT, json);
        return;
      } catch (RuntimeException e) {
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }

  /**
   * A trace's spans as a JSON list: {@code T<n>} is {@code start} plus n microseconds, each span
   * gets the trace ID.
   */
  static String trace(String traceId, Instant start, String spans) {
    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, start);
    StringBuilder json = new StringBuilder();
    java.util.regex.Matcher t = java.util.regex.Pattern.compile("\"timestamp\":T(\\d+)")
        .matcher(spans.replace("{\"id\"", "{\"traceId\":\"" + traceId + "\",\"id\"")
            .replace("{\"parentId\"", "{\"traceId\":\"" + traceId + "\",\"parentId\""));
    while (t.find()) {
      t.appendReplacement(json, "\"timestamp\":" + (micros + Long.parseLong(t.group(1))));
    }
    t.appendTail(json);
    return "[" + json + "]";
  }

  /** What Zipkin's own linker makes of these traces, sorted as meshtrace answers. */
  static List<DependencyLink> zipkinLinks(String... traces) {
    DependencyLinker linker = new DependencyLinker();
    for (String trace : traces) {
      List<Span> spans = SpanBytesDecoder.JSON_V2.decodeList(
          trace.getBytes(StandardCharsets.UTF_8));
      linker.putTrace(spans);
    }
    List<DependencyLink> links = new ArrayList<>(linker.link());
    links.sort(Comparator.comparing(DependencyLink::parent).thenComparing(DependencyLink::child));
    return links;
  }

  /** Links added up by pair, sorted. */
  static List<DependencyLink> sum(List<DependencyLink> a, List<DependencyLink> b) {
    java.util.Map<String, DependencyLink> byPair = new java.util.TreeMap<>();
    for (DependencyLink link : a) {
      byPair.put(link.parent() + " " + link.child(), link);
    }
    for (DependencyLink link : b) {
      byPair.merge(link.parent() + " " + link.child(), link, (x, y) -> x.toBuilder()
          .callCount(x.callCount() + y.callCount())
          .errorCount(x.errorCount() + y.errorCount()).build());
    }
    return List.copyOf(byPair.values());
  }

  static List<DependencyLink> zipkin(LinkedDependencies linked) {
    return linked.links().stream().map(link -> DependencyLink.newBuilder()
            .parent(link.parent()).child(link.child()).callCount(link.callCount())
            .errorCount(link.errorCount()).build())
        .sorted(Comparator.comparing(DependencyLink::parent)
            .thenComparing(DependencyLink::child))
        .toList();
  }
}
