package io.meshtrace.storage.postgres;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshtrace.model.TraceId;
import io.meshtrace.storage.StorageUnavailableException;
import io.meshtrace.storage.archive.TraceArchive;
import io.meshtrace.storage.archive.TraceUnion;
import io.meshtrace.tenant.Tenant;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One tenant's archived traces in {@code archived_traces} (migration V11): a row per trace, the
 * trace as one OTLP {@code TracesData} message. The table is not partitioned and {@link
 * PartitionMaintainer} never deletes from it, so retention leaves it alone. Additions are written
 * through the writer's pool, whose commits wait for the WAL flush, so that an archive that
 * answered is durable; reads go through the readers' pool.
 */
final class PostgresTraceArchive implements TraceArchive {
  /**
   * The first key of the two-key advisory locks on one archived trace ("mesa"): two-key locks are
   * a key space apart from the single-key ones the rest of meshtrace takes.
   */
  static final int LOCK_CLASS = 0x6d657361;

  private final Pool writes;
  private final Pool reads;
  /** The tenant's ID as stored, {@code ""} for the default tenant. */
  private final String tenant;

  PostgresTraceArchive(Pool writes, Pool reads, Tenant tenant) {
    this.writes = writes;
    this.reads = reads;
    this.tenant = tenant.id();
  }

  @Override
  public Future<Integer> add(TraceId traceId, List<ResourceSpans> spans) {
    if (spans.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("no spans to archive"));
    }
    UUID id = traceId.toUuid();
    // Read, merge and write under a lock on the trace, so that two archives of one trace at once
    // (two replicas, two clicks) cannot each write a union that lacks the other's spans.
    return writes.withTransaction(conn -> conn
            .preparedQuery("SELECT pg_advisory_xact_lock(" + LOCK_CLASS
                + ", hashtext($1::text || '/' || $2::uuid::text))").execute(Tuple.of(tenant, id))
            .compose(locked -> conn.preparedQuery(
                    "SELECT trace FROM archived_traces WHERE tenant = $1 AND trace_id = $2")
                .execute(Tuple.of(tenant, id)))
            .compose(rows -> {
              List<ResourceSpans> archived = rows.size() == 0 ? List.of()
                  : parse(rows.iterator().next().getBuffer(0), traceId);
              List<ResourceSpans> union = TraceUnion.of(archived, spans);
              int count = TraceUnion.spanCount(union);
              byte[] trace = TracesData.newBuilder().addAllResourceSpans(union).build()
                  .toByteArray();
              return conn.preparedQuery("""
                      INSERT INTO archived_traces (tenant, trace_id, span_count, trace)
                      VALUES ($1, $2, $3, $4)
                      ON CONFLICT (tenant, trace_id) DO UPDATE
                        SET span_count = EXCLUDED.span_count, trace = EXCLUDED.trace,
                            archived_at = now()""")
                  .execute(Tuple.of(tenant, id, count, Buffer.buffer(trace)))
                  .map(written -> count);
            }))
        .recover(PostgresTraceArchive::unavailable);
  }

  @Override
  public Future<List<List<ResourceSpans>>> getTraces(List<TraceId> traceIds) {
    if (traceIds.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    UUID[] ids = traceIds.stream().distinct().map(TraceId::toUuid).toArray(UUID[]::new);
    return reads.preparedQuery(
            "SELECT trace_id, trace FROM archived_traces WHERE tenant = $1 AND trace_id = ANY($2)")
        .execute(Tuple.tuple().addString(tenant).addArrayOfUUID(ids))
        .map(rows -> {
          Map<UUID, List<ResourceSpans>> byId = new HashMap<>();
          for (Row row : rows) {
            UUID id = row.getUUID(0);
            byId.put(id, parse(row.getBuffer(1), TraceId.fromUuid(id)));
          }
          List<List<ResourceSpans>> traces = new ArrayList<>(byId.size());
          for (UUID id : ids) {
            List<ResourceSpans> trace = byId.get(id);
            if (trace != null) {
              traces.add(trace);
            }
          }
          return traces;
        })
        .recover(ReadFailures::unavailable);
  }

  @Override
  public Future<Boolean> delete(TraceId traceId) {
    return writes.preparedQuery("DELETE FROM archived_traces WHERE tenant = $1 AND trace_id = $2")
        .execute(Tuple.of(tenant, traceId.toUuid()))
        .map(rows -> rows.rowCount() > 0)
        .recover(PostgresTraceArchive::unavailable);
  }

  private static List<ResourceSpans> parse(Buffer stored, TraceId traceId) {
    try {
      return TracesData.parseFrom(stored.getBytes()).getResourceSpansList();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the archived copy of trace " + traceId
          + " is not a TracesData message", e);
    }
  }

  /** As a read's: whatever fails in the database is storage's, never the caller's. */
  private static <T> Future<T> unavailable(Throwable failure) {
    if (failure instanceof StorageUnavailableException
        || failure instanceof IllegalArgumentException) {
      return Future.failedFuture(failure);
    }
    return Future.failedFuture(new StorageUnavailableException("archiving in storage failed",
        failure));
  }
}
