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

/** Reads spans back from {@code spans} and re-assembles them into OTLP. */
final class PostgresSpanStore implements SpanStore {
  private static final String SELECT_TRACE = """
      SELECT (extract(epoch FROM start_time) * 1000000)::bigint, span_id, parent_id, duration_us,
             source_id, operation_id, payload
      FROM spans WHERE trace_id = $1""";

  private final Pool pool;
  private final Dictionaries dictionaries;

  PostgresSpanStore(Pool pool, Dictionaries dictionaries) {
    this.pool = pool;
    this.dictionaries = dictionaries;
  }

  @Override
  public Future<List<ResourceSpans>> getTrace(TraceId traceId) {
    return pool.preparedQuery(SELECT_TRACE)
        .execute(Tuple.of(traceId.toUuid()))
        .recover(failure -> Future.failedFuture(PgErrors.classify(failure)))
        .compose(rows -> assemble(traceId, rows));
  }

  private Future<List<ResourceSpans>> assemble(TraceId traceId, RowSet<Row> rows) {
    if (rows.size() == 0) {
      return Future.succeededFuture(List.of());
    }
    Set<Long> sources = new HashSet<>();
    Set<Integer> operations = new HashSet<>();
    for (Row row : rows) {
      sources.add(row.getLong(4));
      operations.add(row.getInteger(5));
    }
    return dictionaries.loadForRead(sources, operations)
        .recover(failure -> Future.failedFuture(PgErrors.classify(failure)))
        .map(loaded -> {
          // Spans grouped by their source, sources in order of their first span.
          Map<Long, List<Span>> bySource = new LinkedHashMap<>();
          List<Row> ordered = new ArrayList<>();
          rows.forEach(ordered::add);
          ordered.sort(Comparator.comparingLong((Row r) -> r.getLong(0))
              .thenComparingLong(r -> r.getLong(1)));
          for (Row row : ordered) {
            Dictionaries.Operation operation = dictionaries.operation(row.getInteger(5));
            if (operation == null) {
              throw new IllegalStateException("operation " + row.getInteger(5) + " is missing");
            }
            Span span = StoredSpanCodec.decode(row.getBuffer(6).getBytes(), traceId,
                row.getLong(1), row.getLong(2), operation.name(), operation.spanKind(),
                row.getLong(0), row.getLong(3));
            bySource.computeIfAbsent(row.getLong(4), id -> new ArrayList<>()).add(span);
          }
          List<ResourceSpans> result = new ArrayList<>(bySource.size());
          bySource.forEach((sourceId, spans) -> {
            ResourceSpans source = dictionaries.source(sourceId);
            if (source == null) {
              throw new IllegalStateException("span source " + sourceId + " is missing");
            }
            ScopeSpans scope = source.getScopeSpans(0).toBuilder().addAllSpans(spans).build();
            result.add(source.toBuilder().setScopeSpans(0, scope).build());
          });
          return result;
        });
  }
}
