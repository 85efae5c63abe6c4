package io.meshtrace.storage.postgres;

import io.meshtrace.model.TraceId;
import io.meshtrace.storage.DependencyLink;
import io.meshtrace.storage.LinkedDependencies;
import io.meshtrace.storage.SpanName;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.TraceQuery;
import io.meshtrace.tenant.Tenant;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Reads one tenant's spans back from {@code spans} and re-assembles them into OTLP. Every read
 * is the tenant's: names through its services ({@code services.tenant}), spans through its
 * services' operations, dependency links and attribute sets by their own tenant column.
 */
final class PostgresSpanStore implements SpanStore {
  /**
   * A trace's spans, read by {@code meshtrace_trace_spans} (migration V6) from the partitions of
   * the days {@code trace_days} lists for it, through the trace ID index whatever the statistics
   * say: a fresh partition's missing statistics made a join here scan the whole day.
   */
  static final String SELECT_TRACES = """
      SELECT s.trace_id, (extract(epoch FROM s.start_time) * 1000000)::bigint, s.duration_us,
             s.operation_id, s.attribute_set_id, s.source_id, s.payload
      FROM meshtrace_trace_spans($1) s""";

  private final Pool pool;
  private final DictionaryReader dictionaries;
  private final PostgresTraceSearch search;
  /** The tenant's ID as stored, {@code ""} for the default tenant. */
  private final String tenant;

  PostgresSpanStore(Pool pool, DictionaryReader dictionaries,
      java.util.Set<String> indexedTagKeys) {
    this(pool, dictionaries, new PostgresTraceSearch(pool, dictionaries, indexedTagKeys),
        Tenant.DEFAULT);
  }

  /** The tenant's store; the dictionaries and the search are shared by every tenant's. */
  PostgresSpanStore(Pool pool, DictionaryReader dictionaries, PostgresTraceSearch search,
      Tenant tenant) {
    this.pool = pool;
    this.dictionaries = dictionaries;
    this.search = search;
    this.tenant = tenant.id();
  }

  @Override
  public Future<List<ResourceSpans>> getTrace(TraceId traceId) {
    return getTraces(List.of(traceId)).map(traces -> traces.isEmpty() ? List.of() : traces.get(0));
  }

  @Override
  public Future<List<List<ResourceSpans>>> getTraces(List<TraceId> traceIds) {
    if (traceIds.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    UUID[] ids = traceIds.stream().distinct().map(TraceId::toUuid).toArray(UUID[]::new);
    return pool.preparedQuery(SELECT_TRACES)
        .execute(Tuple.of(ids))
        .compose(rows -> assemble(rows).map(byTrace -> {
          List<List<ResourceSpans>> traces = new ArrayList<>();
          for (UUID id : ids) {
            List<ResourceSpans> trace = byTrace.get(id);
            if (trace != null) {
              traces.add(trace);
            }
          }
          return traces;
        }))
        .recover(ReadFailures::unavailable);
  }

  @Override
  public Future<List<TraceId>> findTraceIds(TraceQuery query) {
    if (!StorableText.storable(query)) {
      return Future.succeededFuture(List.of());
    }
    return search.find(query, tenant).recover(ReadFailures::unavailable);
  }

  @Override
  public Future<List<String>> getServiceNames() {
    return strings("SELECT name FROM services WHERE tenant = $1 ORDER BY name",
        Tuple.of(tenant));
  }

  @Override
  public Future<List<SpanName>> getOperations(String serviceName, Integer spanKind) {
    if (!StorableText.storable(serviceName)) {
      return Future.succeededFuture(List.of());
    }
    String sql = "SELECT o.name, o.span_kind FROM operations o JOIN services s ON s.id = o.service_id"
        + " WHERE s.tenant = $1 AND s.name = $2"
        + (spanKind == null ? "" : " AND o.span_kind = $3")
        + " ORDER BY o.name, o.span_kind";
    Tuple args = spanKind == null ? Tuple.of(tenant, serviceName)
        : Tuple.of(tenant, serviceName, spanKind.shortValue());
    return pool.preparedQuery(sql).execute(args)
        .<List<SpanName>>map(rows -> {
          List<SpanName> names = new ArrayList<>();
          rows.forEach(row -> names.add(new SpanName(row.getString(0), row.getShort(1))));
          return names;
        })
        .recover(ReadFailures::unavailable);
  }

  @Override
  public Future<List<String>> getRemoteServiceNames(String serviceName) {
    if (!StorableText.storable(serviceName)) {
      return Future.succeededFuture(List.of());
    }
    return strings("SELECT r.name FROM remote_services r JOIN services s ON s.id = r.service_id"
        + " WHERE s.tenant = $1 AND s.name = $2 ORDER BY r.name", Tuple.of(tenant, serviceName));
  }

  @Override
  public Future<List<DependencyLink>> getDependencies(Instant start, Instant end) {
    return pool.preparedQuery("""
            SELECT parent, child, sum(call_count)::bigint, sum(error_count)::bigint
            FROM dependency_links
            WHERE hour >= date_trunc('hour', $1::timestamptz, 'UTC') AND hour <= $2
              AND tenant = $3
            GROUP BY parent, child ORDER BY parent, child""")
        .execute(Tuple.of(start.atOffset(ZoneOffset.UTC), end.atOffset(ZoneOffset.UTC), tenant))
        .<List<DependencyLink>>map(rows -> {
          List<DependencyLink> links = new ArrayList<>();
          rows.forEach(row -> links.add(new DependencyLink(row.getString(0), row.getString(1),
              row.getLong(2), row.getLong(3))));
          return links;
        })
        .recover(ReadFailures::unavailable);
  }

  @Override
  public Future<LinkedDependencies> getLinkedDependencies(Instant start, Instant end) {
    // One statement, one snapshot: the hours and the sum of their links agree.
    return pool.preparedQuery("""
            WITH linked AS (
              SELECT hour FROM dependency_link_hours
              WHERE tenant = $3 AND hour >= $1
                AND hour + interval '1 hour' <= $2::timestamptz + interval '1 microsecond'
                AND linked_version = written_version),
            sums AS (
              SELECT l.parent, l.child, sum(l.call_count)::bigint AS calls,
                     sum(l.error_count)::bigint AS errors
              FROM linked_dependency_links l JOIN linked USING (hour)
              WHERE l.tenant = $3
              GROUP BY l.parent, l.child)
            SELECT hour, NULL, NULL, NULL::bigint, NULL::bigint FROM linked
            UNION ALL
            SELECT NULL, parent, child, calls, errors FROM sums
            ORDER BY 1, 2, 3""")
        .execute(Tuple.of(start.atOffset(ZoneOffset.UTC), end.atOffset(ZoneOffset.UTC), tenant))
        .map(rows -> {
          List<Instant> hours = new ArrayList<>();
          List<DependencyLink> links = new ArrayList<>();
          for (Row row : rows) {
            if (row.getValue(0) != null) {
              hours.add(row.getOffsetDateTime(0).toInstant());
            } else {
              links.add(new DependencyLink(row.getString(1), row.getString(2), row.getLong(3),
                  row.getLong(4)));
            }
          }
          return new LinkedDependencies(hours, links);
        })
        .recover(ReadFailures::unavailable);
  }

  @Override
  public Future<List<String>> getTagKeys() {
    return strings("SELECT DISTINCT k FROM attribute_sets, jsonb_object_keys(tags) AS k"
        + " WHERE tenant = $1 ORDER BY k", Tuple.of(tenant));
  }

  @Override
  public Future<List<String>> getTagValues(String key) {
    if (!StorableText.storable(key)) {
      return Future.succeededFuture(List.of());
    }
    return strings("SELECT DISTINCT tags->>$1 AS v FROM attribute_sets"
        + " WHERE tags ? $1 AND tenant = $2 ORDER BY v", Tuple.of(key, tenant));
  }

  private Future<List<String>> strings(String sql, Tuple args) {
    return pool.preparedQuery(sql).execute(args)
        .<List<String>>map(rows -> {
          List<String> values = new ArrayList<>();
          rows.forEach(row -> values.add(row.getString(0)));
          return values;
        })
        .recover(ReadFailures::unavailable);
  }

  /**
   * Rows of {@link #SELECT_TRACES}'s shape, grouped by trace and source; only the tenant's (two
   * tenants may have sent the same trace ID: each reads its own spans of it).
   */
  Future<Map<UUID, List<ResourceSpans>>> assemble(RowSet<Row> rows) {
    if (rows.size() == 0) {
      return Future.succeededFuture(Map.of());
    }
    Set<Integer> sources = new HashSet<>();
    Set<Integer> operations = new HashSet<>();
    Set<Integer> sets = new HashSet<>();
    Set<Integer> keys = new HashSet<>();
    List<Row> ordered = new ArrayList<>(rows.size());
    Map<Row, Span> parsed = new java.util.IdentityHashMap<>();
    for (Row row : rows) {
      operations.add(row.getInteger(3));
      sets.add(row.getInteger(4));
      sources.add(row.getInteger(5));
      Span stored = StoredSpanCodec.parse(row.getBuffer(6).getBytes(),
          TraceId.fromUuid(row.getUUID(0)));
      StoredSpanCodec.ownKeyIds(stored, keys::add);
      parsed.put(row, stored);
      ordered.add(row);
    }
    return dictionaries.load(sources, operations, sets, keys)
        .map(loaded -> {
          ordered.sort(Comparator.comparingLong((Row r) -> r.getLong(1)));
          Map<UUID, Map<Integer, List<Span>>> byTrace = new LinkedHashMap<>();
          for (Row row : ordered) {
            UUID traceId = row.getUUID(0);
            DictionaryReader.Operation operation = dictionaries.operation(row.getInteger(3));
            List<io.opentelemetry.proto.common.v1.KeyValue> set =
                dictionaries.attributeSet(row.getInteger(4));
            if (operation == null || set == null) {
              throw new IllegalStateException("dictionary entries of trace " + traceId
                  + " are missing");
            }
            if (!operation.tenant().equals(tenant)) {
              continue;
            }
            Span span = StoredSpanCodec.restore(parsed.get(row), TraceId.fromUuid(traceId),
                operation.name(), operation.spanKind(), row.getLong(1), row.getLong(2), set,
                dictionaries::key);
            byTrace.computeIfAbsent(traceId, id -> new LinkedHashMap<>())
                .computeIfAbsent(row.getInteger(5), id -> new ArrayList<>()).add(span);
          }
          Map<UUID, List<ResourceSpans>> result = new LinkedHashMap<>();
          byTrace.forEach((traceId, bySource) -> {
            List<ResourceSpans> trace = new ArrayList<>(bySource.size());
            bySource.forEach((sourceId, spans) -> {
              ResourceSpans source = dictionaries.source(sourceId);
              if (source == null) {
                throw new IllegalStateException("span source " + sourceId + " is missing");
              }
              ScopeSpans scope = source.getScopeSpans(0).toBuilder().addAllSpans(spans).build();
              trace.add(source.toBuilder().setScopeSpans(0, scope).build());
            });
            result.put(traceId, trace);
          });
          return result;
        });
  }
}
