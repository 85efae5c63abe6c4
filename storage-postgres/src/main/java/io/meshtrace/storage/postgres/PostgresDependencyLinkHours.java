package io.meshtrace.storage.postgres;

import io.meshtrace.storage.DependencyLink;
import io.meshtrace.storage.DependencyLinkHours;
import io.meshtrace.tenant.Tenant;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link DependencyLinkHours} in {@code dependency_link_hours} and {@code
 * linked_dependency_links} (migration V12). The writer bumps an hour's version in the insert of
 * a late span ({@link PostgresSpanWriter#INSERT_SPANS}); this class is the linker's side.
 */
final class PostgresDependencyLinkHours implements DependencyLinkHours {
  private final Pool pool;

  PostgresDependencyLinkHours(Pool pool) {
    this.pool = pool;
  }

  @Override
  public Future<List<Tenant>> tenants() {
    return pool.query("SELECT DISTINCT tenant FROM services ORDER BY tenant").execute()
        .map(rows -> {
          List<Tenant> tenants = new ArrayList<>();
          rows.forEach(row -> tenants.add(new Tenant(row.getString(0))));
          return tenants;
        })
        .recover(ReadFailures::unavailable);
  }

  @Override
  public Future<List<Instant>> hoursToLink(Tenant tenant, Instant from, Instant until,
      int limit) {
    return pool.preparedQuery("""
            SELECT g.hour
            FROM generate_series(date_trunc('hour', $2::timestamptz - interval '1 microsecond',
                                             'UTC'),
                                 $1::timestamptz, interval '-1 hour') AS g(hour)
            LEFT JOIN dependency_link_hours h ON h.tenant = $3 AND h.hour = g.hour
            WHERE h.hour IS NULL OR h.linked_version IS DISTINCT FROM h.written_version
            ORDER BY g.hour DESC
            LIMIT $4""")
        .execute(Tuple.of(from.atOffset(ZoneOffset.UTC), until.atOffset(ZoneOffset.UTC),
            tenant.id(), limit))
        .map(rows -> {
          List<Instant> hours = new ArrayList<>();
          for (Row row : rows) {
            hours.add(row.getOffsetDateTime(0).toInstant());
          }
          return hours;
        })
        .recover(ReadFailures::unavailable);
  }

  @Override
  public Future<Long> writtenVersion(Tenant tenant, Instant hour) {
    Tuple key = Tuple.of(tenant.id(), hour.atOffset(ZoneOffset.UTC));
    // An insert of the hour by a late span's transaction not yet committed makes this one wait
    // for it, so the version read below is never older than a span the linker cannot yet see.
    return pool.preparedQuery("INSERT INTO dependency_link_hours (tenant, hour) VALUES ($1, $2)"
            + " ON CONFLICT (tenant, hour) DO NOTHING").execute(key)
        .compose(v -> pool.preparedQuery("SELECT written_version FROM dependency_link_hours"
            + " WHERE tenant = $1 AND hour = $2").execute(key))
        .map(rows -> rows.iterator().next().getLong(0))
        .recover(ReadFailures::unavailable);
  }

  @Override
  public Future<Void> putLinks(Tenant tenant, Instant hour, long version,
      List<DependencyLink> links) {
    String[] parents = new String[links.size()];
    String[] children = new String[links.size()];
    Long[] calls = new Long[links.size()];
    Long[] errors = new Long[links.size()];
    for (int i = 0; i < links.size(); i++) {
      DependencyLink link = links.get(i);
      parents[i] = link.parent();
      children[i] = link.child();
      calls[i] = link.callCount();
      errors[i] = link.errorCount();
    }
    Tuple key = Tuple.of(tenant.id(), hour.atOffset(ZoneOffset.UTC));
    return pool.withTransaction(conn -> conn.preparedQuery(
                "DELETE FROM linked_dependency_links WHERE tenant = $1 AND hour = $2")
            .execute(key)
            .compose(v -> conn.preparedQuery("""
                    INSERT INTO linked_dependency_links
                      (tenant, hour, parent, child, call_count, error_count)
                    SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::bigint[],
                                                 $6::bigint[])""")
                .execute(Tuple.of(tenant.id(), hour.atOffset(ZoneOffset.UTC), parents, children,
                    calls, errors)))
            .compose(v -> conn.preparedQuery("UPDATE dependency_link_hours"
                    + " SET linked_version = $3 WHERE tenant = $1 AND hour = $2")
                .execute(Tuple.of(tenant.id(), hour.atOffset(ZoneOffset.UTC), version))))
        .<Void>mapEmpty()
        .recover(failure -> Future.failedFuture(PgErrors.classify(failure)));
  }
}
