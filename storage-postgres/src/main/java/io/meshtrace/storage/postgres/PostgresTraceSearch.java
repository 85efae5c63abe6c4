package io.meshtrace.storage.postgres;

import io.meshtrace.model.AttributeText;
import io.meshtrace.model.TraceId;
import io.meshtrace.storage.TraceQuery;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Finds traces: walks back in time over the search index, newest spans first, filtering in SQL
 * by service, operation, duration, and for each tag by the attribute sets and resources that
 * carry it; checks in Java only what SQL cannot see, a tag whose key a service's spans keep in
 * their payloads (recorded in {@code volatile_attribute_keys}). Pages are fetched by keyset
 * (start time, trace ID) until enough distinct traces are found.
 *
 * <p>A tag whose key is indexed ({@code trace_days}: values that name one request, like Envoy's
 * request ID) first narrows the search to the traces the index lists for that value; the walk
 * then only reads those traces' spans, wherever in the time range they are.
 *
 * <p>A search is one tenant's: its spans are those of the tenant's operations, so the walk
 * filters by the tenant's operation IDs even when the query names no service, operation or kind
 * (only a default-tenant search in a database no other tenant has written to skips that filter,
 * as before tenants existed); attribute sets and volatile keys are the tenant's too.
 */
final class PostgresTraceSearch {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(PostgresTraceSearch.class);
  /** Stops a search that matches almost nothing from reading the whole table. */
  static final int MAX_ROWS_SCANNED = 2_000_000;
  /**
   * An indexed value listed for more traces than this is no needle: the search walks the index
   * of start times instead, as for any other tag.
   */
  static final int MAX_INDEXED_CANDIDATES = 10_000;
  /** The duration from which spans are in the partial index spans_slow (see the schema). */
  static final long SLOW_MICROS = 1_000_000;

  private final Pool pool;
  private final DictionaryReader dictionaries;
  private final Set<String> indexedTagKeys;

  PostgresTraceSearch(Pool pool, DictionaryReader dictionaries, Set<String> indexedTagKeys) {
    this.pool = pool;
    this.dictionaries = dictionaries;
    this.indexedTagKeys = indexedTagKeys;
  }

  /**
   * A tag criterion, resolved. {@code onlyFailed}: only failed spans have ever been stored with
   * the sets that carry it (Envoy's error status codes), and nothing else can carry it.
   */
  private record Term(String key, String value, Integer[] sets, Integer[] sources,
      boolean payload, boolean onlyFailed) {
    /** Whether only failed spans can match: error=true itself, or a value only they carried. */
    boolean failedSpansOnly() {
      return !payload && (onlyFailed
          || (isErrorTerm(key, value) && sets.length == 0 && sources.length == 0));
    }

    /**
     * Whether {@code trace_days} lists every trace with this value: the key is indexed, a value
     * is asked for, and no resource carries it (only span attributes are indexed).
     */
    boolean indexable(Set<String> indexedKeys) {
      return value != null && sources.length == 0 && indexedKeys.contains(key);
    }
  }

  /**
   * The resolved criteria; {@code traces} when an indexed tag narrowed the search to those
   * traces, whose spans are then all checked in Java for every tag.
   */
  private record Plan(Integer[] operations, List<Term> terms, UUID[] traces) {
    boolean needsPayload() {
      return terms.stream().anyMatch(Term::payload);
    }
  }

  /** @param tenant the tenant's ID as stored, {@code ""} for the default tenant */
  Future<List<TraceId>> find(TraceQuery query, String tenant) {
    return plan(query, tenant).compose(plan -> narrow(plan, query)).compose(plan -> {
      if (plan == null) {
        return Future.succeededFuture(List.of());
      }
      LinkedHashSet<UUID> found = new LinkedHashSet<>();
      return page(query, plan, found, null, null, firstPageSize(query.limit()), 0)
          .map(v -> found.stream().limit(query.limit()).map(TraceId::fromUuid).toList());
    });
  }

  /**
   * Spans to read in the first page: twice the traces asked for, as most traces have a span or
   * two that match; pages grow fourfold from there when they do not. Every span of a page is
   * read, so a larger first page only costs (20 times the limit took 30-70 ms where 2 times
   * took a tenth of that, searching by service and operation over 5 million spans).
   */
  static int firstPageSize(int limit) {
    return Math.min(Math.max(limit * 2, 40), 5000);
  }

  /** Null when the query cannot match anything (an unknown service or operation). */
  private Future<Plan> plan(TraceQuery query, String tenant) {
    Future<Integer> service = query.serviceName() == null ? Future.succeededFuture(null)
        : pool.preparedQuery("SELECT id FROM services WHERE tenant = $1 AND name = $2")
            .execute(Tuple.of(tenant, query.serviceName()))
            .map(rows -> rows.size() == 0 ? -1 : rows.iterator().next().getInteger(0));
    return service.compose(serviceId -> {
      if (serviceId != null && serviceId == -1) {
        return Future.succeededFuture(null);
      }
      Future<Integer[]> operations = operations(query, serviceId, tenant);
      Future<List<Term>> terms = terms(query, serviceId, tenant);
      return Future.all(operations, terms).map(all -> {
        Integer[] ops = operations.result();
        if (ops != null && ops.length == 0) {
          return null;
        }
        return new Plan(ops, terms.result(), null);
      });
    });
  }

  /**
   * Narrows a plan to the traces {@code trace_days} lists for its indexed tags, over the days of
   * the query's time range; null (nothing matches) when a value is listed for no trace.
   */
  private Future<Plan> narrow(Plan plan, TraceQuery query) {
    if (plan == null) {
      return Future.succeededFuture(null);
    }
    List<Term> indexed = plan.terms().stream().filter(t -> t.indexable(indexedTagKeys)).toList();
    if (indexed.isEmpty()) {
      return Future.succeededFuture(plan);
    }
    java.time.LocalDate firstDay = query.start().atOffset(ZoneOffset.UTC).toLocalDate();
    java.time.LocalDate lastDay = query.end().atOffset(ZoneOffset.UTC).toLocalDate();
    List<Future<List<UUID>>> lookups = new ArrayList<>();
    for (Term term : indexed) {
      // tag_hash <> 0 spelled out: a generic plan cannot see that $1 is not 0, and without it
      // the partial index does not apply (a fresh data directory then scanned trace_days).
      lookups.add(pool.preparedQuery("SELECT DISTINCT trace_id FROM trace_days"
              + " WHERE tag_hash = $1 AND tag_hash <> 0 AND day >= $2 AND day <= $3 LIMIT $4")
          .execute(Tuple.of(TagValueHash.of(term.key(), term.value()), firstDay,
              lastDay, MAX_INDEXED_CANDIDATES + 1))
          .map(rows -> {
            List<UUID> traces = new ArrayList<>(rows.size());
            rows.forEach(row -> traces.add(row.getUUID(0)));
            return traces;
          }));
    }
    return Future.all(lookups).map(all -> {
      Set<UUID> traces = null;
      for (Future<List<UUID>> lookup : lookups) {
        if (lookup.result().size() > MAX_INDEXED_CANDIDATES) {
          continue; // too common a value to narrow anything
        }
        if (traces == null) {
          traces = new LinkedHashSet<>(lookup.result());
        } else {
          traces.retainAll(lookup.result());
        }
      }
      if (traces == null) {
        return plan;
      }
      if (traces.isEmpty()) {
        return null;
      }
      List<Term> terms = new ArrayList<>();
      for (Term term : plan.terms()) {
        // Every tag is checked on the few candidate spans: the value of an indexed one must be
        // confirmed (hash collisions, and it must be on the span that matches the rest).
        terms.add(new Term(term.key(), term.value(), term.sets(), term.sources(), true, false));
      }
      return new Plan(plan.operations(), terms, traces.toArray(new UUID[0]));
    });
  }

  /**
   * The operations a span may have; null for any. A service is searched as its operations, and
   * a tenant as its services' operations.
   */
  private Future<Integer[]> operations(TraceQuery query, Integer serviceId, String tenant) {
    if (query.operationName() == null && query.spanKind() == null && serviceId == null) {
      if (!tenant.isEmpty()) {
        return tenantOperations(tenant);
      }
      // Any operation is the default tenant's unless another tenant has services.
      return pool.preparedQuery("SELECT EXISTS (SELECT 1 FROM services WHERE tenant <> '')")
          .execute()
          .compose(rows -> rows.iterator().next().getBoolean(0) ? tenantOperations(tenant)
              : Future.succeededFuture(null));
    }
    // The service, when given, is the tenant's: its operations are.
    StringBuilder sql = new StringBuilder(serviceId != null
        ? "SELECT o.id FROM operations o WHERE true"
        : "SELECT o.id FROM operations o JOIN services s ON s.id = o.service_id"
            + " WHERE s.tenant = $1");
    Tuple args = serviceId != null ? Tuple.tuple() : Tuple.of(tenant);
    if (query.operationName() != null) {
      args.addValue(query.operationName());
      sql.append(" AND o.name = $").append(args.size());
    }
    if (query.spanKind() != null) {
      args.addValue(query.spanKind().shortValue());
      sql.append(" AND o.span_kind = $").append(args.size());
    }
    if (serviceId != null) {
      args.addValue(serviceId);
      sql.append(" AND o.service_id = $").append(args.size());
    }
    return pool.preparedQuery(sql.toString()).execute(args).map(PostgresTraceSearch::ids);
  }

  private Future<Integer[]> tenantOperations(String tenant) {
    return pool.preparedQuery("SELECT o.id FROM operations o"
            + " JOIN services s ON s.id = o.service_id WHERE s.tenant = $1")
        .execute(Tuple.of(tenant)).map(PostgresTraceSearch::ids);
  }

  private static Integer[] ids(RowSet<Row> rows) {
    List<Integer> ids = new ArrayList<>(rows.size());
    rows.forEach(row -> ids.add(row.getInteger(0)));
    return ids.toArray(new Integer[0]);
  }

  private Future<List<Term>> terms(TraceQuery query, Integer serviceId, String tenant) {
    if (query.tags().isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return dictionaries.allSources().compose(sources -> {
      List<Future<Term>> terms = new ArrayList<>();
      for (Map.Entry<String, String> tag : query.tags().entrySet()) {
        terms.add(term(tag.getKey(), tag.getValue(), serviceId, tenant, sources));
      }
      return Future.all(terms).map(all -> {
        List<Term> resolved = new ArrayList<>();
        for (Future<Term> term : terms) {
          resolved.add(term.result());
        }
        return resolved;
      });
    });
  }

  private Future<Term> term(String key, String value, Integer serviceId, String tenant,
      Map<Integer, ResourceSpans> sources) {
    Future<RowSet<Row>> sets = value == null
        ? pool.preparedQuery("SELECT id, only_failed FROM attribute_sets"
                + " WHERE tags ? $1 AND tenant = $2")
            .execute(Tuple.of(key, tenant))
        : pool.preparedQuery("SELECT id, only_failed FROM attribute_sets"
                + " WHERE tags @> $1::jsonb AND tenant = $2")
            .execute(Tuple.of(new io.vertx.core.json.JsonObject().put(key, value), tenant));
    Future<Boolean> payload = pool.preparedQuery(serviceId == null
            ? "SELECT EXISTS (SELECT 1 FROM volatile_attribute_keys v"
                + " JOIN services s ON s.id = v.service_id WHERE v.key = $1 AND s.tenant = $2)"
            : "SELECT EXISTS (SELECT 1 FROM volatile_attribute_keys WHERE key = $1"
                + " AND service_id = $2)")
        .execute(serviceId == null ? Tuple.of(key, tenant) : Tuple.of(key, serviceId))
        .map(rows -> rows.iterator().next().getBoolean(0));
    List<Integer> matchingSources = new ArrayList<>();
    sources.forEach((id, source) -> {
      if (matches(source.getResource().getAttributesList(), key, value)) {
        matchingSources.add(id);
      }
    });
    // A failed span's "error" is its status (Jaeger and Zipkin both show it as the tag
    // error=true): the spans' failed column, or else the attribute where a span has one.
    return Future.all(sets, payload).map(all -> {
      List<Integer> ids = new ArrayList<>();
      boolean onlyFailed = sets.result().size() > 0;
      for (Row row : sets.result()) {
        ids.add(row.getInteger(0));
        onlyFailed &= row.getBoolean(1);
      }
      return new Term(key, value, ids.toArray(new Integer[0]),
          matchingSources.toArray(new Integer[0]), payload.result(),
          onlyFailed && matchingSources.isEmpty() && !payload.result());
    });
  }

  private static final String ERROR_KEY = "error";

  private static boolean isErrorTerm(String key, String value) {
    return key.equals(ERROR_KEY) && (value == null || value.equals("true"));
  }

  /** Whether a span has the attribute, or is the failed span that {@code error=true} asks for. */
  static boolean matches(Span span, String key, String value) {
    return matches(span.getAttributesList(), key, value) || (isErrorTerm(key, value)
        && span.getStatus().getCode() == io.opentelemetry.proto.trace.v1.Status.StatusCode
            .STATUS_CODE_ERROR);
  }

  static boolean matches(List<KeyValue> attributes, String key, String value) {
    for (KeyValue attribute : attributes) {
      if (attribute.getKey().equals(key)
          && (value == null || value.equals(AttributeText.of(attribute.getValue())))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether an index alone can tell which spans may match: service, operation and shared tags
   * are in spans_search and spans_failed, and spans_failed holds failed spans only; durations and
   * resources are in neither, nor the failed flag in spans_search. Then a page is found
   * in two steps: the start times of the matching entries by an index-only scan, then only those
   * rows. A plain walk would read every row of the time range from the heap to look at them.
   */
  private static boolean indexOnly(TraceQuery query, Plan plan) {
    if (plan.traces() != null || query.minDurationMicros() != null
        || query.maxDurationMicros() != null) {
      return false;
    }
    for (Term term : plan.terms()) {
      if (!term.payload() && term.sources().length > 0) {
        return false;
      }
      if (!term.payload() && isErrorTerm(term.key(), term.value()) && !term.failedSpansOnly()) {
        return false; // failed OR one of the sets: not one index's condition
      }
    }
    return true;
  }

  private Future<Void> page(TraceQuery query, Plan plan, LinkedHashSet<UUID> found,
      OffsetDateTime afterTime, UUID afterTrace, int pageSize, int scanned) {
    if (indexOnly(query, plan)) {
      return indexOnlyPage(query, plan, found,
          afterTime == null ? query.end().atOffset(ZoneOffset.UTC) : afterTime, pageSize,
          scanned);
    }
    Tuple args = Tuple.tuple();
    StringBuilder sql = new StringBuilder();
    if (plan.traces() != null) {
      // The few candidate traces are read as traces are read by ID, through the trace ID index
      // whatever the statistics say. Left to itself, the planner may prefer walking the time
      // index for the ORDER BY, through every span of the range (84 ms instead of 4.5 for a
      // request ID over a day of 300,000 spans), or, on a partition not analysed yet, scan it.
      args.addValue(plan.traces());
      sql.append(" FROM meshtrace_trace_spans($1) s WHERE true");
    } else {
      sql.append(" FROM spans s WHERE true");
    }
    args.addValue(query.start().atOffset(ZoneOffset.UTC));
    sql.append(" AND s.start_time >= $").append(args.size());
    if (afterTime == null) {
      args.addValue(query.end().atOffset(ZoneOffset.UTC));
      sql.append(" AND s.start_time <= $").append(args.size());
    } else {
      args.addValue(afterTime).addValue(afterTrace);
      sql.append(" AND (s.start_time, s.trace_id) < ($").append(args.size() - 1).append(", $")
          .append(args.size()).append(")");
    }
    appendFilters(query, plan, sql, args);
    args.addValue(pageSize);
    sql.append(" ORDER BY s.start_time DESC, s.trace_id DESC LIMIT $").append(args.size());
    boolean payload = plan.needsPayload();
    return pool.preparedQuery(selectRows(payload) + sql).execute(args)
        .compose(rows -> collect(plan, rows, payload, found))
        .compose(read -> {
          int total = scanned + read.rows();
          if (found.size() >= query.limit() || read.rows() < pageSize) {
            return Future.succeededFuture();
          }
          if (total >= MAX_ROWS_SCANNED) {
            stoppedAtCap(query, found.size());
            return Future.succeededFuture();
          }
          return page(query, plan, found, read.lastTime(), read.lastTrace(),
              Math.min(pageSize * 4, 50_000), total);
        });
  }

  /**
   * One page of the two-step search: up to {@code pageSize} start times of index entries that
   * match, at or before {@code atOrBefore}, then the rows with those start times.
   */
  private Future<Void> indexOnlyPage(TraceQuery query, Plan plan, LinkedHashSet<UUID> found,
      OffsetDateTime atOrBefore, int pageSize, int scanned) {
    Tuple args = Tuple.of(query.start().atOffset(ZoneOffset.UTC), atOrBefore);
    StringBuilder sql = new StringBuilder(
        "SELECT s.start_time FROM spans s WHERE s.start_time >= $1 AND s.start_time <= $2");
    appendFilters(query, plan, sql, args);
    args.addValue(pageSize);
    sql.append(" ORDER BY s.start_time DESC LIMIT $").append(args.size());
    return pool.preparedQuery(sql.toString()).execute(args)
        .compose(times -> {
          List<OffsetDateTime> starts = new ArrayList<>(times.size());
          times.forEach(row -> starts.add(row.getOffsetDateTime(0)));
          boolean full = starts.size() == pageSize;
          // The rows are read by start time, so every row tied with the page's last entry is
          // read with it: the next page starts just before.
          OffsetDateTime next = full ? starts.get(starts.size() - 1).minusNanos(1000) : null;
          Future<Void> rowsRead = starts.isEmpty() ? Future.succeededFuture()
              : rowsAt(query, plan, starts, found);
          OffsetDateTime nextPage = next;
          return rowsRead.compose(v -> {
            int total = scanned + times.size();
            if (found.size() >= query.limit() || !full) {
              return Future.succeededFuture();
            }
            if (total >= MAX_ROWS_SCANNED) {
              stoppedAtCap(query, found.size());
              return Future.succeededFuture();
            }
            return indexOnlyPage(query, plan, found, nextPage, Math.min(pageSize * 4, 50_000),
                total);
          });
        });
  }

  /** The rows that start at these times and match, newest first, into {@code found}. */
  private Future<Void> rowsAt(TraceQuery query, Plan plan, List<OffsetDateTime> starts,
      LinkedHashSet<UUID> found) {
    Tuple args = Tuple.of(starts.toArray(new OffsetDateTime[0]),
        starts.get(starts.size() - 1), starts.get(0));
    // The range as well as the list: PostgreSQL prunes partitions by the range.
    StringBuilder sql = new StringBuilder(" FROM spans s WHERE s.start_time = ANY($1)"
        + " AND s.start_time >= $2 AND s.start_time <= $3");
    appendFilters(query, plan, sql, args);
    sql.append(" ORDER BY s.start_time DESC, s.trace_id DESC");
    boolean payload = plan.needsPayload();
    return pool.preparedQuery(selectRows(payload) + sql).execute(args)
        .compose(rows -> collect(plan, rows, payload, found))
        .mapEmpty();
  }

  /**
   * A search that stopped at the cap may have missed traces further back: said in the log so
   * that an operator can see it (and index the key, or narrow such searches).
   */
  private static void stoppedAtCap(TraceQuery query, int found) {
    LOG.warn("A search stopped after {} spans with {} of {} traces; older matches may be missing"
        + " (service {}, operation {}, tags {}, {} to {})", MAX_ROWS_SCANNED, found,
        query.limit(), query.serviceName(), query.operationName(), query.tags().keySet(),
        query.start(), query.end());
  }

  private static String selectRows(boolean payload) {
    return "SELECT s.start_time, s.trace_id, s.attribute_set_id, s.source_id"
        + (payload ? ", s.payload" : "");
  }

  /** Every criterion SQL can check, appended as {@code AND ...} with its arguments. */
  private static void appendFilters(TraceQuery query, Plan plan, StringBuilder sql, Tuple args) {
    if (plan.operations() != null) {
      args.addValue(plan.operations());
      sql.append(" AND s.operation_id = ANY($").append(args.size()).append(")");
    }
    if (query.minDurationMicros() != null && query.minDurationMicros() >= SLOW_MICROS) {
      // Spelled out for the planner: it may then walk the small index of slow spans only.
      sql.append(" AND s.duration_us >= ").append(SLOW_MICROS);
    }
    if (query.minDurationMicros() != null) {
      args.addValue(query.minDurationMicros());
      sql.append(" AND s.duration_us >= $").append(args.size());
    }
    if (query.maxDurationMicros() != null) {
      args.addValue(query.maxDurationMicros());
      sql.append(" AND s.duration_us <= $").append(args.size());
    }
    if (plan.terms().stream().anyMatch(Term::failedSpansOnly)) {
      // Only failed spans can match: the planner may walk the small index of them.
      sql.append(" AND s.failed");
    }
    for (Term term : plan.terms()) {
      if (!term.payload() && isErrorTerm(term.key(), term.value())) {
        if (!term.failedSpansOnly()) {
          args.addValue(term.sets());
          sql.append(" AND (s.failed OR s.attribute_set_id = ANY($").append(args.size())
              .append(")");
          args.addValue(term.sources());
          sql.append(" OR s.source_id = ANY($").append(args.size()).append("))");
        }
      } else if (!term.payload() && term.sources().length == 0) {
        args.addValue(term.sets());
        sql.append(" AND s.attribute_set_id = ANY($").append(args.size()).append(")");
      } else if (!term.payload()) {
        args.addValue(term.sets());
        sql.append(" AND (s.attribute_set_id = ANY($").append(args.size()).append(")");
        args.addValue(term.sources());
        sql.append(" OR s.source_id = ANY($").append(args.size()).append("))");
      }
    }
  }

  /**
   * Adds the traces of the matching rows to {@code found}.
   */
  private Future<PageRead> collect(Plan plan, RowSet<Row> rows, boolean payload,
      LinkedHashSet<UUID> found) {
    return check(plan, rows, payload).map(matching -> {
      OffsetDateTime lastTime = null;
      UUID lastTrace = null;
      int i = 0;
      for (Row row : rows) {
        if (matching[i++]) {
          found.add(row.getUUID(1));
        }
        lastTime = row.getOffsetDateTime(0);
        lastTrace = row.getUUID(1);
      }
      return new PageRead(rows.size(), lastTime, lastTrace);
    });
  }

  /** What a page of rows held: how many, and the last one's keyset position. */
  private record PageRead(int rows, OffsetDateTime lastTime, UUID lastTrace) {}

  /** Which rows match the terms SQL could not check; all of them when there are none. */
  private Future<boolean[]> check(Plan plan, RowSet<Row> rows, boolean payload) {
    boolean[] matching = new boolean[rows.size()];
    if (!payload) {
      java.util.Arrays.fill(matching, true);
      return Future.succeededFuture(matching);
    }
    Set<Integer> sets = new HashSet<>();
    Set<Integer> keys = new HashSet<>();
    List<Span> stored = new ArrayList<>(rows.size());
    for (Row row : rows) {
      sets.add(row.getInteger(2));
      Span span = StoredSpanCodec.parse(row.getBuffer(4).getBytes(),
          TraceId.fromUuid(row.getUUID(1)));
      StoredSpanCodec.ownKeyIds(span, keys::add);
      stored.add(span);
    }
    return dictionaries.load(Set.of(), Set.of(), sets, keys).map(loaded -> {
      int i = 0;
      for (Row row : rows) {
        Span span = StoredSpanCodec.restore(stored.get(i), TraceId.fromUuid(row.getUUID(1)), "",
            0, 0, null, dictionaries.attributeSet(row.getInteger(2)), dictionaries::key);
        boolean all = true;
        for (Term term : plan.terms()) {
          if (term.payload() && !contains(term.sources(), row.getInteger(3))
              && !matches(span, term.key(), term.value())) {
            all = false;
            break;
          }
        }
        matching[i++] = all;
      }
      return matching;
    });
  }

  private static boolean contains(Integer[] ids, int id) {
    for (Integer candidate : ids) {
      if (candidate == id) {
        return true;
      }
    }
    return false;
  }
}
