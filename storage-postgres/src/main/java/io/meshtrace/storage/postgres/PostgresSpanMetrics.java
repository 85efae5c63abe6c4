package io.meshtrace.storage.postgres;

import io.meshtrace.metrics.LatencyHistogram;
import io.meshtrace.metrics.RedMetrics;
import io.meshtrace.metrics.SpanMetricsKey;
import io.meshtrace.metrics.SpanMetricsQuery;
import io.meshtrace.metrics.SpanMetricsSeries;
import io.meshtrace.metrics.SpanMetricsStore;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RED metrics in {@code span_metrics_minute} and, rolled up, {@code span_metrics_hour} (schema
 * version 8): written a minute at a time as the aggregator closes them, rolled up an hour at a
 * time once its minutes are in, read per step, from hours where a step is a whole number of
 * hours and the hours are rolled up, else from minutes.
 */
final class PostgresSpanMetrics implements SpanMetricsStore {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresSpanMetrics.class);
  /** Writers hold it shared, the rollup exclusively: a late minute is in the hour either way. */
  private static final long ROLLUP_LOCK = 0x6d657472L; // "metr"
  static final String MINUTES = "span_metrics_minute";
  static final String HOURS = "span_metrics_hour";
  /** Hours rolled up by one run at most, so that a first run after a long pause stays short. */
  private static final int MAX_HOURS_PER_ROLLUP = 24;

  private final Pool writePool;
  private final Pool readPool;
  private final Clock clock;
  private final Duration closeAfter;
  private final Set<String> knownPartitions = ConcurrentHashMap.newKeySet();

  /**
   * @param closeAfter how long after its end a minute is written: an hour is rolled up that
   *     long, and a minute more, after it ended
   */
  PostgresSpanMetrics(Pool writePool, Pool readPool, Clock clock, Duration closeAfter) {
    this.writePool = writePool;
    this.readPool = readPool;
    this.clock = clock;
    this.closeAfter = closeAfter;
  }

  static String partitionName(String parent, LocalDate day) {
    return parent + "_" + day.toString().replace("-", "");
  }

  /** Makes sure both tables have a partition for each day. */
  Future<Void> ensurePartitions(Set<LocalDate> days) {
    List<String> parents = new ArrayList<>();
    List<LocalDate> missing = new ArrayList<>();
    for (LocalDate day : days) {
      for (String parent : List.of(MINUTES, HOURS)) {
        if (!knownPartitions.contains(partitionName(parent, day))) {
          parents.add(parent);
          missing.add(day);
        }
      }
    }
    if (missing.isEmpty()) {
      return Future.succeededFuture();
    }
    return writePool.preparedQuery("SELECT p, d, meshtrace_ensure_span_metrics_partition(p, d) "
            + "FROM unnest($1::text[], $2::date[]) AS x(p, d)")
        .execute(Tuple.from(List.<Object>of(parents.toArray(new String[0]),
            missing.toArray(new LocalDate[0]))))
        .map(rows -> {
          for (Row row : rows) {
            String name = partitionName(row.getString(0), row.getLocalDate(1));
            if (row.getBoolean(2)) {
              LOG.info("Created partition {}", name);
            }
            knownPartitions.add(name);
          }
          return null;
        });
  }

  void forgetPartition(String name) {
    knownPartitions.remove(name);
  }

  @Override
  public Future<Void> write(SortedMap<SpanMetricsKey, RedMetrics> minutes) {
    if (minutes.isEmpty()) {
      return Future.succeededFuture();
    }
    SortedMap<SpanMetricsKey, RedMetrics> rows = withServiceTotals(minutes);
    int n = rows.size();
    OffsetDateTime[] times = new OffsetDateTime[n];
    String[] tenants = new String[n];
    String[] services = new String[n];
    Short[] kinds = new Short[n];
    String[] operations = new String[n];
    MetricColumns columns = new MetricColumns(n);
    Set<LocalDate> days = new TreeSet<>();
    int i = 0;
    for (Map.Entry<SpanMetricsKey, RedMetrics> e : rows.entrySet()) {
      SpanMetricsKey key = e.getKey();
      RedMetrics metrics = e.getValue();
      times[i] = OffsetDateTime.ofInstant(Instant.ofEpochMilli(key.minuteMillis()),
          ZoneOffset.UTC);
      days.add(times[i].toLocalDate());
      tenants[i] = key.tenant();
      services[i] = key.service();
      kinds[i] = (short) key.spanKind();
      operations[i] = key.operation();
      columns.set(i++, metrics);
    }
    Tuple parameters = columns.after(times, tenants, services, kinds, operations);
    return ensurePartitions(days).compose(v -> writePool.withTransaction(conn -> conn
        .query("SELECT pg_advisory_xact_lock_shared(" + ROLLUP_LOCK + ")").execute()
        .compose(locked -> conn.preparedQuery("""
                WITH m AS (
                  SELECT x.minute, s.id AS service_id, x.span_kind, x.operation, x.calls,
                         x.errors, x.estimated_calls, x.estimated_errors, x.latency
                  FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::smallint[],
                              $5::text[], $6::bigint[], $7::bigint[], $8::float8[],
                              $9::float8[], $10::bytea[])
                       AS x(minute, tenant, service, span_kind, operation, calls, errors,
                            estimated_calls, estimated_errors, latency)
                  JOIN services s ON s.tenant = x.tenant AND s.name = x.service
                ), minutes AS (
                  INSERT INTO span_metrics_minute SELECT * FROM m
                )
                INSERT INTO span_metrics_hour
                SELECT date_trunc('hour', minute, 'UTC'), service_id, span_kind, operation,
                       calls, errors, estimated_calls, estimated_errors, latency
                FROM m
                WHERE date_trunc('hour', minute, 'UTC') IN (SELECT hour FROM span_metrics_rollups)
                """).execute(parameters))
        .mapEmpty()));
  }

  /**
   * The minutes and, per minute, service and span kind, their operations added up (operation
   * null): a service's charts read one row a minute, not one per operation.
   */
  private static SortedMap<SpanMetricsKey, RedMetrics> withServiceTotals(
      SortedMap<SpanMetricsKey, RedMetrics> minutes) {
    Map<SpanMetricsKey, RedMetrics> totals = new HashMap<>();
    for (Map.Entry<SpanMetricsKey, RedMetrics> e : minutes.entrySet()) {
      SpanMetricsKey key = e.getKey();
      totals.computeIfAbsent(new SpanMetricsKey(key.minuteMillis(), key.tenant(), key.service(),
          null, key.spanKind()), k -> new RedMetrics()).merge(e.getValue());
    }
    SortedMap<SpanMetricsKey, RedMetrics> rows = new TreeMap<>(minutes);
    rows.putAll(totals);
    return rows;
  }

  /**
   * Rolls up the hours that ended {@code closeAfter} and a minute ago and are not rolled up
   * yet, oldest first; answers how many it rolled up.
   */
  Future<Integer> rollUp(Instant keptSince) {
    Instant cutoff = clock.instant().minus(closeAfter).minus(Duration.ofMinutes(1))
        .truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
    return writePool.withTransaction(conn -> conn
        .query("SELECT pg_try_advisory_xact_lock(" + ROLLUP_LOCK + ")").execute()
        .compose(locked -> {
          if (!locked.iterator().next().getBoolean(0)) {
            return Future.succeededFuture(0); // writers, or another replica's rollup
          }
          return conn.preparedQuery("""
                  SELECT coalesce(
                    (SELECT max(hour) + interval '1 hour' FROM span_metrics_rollups),
                    (SELECT date_trunc('hour', min(minute), 'UTC') FROM span_metrics_minute
                     WHERE minute >= $1))""")
              .execute(Tuple.of(OffsetDateTime.ofInstant(keptSince, ZoneOffset.UTC)))
              .compose(first -> {
                OffsetDateTime from = first.iterator().next().getOffsetDateTime(0);
                if (from == null) {
                  return Future.succeededFuture(0);
                }
                Instant hour = from.toInstant().isBefore(keptSince)
                    ? keptSince.truncatedTo(ChronoUnit.HOURS) : from.toInstant();
                return rollUp(conn, hour, cutoff, 0);
              });
        }));
  }

  private Future<Integer> rollUp(SqlConnection conn, Instant hour, Instant cutoff, int done) {
    if (hour.isAfter(cutoff) || done == MAX_HOURS_PER_ROLLUP) {
      return Future.succeededFuture(done);
    }
    OffsetDateTime start = OffsetDateTime.ofInstant(hour, ZoneOffset.UTC);
    return ensurePartitions(Set.of(start.toLocalDate()))
        .compose(v -> conn.preparedQuery("""
                SELECT service_id, span_kind, operation, calls, errors, estimated_calls,
                       estimated_errors, latency
                FROM span_metrics_minute WHERE minute >= $1 AND minute < $2""")
            .execute(Tuple.of(start, start.plusHours(1))))
        .compose(rows -> {
          record Series(int serviceId, short spanKind, String operation) {}
          // Written in the order of the (service_id, hour) index: a service's rows of an hour
          // share a few pages, and a week of them is read from a few hundred, not thousands.
          Map<Series, RedMetrics> merged = new TreeMap<>(Comparator.comparingInt(Series::serviceId)
              .thenComparing(Series::spanKind).thenComparing(Series::operation,
                  Comparator.nullsFirst(Comparator.naturalOrder())));
          for (Row row : rows) {
            merged.merge(new Series(row.getInteger(0), row.getShort(1), row.getString(2)),
                metrics(row, 3), (a, b) -> {
                  a.merge(b);
                  return a;
                });
          }
          int n = merged.size();
          Integer[] services = new Integer[n];
          Short[] kinds = new Short[n];
          String[] operations = new String[n];
          MetricColumns columns = new MetricColumns(n);
          int i = 0;
          for (Map.Entry<Series, RedMetrics> e : merged.entrySet()) {
            services[i] = e.getKey().serviceId();
            kinds[i] = e.getKey().spanKind();
            operations[i] = e.getKey().operation();
            columns.set(i++, e.getValue());
          }
          return conn.preparedQuery("""
                  INSERT INTO span_metrics_hour
                  SELECT $1, * FROM unnest($2::int[], $3::smallint[], $4::text[], $5::bigint[],
                                           $6::bigint[], $7::float8[], $8::float8[],
                                           $9::bytea[])""")
              .execute(columns.after(start, services, kinds, operations))
              .compose(v -> conn.preparedQuery("INSERT INTO span_metrics_rollups VALUES ($1)")
                  .execute(Tuple.of(start)))
              .compose(v -> rollUp(conn, hour.plus(Duration.ofHours(1)), cutoff, done + 1));
        });
  }

  /** The measured columns of rows in the order of the tables, as arrays for unnest(). */
  private static final class MetricColumns {
    final Long[] calls;
    final Long[] errors;
    final Double[] estimatedCalls;
    final Double[] estimatedErrors;
    final Buffer[] latencies;

    MetricColumns(int rows) {
      calls = new Long[rows];
      errors = new Long[rows];
      estimatedCalls = new Double[rows];
      estimatedErrors = new Double[rows];
      latencies = new Buffer[rows];
    }

    void set(int row, RedMetrics metrics) {
      calls[row] = metrics.calls();
      errors[row] = metrics.errors();
      estimatedCalls[row] = metrics.estimatedCalls();
      estimatedErrors[row] = metrics.estimatedErrors();
      latencies[row] = Buffer.buffer(metrics.latency().encode());
    }

    /** The parameters: {@code keys} first, then these columns. */
    Tuple after(Object... keys) {
      List<Object> values = new ArrayList<>(List.of(keys));
      values.addAll(List.of(calls, errors, estimatedCalls, estimatedErrors, latencies));
      return Tuple.from(values);
    }
  }

  private static RedMetrics metrics(Row row, int first) {
    return new RedMetrics(row.getLong(first), row.getLong(first + 1), row.getDouble(first + 2),
        row.getDouble(first + 3), LatencyHistogram.decode(row.getBuffer(first + 4).getBytes()));
  }

  @Override
  public Future<List<SpanMetricsSeries>> read(SpanMetricsQuery query) {
    long step = query.step().toMillis();
    Instant start = Instant.ofEpochMilli(Math.floorDiv(query.start().toEpochMilli(), step)
        * step);
    boolean hours = step % Duration.ofHours(1).toMillis() == 0;
    // The services' IDs first: a plan that joins by name would scan every series of the range
    // where the (service_id, minute) index finds the asked-for ones.
    // A service's series from its totals (operation null, their own partial index), series
    // per operation from the rest.
    String filters = "t.service_id = ANY($1) AND (cardinality($2::smallint[]) = 0 OR "
        + "t.span_kind = ANY($2)) AND t.operation IS " + (query.byOperation() ? "NOT NULL"
        : "NULL");
    String measures = query.latencies()
        ? "t.calls, t.errors, t.estimated_calls, t.estimated_errors, t.latency"
        : "t.calls, t.errors, t.estimated_calls, t.estimated_errors";
    // Hours are rolled up in order, so every hour before the last one rolled up is: read hours
    // up to it and minutes after it, and never look at the minutes of a rolled-up hour.
    String rolledUpTo = "(SELECT coalesce(max(hour) + interval '1 hour', '-infinity') FROM "
        + "span_metrics_rollups)";
    String minutes = "SELECT t.minute AS at, t.service_id, t.operation, " + measures
        + " FROM span_metrics_minute t WHERE " + filters
        + " AND t.minute >= " + (hours ? "greatest($3, " + rolledUpTo + ")" : "$3")
        + " AND t.minute < $4";
    String rows = !hours ? minutes : minutes + " UNION ALL SELECT t.hour, t.service_id, "
        + "t.operation, " + measures + " FROM span_metrics_hour t WHERE " + filters
        + " AND t.hour >= $3 AND t.hour < least($4, " + rolledUpTo + ")";
    // Without latencies, PostgreSQL adds the rows up per step where a step has several rows
    // of a series: a day of minutes is a few hundred rows to send, not tens of thousands. Where
    // steps are the rows' own (minutes, or hours read from hours), the rows go as they are: the
    // few that share a step (span kinds, the minutes of the hour not rolled up yet) are added
    // up below, which costs less than PostgreSQL's grouping of every row.
    boolean stepIsRows = step == SpanMetricsStore.MIN_STEP.toMillis()
        || (hours && step == Duration.ofHours(1).toMillis());
    String operation = query.byOperation() ? "x.operation" : "NULL::text";
    String sql = query.latencies() || stepIsRows ? rows : "SELECT date_bin($5::bigint * interval "
        + "'1 millisecond', x.at, timestamptz 'epoch'), x.service_id, " + operation
        + ", sum(x.calls)::bigint, sum(x.errors)::bigint, sum(x.estimated_calls), "
        + "sum(x.estimated_errors) FROM (" + rows + ") x GROUP BY 1, 2, 3";
    Short[] kinds = query.spanKinds().stream().map(Integer::shortValue).toArray(Short[]::new);
    return readPool.preparedQuery("SELECT id, name FROM services WHERE tenant = $1"
            + " AND (cardinality($2::text[]) = 0 OR name = ANY($2))")
        .execute(Tuple.from(List.<Object>of(query.tenant().id(),
            query.services().toArray(new String[0]))))
        .compose(services -> {
          Map<Integer, String> names = new HashMap<>();
          services.forEach(row -> names.put(row.getInteger(0), row.getString(1)));
          if (names.isEmpty()) {
            return Future.succeededFuture(List.<SpanMetricsSeries>of());
          }
          List<Object> parameters = new ArrayList<>(List.of(
              names.keySet().toArray(new Integer[0]), kinds,
              OffsetDateTime.ofInstant(start, ZoneOffset.UTC),
              OffsetDateTime.ofInstant(query.end(), ZoneOffset.UTC)));
          if (!query.latencies() && !stepIsRows) {
            parameters.add(step);
          }
          return readPool.preparedQuery(sql).execute(Tuple.from(parameters))
              .map(found -> series(query, step, names, found));
        });
  }

  /** The rows found, added up per series and step. */
  private static List<SpanMetricsSeries> series(SpanMetricsQuery query, long step,
      Map<Integer, String> names, RowSet<Row> found) {
    record Group(String service, String operation) {}
    Map<Group, TreeMap<Instant, RedMetrics>> groups = new HashMap<>();
    for (Row row : found) {
      long at = row.getOffsetDateTime(0).toInstant().toEpochMilli();
      Instant bucket = Instant.ofEpochMilli(Math.floorDiv(at, step) * step);
      Group group = new Group(names.get(row.getInteger(1)),
          query.byOperation() ? row.getString(2) : null);
      RedMetrics metrics = query.latencies() ? metrics(row, 3)
          : new RedMetrics(row.getLong(3), row.getLong(4), row.getDouble(5), row.getDouble(6),
              new LatencyHistogram());
      groups.computeIfAbsent(group, g -> new TreeMap<>()).merge(bucket, metrics, (a, b) -> {
        a.merge(b);
        return a;
      });
    }
    List<SpanMetricsSeries> series = new ArrayList<>();
    groups.forEach((group, points) -> series.add(new SpanMetricsSeries(group.service(),
        group.operation(), points)));
    series.sort(Comparator.comparing(SpanMetricsSeries::service)
        .thenComparing(SpanMetricsSeries::operation,
            Comparator.nullsFirst(Comparator.naturalOrder())));
    return series;
  }

  /** Drops the days before {@code firstKeptDay} of both tables and their rollup marks. */
  Future<Void> dropBefore(SqlConnection conn, LocalDate firstKeptDay) {
    return conn.query("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent IN ('span_metrics_minute'::regclass,
                                  'span_metrics_hour'::regclass)""").execute()
        .compose(rows -> {
          Future<Void> chain = Future.succeededFuture();
          for (Row row : rows) {
            String name = row.getString(0);
            String day = name.substring(name.length() - 8);
            LocalDate date;
            try {
              date = LocalDate.parse(day.substring(0, 4) + "-" + day.substring(4, 6) + "-"
                  + day.substring(6));
            } catch (RuntimeException e) {
              continue;
            }
            if (!date.isBefore(firstKeptDay)) {
              continue;
            }
            chain = chain.compose(v -> conn.query("DROP TABLE " + name).execute()
                .map(d -> {
                  forgetPartition(name);
                  LOG.info("Dropped partition {}: older than the retention", name);
                  return null;
                }));
          }
          return chain.compose(v -> conn.preparedQuery(
                  "DELETE FROM span_metrics_rollups WHERE hour < $1")
              .execute(Tuple.of(firstKeptDay.atStartOfDay().atOffset(ZoneOffset.UTC))))
              .mapEmpty();
        });
  }
}
