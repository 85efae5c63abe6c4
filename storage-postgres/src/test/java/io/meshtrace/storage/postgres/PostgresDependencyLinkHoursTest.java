package io.meshtrace.storage.postgres;

import static io.meshtrace.storage.postgres.SpanStoreConformanceTest.ms;
import static io.meshtrace.storage.postgres.SpanStoreConformanceTest.of;
import static io.meshtrace.storage.postgres.SpanStoreConformanceTest.randomTraceId;
import static io.meshtrace.storage.postgres.SpanStoreConformanceTest.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.storage.DependencyLink;
import io.meshtrace.storage.DependencyLinkHours;
import io.meshtrace.storage.LinkedDependencies;
import io.meshtrace.tenant.SpanTenant;
import io.meshtrace.tenant.Tenant;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The linked hours' bookkeeping: which hours are linked, and how a late write undoes it. */
class PostgresDependencyLinkHoursTest {
  static final Tenant ACME = Tenant.of("acme");

  Vertx vertx;
  MutableClock clock;
  PostgresStorage storage;
  DependencyLinkHours hours;
  /** The start of the current hour. */
  Instant hour;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    clock = new MutableClock();
    clock.set(Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofMinutes(30)));
    storage = PostgresStorage.open(vertx,
        PostgresStorageConfig.defaults(TestPostgres.freshDatabase()), clock).await();
    hours = storage.dependencyLinkHours();
    hour = clock.instant().truncatedTo(ChronoUnit.HOURS);
  }

  @AfterEach
  void close() {
    storage.close().await();
    vertx.close().await();
  }

  @Test
  void onlySpansWrittenIntoAnHourLongClosedMarkItAndEachWriteBumpsItsVersion() {
    Instant previous = hour.minus(Duration.ofHours(1));
    write(Tenant.DEFAULT, clock.instant().minusSeconds(60));
    write(Tenant.DEFAULT, previous.plusSeconds(3599)); // closed 30 minutes ago: late
    write(Tenant.DEFAULT, previous.plusSeconds(10));
    write(ACME, previous.plusSeconds(10));
    assertThat(rows()).containsExactly(List.of("", previous.toString(), "2"),
        List.of("acme", previous.toString(), "1"));

    // Within LATE_WRITE of its close an hour is not marked: traffic as usual writes none.
    clock.set(hour.plus(DependencyLinkHours.LATE_WRITE).minusSeconds(1));
    write(Tenant.DEFAULT, hour.minusSeconds(1));
    assertThat(rows()).hasSize(2);
  }

  @Test
  void anHoursLinksAreReadWhileNoSpanHasBeenWrittenIntoItSince() {
    Instant h = hour.minus(Duration.ofHours(3));
    long version = hours.writtenVersion(Tenant.DEFAULT, h).await();
    assertThat(version).isZero();
    hours.putLinks(Tenant.DEFAULT, h, version, List.of(new DependencyLink("a", "b", 3, 1)))
        .await();
    hours.putLinks(Tenant.DEFAULT, h, version, List.of(new DependencyLink("a", "b", 2, 0),
        new DependencyLink("a", "c", 1, 0))).await(); // replaced, not added
    assertThat(storage.spanStore().getLinkedDependencies(h, h.plusSeconds(3600)).await())
        .isEqualTo(new LinkedDependencies(List.of(h), List.of(
            new DependencyLink("a", "b", 2, 0), new DependencyLink("a", "c", 1, 0))));
    assertThat(storage.spanStores().forTenant(ACME).getLinkedDependencies(h,
        h.plusSeconds(3600)).await()).isEqualTo(LinkedDependencies.NONE);
    assertThat(storage.spanStore().getLinkedDependencies(h.plusNanos(1000),
        h.plusSeconds(7200)).await().hours()).as("not wholly in the window").isEmpty();

    write(Tenant.DEFAULT, h.plusSeconds(5));
    assertThat(storage.spanStore().getLinkedDependencies(h, h.plusSeconds(3600)).await())
        .isEqualTo(LinkedDependencies.NONE);
    assertThat(hours.hoursToLink(Tenant.DEFAULT, h, h.plusSeconds(3600), 10).await())
        .containsExactly(h);
    long again = hours.writtenVersion(Tenant.DEFAULT, h).await();
    assertThat(again).isEqualTo(1);
    hours.putLinks(Tenant.DEFAULT, h, again, List.of()).await();
    assertThat(storage.spanStore().getLinkedDependencies(h, h.plusSeconds(3600)).await())
        .isEqualTo(new LinkedDependencies(List.of(h), List.of()));
  }

  @Test
  void theHoursToLinkAreTheMissingAndTheStaleNewestFirst() {
    Instant from = hour.minus(Duration.ofHours(5));
    Instant linked = hour.minus(Duration.ofHours(2));
    hours.putLinks(Tenant.DEFAULT, linked, hours.writtenVersion(Tenant.DEFAULT, linked).await(),
        List.of()).await();
    assertThat(hours.hoursToLink(Tenant.DEFAULT, from, hour, 10).await()).containsExactly(
        hour.minus(Duration.ofHours(1)), hour.minus(Duration.ofHours(3)),
        hour.minus(Duration.ofHours(4)), from);
    assertThat(hours.hoursToLink(Tenant.DEFAULT, from, hour, 2).await()).containsExactly(
        hour.minus(Duration.ofHours(1)), hour.minus(Duration.ofHours(3)));
    assertThat(hours.hoursToLink(ACME, from, hour, 10).await()).hasSize(5);
    assertThat(hours.hoursToLink(Tenant.DEFAULT, hour, hour, 10).await()).isEmpty();
  }

  @Test
  void theTenantsAreThoseWithSpans() {
    assertThat(hours.tenants().await()).isEmpty();
    write(ACME, clock.instant());
    write(Tenant.DEFAULT, clock.instant());
    assertThat(hours.tenants().await()).containsExactly(Tenant.DEFAULT, ACME);
  }

  void write(Tenant tenant, Instant start) {
    storage.spanSink().accept(SpanTenant.assign(List.of(of("svc", span(randomTraceId(), 1, null,
        "op", Span.SpanKind.SPAN_KIND_SERVER, start, ms(5)))), tenant)).await();
  }

  /** The rows of dependency_link_hours: tenant, hour, written_version. */
  List<List<String>> rows() {
    return storage.pool().query("SELECT tenant, hour, written_version FROM dependency_link_hours"
            + " ORDER BY tenant, hour").execute()
        .map(rows -> {
          List<List<String>> found = new java.util.ArrayList<>();
          rows.forEach(row -> found.add(List.of(row.getString(0),
              row.getOffsetDateTime(1).toInstant().toString(),
              String.valueOf(row.getLong(2)))));
          return found;
        }).await();
  }
}
