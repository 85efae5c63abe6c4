package io.meshtrace.storage.postgres;

import io.meshtrace.model.TraceId;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts calls between services as spans are committed, so that the dependency graph needs no
 * batch job. A call is a SERVER or CONSUMER span whose caller (its parent span, or for a Zipkin
 * shared span the CLIENT half with its own ID) is a CLIENT or PRODUCER span of another service;
 * a CLIENT span whose {@code peer.service} names no service of ours (a database, an external
 * API) is a call to that name. Errors are calls whose called span failed.
 *
 * <p>Callers are remembered for two minutes in a compact map; a called span whose caller is not
 * there yet waits a minute for it, then the caller is looked up in the database (it may have
 * been stored by another replica). Counts are added to {@code dependency_links} per hour every
 * few seconds; every replica adds what it ingested, so the sums are right with several.
 */
final class DependencyLinker {
  private static final Logger LOG = LoggerFactory.getLogger(DependencyLinker.class);
  private static final int CLIENT = Span.SpanKind.SPAN_KIND_CLIENT_VALUE;
  private static final int PRODUCER = Span.SpanKind.SPAN_KIND_PRODUCER_VALUE;
  private static final int SERVER = Span.SpanKind.SPAN_KIND_SERVER_VALUE;
  private static final int CONSUMER = Span.SpanKind.SPAN_KIND_CONSUMER_VALUE;
  static final long GENERATION_MILLIS = 60_000;
  private static final int MAX_PENDING = 500_000;
  private static final int MAX_LOOKUPS_PER_FLUSH = 2_000;

  /** A called span waiting for its caller. */
  private record Pending(UUID traceId, long callerSpanId, int childServiceId, boolean error,
      long hourMillis, long seenMillis) {}

  private record LinkKey(long hourMillis, String tenant, String parent, String child)
      implements Comparable<LinkKey> {
    @Override
    public int compareTo(LinkKey o) {
      int c = Long.compare(hourMillis, o.hourMillis);
      c = c != 0 ? c : tenant.compareTo(o.tenant);
      c = c != 0 ? c : parent.compareTo(o.parent);
      return c != 0 ? c : child.compareTo(o.child);
    }
  }

  private final Pool pool;
  private final DictionaryWriter dictionaries;
  private LongIntMap callers = new LongIntMap(1 << 16);
  private LongIntMap previousCallers = new LongIntMap(16);
  private final java.time.Clock clock;
  private long generationStarted;
  private final List<Pending> pending = new ArrayList<>();
  /** Calls and errors by link. */
  private final PendingCounts<LinkKey> counts = new PendingCounts<>(2);
  /** Known services, to tell an uninstrumented peer.service from one of the tenant's. */
  private final Set<ServiceName> serviceNames = ConcurrentHashMap.newKeySet();

  DependencyLinker(Pool pool, DictionaryWriter dictionaries, java.time.Clock clock) {
    this.pool = pool;
    this.dictionaries = dictionaries;
    this.clock = clock;
    this.generationStarted = clock.millis();
  }

  Future<Void> loadServiceNames() {
    return pool.query("SELECT tenant, name FROM services").execute().map(rows -> {
      rows.forEach(row -> serviceNames.add(new ServiceName(row.getString(0), row.getString(1))));
      return null;
    });
  }

  static long key(UUID traceId, long spanId) {
    long h = traceId.getMostSignificantBits() * 0x9E3779B97F4A7C15L;
    h ^= traceId.getLeastSignificantBits() + 0x632BE59BD9B4E019L + (h << 6) + (h >>> 2);
    h ^= spanId * 0xC2B2AE3D27D4EB4FL + (h << 6) + (h >>> 2);
    return h;
  }

  /** Sees the rows of a committed batch. */
  synchronized void committed(List<SpanRow> rows) {
    rotateIfDue(clock.millis());
    for (SpanRow row : rows) {
      serviceNames.add(row.source.service());
      if (row.spanKind == CLIENT || row.spanKind == PRODUCER) {
        callers.put(key(row.traceId, row.spanId), row.serviceId);
      }
    }
    long now = clock.millis();
    for (SpanRow row : rows) {
      long hour = Math.floorDiv(row.startMicros / 1000, 3_600_000L) * 3_600_000L;
      if (row.spanKind == CLIENT && row.peerService != null && !serviceNames.contains(
          new ServiceName(row.source.service().tenant(), row.peerService))) {
        count(hour, row.source.service().tenant(), row.source.serviceName(), row.peerService,
            row.error());
      }
      if (row.spanKind != SERVER && row.spanKind != CONSUMER) {
        continue;
      }
      Long caller = row.zipkinShared ? Long.valueOf(row.spanId) : row.parentId;
      if (caller == null) {
        continue; // a root: nobody of ours called it
      }
      if (!link(row.traceId, caller, row.serviceId, row.error(), hour)
          && pending.size() < MAX_PENDING) {
        pending.add(new Pending(row.traceId, caller, row.serviceId, row.error(), hour, now));
      }
    }
  }

  private boolean link(UUID traceId, long callerSpanId, int childServiceId, boolean error,
      long hour) {
    long key = key(traceId, callerSpanId);
    int parentServiceId = callers.get(key, -1);
    if (parentServiceId == -1) {
      parentServiceId = previousCallers.get(key, -1);
    }
    if (parentServiceId == -1) {
      return false;
    }
    linkIds(parentServiceId, childServiceId, error, hour);
    return true;
  }

  private void linkIds(int parentServiceId, int childServiceId, boolean error, long hour) {
    if (parentServiceId != childServiceId) {
      ServiceName parent = dictionaries.service(parentServiceId);
      ServiceName child = dictionaries.service(childServiceId);
      // Two tenants may send the same trace and span IDs: their spans never call each other.
      if (parent != null && child != null && parent.tenant().equals(child.tenant())) {
        count(hour, child.tenant(), parent.name(), child.name(), error);
      }
    }
  }

  private void count(long hour, String tenant, String parent, String child, boolean error) {
    counts.add(new LinkKey(hour, tenant, parent, child), 1, error ? 1 : 0);
  }


  private void rotateIfDue(long now) {
    if (now - generationStarted >= GENERATION_MILLIS) {
      previousCallers = callers;
      callers = new LongIntMap(Math.max(1 << 16, previousCallers.size()));
      generationStarted = now;
    }
  }

  /**
   * Retries waiting spans, looks up in the database the callers of those that waited long
   * enough, and adds the counts to {@code dependency_links}.
   */
  Future<Void> flush() {
    List<Pending> lookups = new ArrayList<>();
    synchronized (this) {
      long now = clock.millis();
      rotateIfDue(now);
      for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
        Pending p = it.next();
        if (link(p.traceId(), p.callerSpanId(), p.childServiceId(), p.error(), p.hourMillis())) {
          it.remove();
        } else if (now - p.seenMillis() >= GENERATION_MILLIS
            && lookups.size() < MAX_LOOKUPS_PER_FLUSH) {
          lookups.add(p);
          it.remove();
        }
      }
    }
    return lookUp(lookups).compose(v -> write());
  }

  private Future<Void> lookUp(List<Pending> waiting) {
    if (waiting.isEmpty()) {
      return Future.succeededFuture();
    }
    UUID[] traces = waiting.stream().map(Pending::traceId).distinct().toArray(UUID[]::new);
    long oldest = waiting.stream().mapToLong(Pending::hourMillis).min().orElse(0);
    return pool.preparedQuery("""
            SELECT s.trace_id, sv.tenant, sv.name, s.payload FROM spans s
            JOIN operations o ON o.id = s.operation_id
            JOIN services sv ON sv.id = o.service_id
            WHERE s.trace_id = ANY($1) AND s.start_time >= $2 AND o.span_kind IN (3, 4)""")
        .execute(Tuple.of(traces, OffsetDateTime.ofInstant(
            Instant.ofEpochMilli(oldest).minus(1, ChronoUnit.DAYS), ZoneOffset.UTC)))
        .map(rows -> {
          // By tenant too: two tenants' spans may share trace and span IDs.
          Map<List<Object>, String> found = new HashMap<>();
          for (Row row : rows) {
            UUID traceId = row.getUUID(0);
            long spanId = StoredSpanCodec.spanId(StoredSpanCodec.parse(row.getBuffer(3).getBytes(),
                TraceId.fromUuid(traceId)));
            found.put(List.of(key(traceId, spanId), row.getString(1)), row.getString(2));
          }
          synchronized (this) {
            for (Pending p : waiting) {
              ServiceName child = dictionaries.service(p.childServiceId());
              String parent = child == null ? null
                  : found.get(List.of(key(p.traceId(), p.callerSpanId()), child.tenant()));
              if (parent != null && !parent.equals(child.name())) {
                count(p.hourMillis(), child.tenant(), parent, child.name(), p.error());
              }
            }
          }
          return (Void) null;
        })
        .recover(failure -> {
          LOG.warn("Could not look up callers for dependency links: {}", failure.getMessage());
          return Future.succeededFuture();
        });
  }

  private Future<Void> write() {
    return counts.flush(batch -> {
      int n = batch.size();
      OffsetDateTime[] hours = new OffsetDateTime[n];
      String[] tenants = new String[n];
      String[] parents = new String[n];
      String[] children = new String[n];
      Long[] calls = new Long[n];
      Long[] errors = new Long[n];
      int i = 0;
      for (Map.Entry<LinkKey, long[]> e : batch.entrySet()) {
        hours[i] = OffsetDateTime.ofInstant(Instant.ofEpochMilli(e.getKey().hourMillis()),
            ZoneOffset.UTC);
        tenants[i] = e.getKey().tenant();
        parents[i] = e.getKey().parent();
        children[i] = e.getKey().child();
        calls[i] = e.getValue()[0];
        errors[i++] = e.getValue()[1];
      }
      return pool.preparedQuery("""
              INSERT INTO dependency_links
                (hour, tenant, parent, child, call_count, error_count)
              SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[],
                                   $5::bigint[], $6::bigint[])
              ON CONFLICT (hour, tenant, parent, child) DO UPDATE
              SET call_count = dependency_links.call_count + excluded.call_count,
                  error_count = dependency_links.error_count + excluded.error_count""")
          .execute(Tuple.tuple().addValue(hours).addValue(tenants).addValue(parents)
              .addValue(children)
              .addValue(calls).addValue(errors))
          .mapEmpty();
    }, failure -> LOG.warn("Could not write dependency links: {}", failure.getMessage()));
  }
}
