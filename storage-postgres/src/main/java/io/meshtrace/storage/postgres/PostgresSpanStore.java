package io.meshtrace.storage.postgres;

import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.TraceId;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Reads spans back from {@code spans} and re-assembles them into OTLP. */
final class PostgresSpanStore implements SpanStore {
  /**
   * A trace's spans, looked up only in the partitions of the days {@code trace_days} lists for
   * it: the lateral join hands each day's bounds to the spans scan as parameters, so PostgreSQL
   * prunes the other partitions at run time.
   */
  static final String SELECT_TRACES = """
      SELECT s.trace_id, (extract(epoch FROM s.start_time) * 1000000)::bigint, s.duration_us,
             s.operation_id, s.attribute_set_id, s.source_id, s.payload
      FROM trace_days d
      CROSS JOIN LATERAL (
        SELECT * FROM spans s
        WHERE s.trace_id = d.trace_id
          AND s.start_time >= (d.day::timestamp AT TIME ZONE 'UTC')
          AND s.start_time < ((d.day + 1)::timestamp AT TIME ZONE 'UTC')) s
      WHERE d.trace_id = ANY($1)""";

  private final Pool pool;
  private final Dictionaries dictionaries;

  PostgresSpanStore(Pool pool, Dictionaries dictionaries) {
    this.pool = pool;
    this.dictionaries = dictionaries;
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
        .recover(failure -> Future.failedFuture(PgErrors.classify(failure)))
        .compose(rows -> assemble(rows).map(byTrace -> {
          List<List<ResourceSpans>> traces = new ArrayList<>();
          for (UUID id : ids) {
            List<ResourceSpans> trace = byTrace.get(id);
            if (trace != null) {
              traces.add(trace);
            }
          }
          return traces;
        }));
  }

  /** Rows of {@link #SELECT_TRACES}'s shape, grouped by trace and source. */
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
    return dictionaries.loadForRead(sources, operations, sets, keys)
        .recover(failure -> Future.failedFuture(PgErrors.classify(failure)))
        .map(loaded -> {
          ordered.sort(Comparator.comparingLong((Row r) -> r.getLong(1)));
          Map<UUID, Map<Integer, List<Span>>> byTrace = new LinkedHashMap<>();
          for (Row row : ordered) {
            UUID traceId = row.getUUID(0);
            Dictionaries.Operation operation = dictionaries.operation(row.getInteger(3));
            List<io.opentelemetry.proto.common.v1.KeyValue> set =
                dictionaries.attributeSet(row.getInteger(4));
            if (operation == null || set == null) {
              throw new IllegalStateException("dictionary entries of trace " + traceId
                  + " are missing");
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
