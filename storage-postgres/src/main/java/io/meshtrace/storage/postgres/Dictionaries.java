package io.meshtrace.storage.postgres;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The service, operation and span-source dictionaries, with in-memory caches in both
 * directions. Entries are never changed or deleted, so a cached entry is never stale; the caches
 * are emptied when they grow past a bound, which only costs a query to refill.
 */
final class Dictionaries {
  /** An operation as the writer knows it. */
  record OperationKey(int serviceId, String name, short spanKind) {}

  /** An operation as the reader needs it. */
  record Operation(String serviceName, String name, int spanKind) {}

  private static final int MAX_CACHED = 200_000;
  /** Upserts race with concurrent writers; see {@link #upsert}. */
  private static final int MAX_ATTEMPTS = 5;

  private final Pool pool;
  private final Map<String, Integer> serviceIds = new ConcurrentHashMap<>();
  private final Map<OperationKey, Integer> operationIds = new ConcurrentHashMap<>();
  private final Map<ByteString, Long> sourceIds = new ConcurrentHashMap<>();
  private final Map<Integer, Operation> operationsById = new ConcurrentHashMap<>();
  private final Map<Long, ResourceSpans> sourcesById = new ConcurrentHashMap<>();

  Dictionaries(Pool pool) {
    this.pool = pool;
  }

  /** Sets {@code sourceId} and {@code operationId} of every row, adding what is new. */
  Future<Void> resolve(List<SpanRow> rows) {
    return resolve(rows, 1);
  }

  private Future<Void> resolve(List<SpanRow> rows, int attempt) {
    if (assignFromCaches(rows)) {
      return Future.succeededFuture();
    }
    Set<String> newServices = new LinkedHashSet<>();
    for (SpanRow row : rows) {
      if (!serviceIds.containsKey(row.source.serviceName())) {
        newServices.add(row.source.serviceName());
      }
    }
    return upsertServices(newServices).compose(v -> {
      Map<OperationKey, SpanRow> newOperations = new LinkedHashMap<>();
      Map<ByteString, SpanSource> newSources = new LinkedHashMap<>();
      for (SpanRow row : rows) {
        OperationKey op = operationKey(row);
        if (op != null && !operationIds.containsKey(op)) {
          newOperations.putIfAbsent(op, row);
        }
        if (!sourceIds.containsKey(row.source.digest())) {
          newSources.putIfAbsent(row.source.digest(), row.source);
        }
      }
      return Future.all(upsertOperations(newOperations.keySet()),
          upsertSources(newSources.values()));
    }).compose(v -> {
      for (SpanRow row : rows) {
        OperationKey op = operationKey(row);
        Integer operationId = op == null ? null : operationIds.get(op);
        Long sourceId = sourceIds.get(row.source.digest());
        if (operationId == null || sourceId == null) {
          // A cache was emptied for size while this batch was being resolved: go again.
          if (attempt >= MAX_ATTEMPTS) {
            return Future.failedFuture(new IllegalStateException(
                "could not resolve dictionary IDs after " + MAX_ATTEMPTS + " attempts"));
          }
          return resolve(rows, attempt + 1);
        }
        row.operationId = operationId;
        row.sourceId = sourceId;
      }
      return Future.succeededFuture();
    });
  }

  /** The steady state: every name is known; one lookup per dictionary and row. */
  private boolean assignFromCaches(List<SpanRow> rows) {
    int count = rows.size();
    for (int i = 0; i < count; i++) {
      SpanRow row = rows.get(i);
      OperationKey op = operationKey(row);
      Integer operationId = op == null ? null : operationIds.get(op);
      Long sourceId = sourceIds.get(row.source.digest());
      if (operationId == null || sourceId == null) {
        return false;
      }
      row.operationId = operationId;
      row.sourceId = sourceId;
    }
    return true;
  }

  private OperationKey operationKey(SpanRow row) {
    Integer serviceId = serviceIds.get(row.source.serviceName());
    return serviceId == null ? null : new OperationKey(serviceId, row.operationName, row.spanKind);
  }

  private Future<Void> upsertServices(Collection<String> names) {
    if (names.isEmpty()) {
      return Future.succeededFuture();
    }
    String sql = """
        WITH input AS (SELECT DISTINCT unnest($1::text[]) AS name),
        inserted AS (
          INSERT INTO services (name) SELECT name FROM input ORDER BY name
          ON CONFLICT (name) DO NOTHING RETURNING id, name)
        SELECT id, name FROM inserted
        UNION ALL
        SELECT s.id, s.name FROM services s JOIN input USING (name)""";
    return upsert(sql, () -> {
      List<String> missing = names.stream().filter(n -> !serviceIds.containsKey(n)).toList();
      return missing.isEmpty() ? null : Tuple.of(missing.toArray(new String[0]));
    }, row -> cachePut(serviceIds, row.getString(1), row.getInteger(0)));
  }

  private Future<Void> upsertOperations(Collection<OperationKey> keys) {
    if (keys.isEmpty()) {
      return Future.succeededFuture();
    }
    String sql = """
        WITH input AS (
          SELECT DISTINCT * FROM unnest($1::int[], $2::text[], $3::smallint[])
            AS t(service_id, name, span_kind)),
        inserted AS (
          INSERT INTO operations (service_id, name, span_kind)
          SELECT service_id, name, span_kind FROM input ORDER BY 1, 2, 3
          ON CONFLICT (service_id, name, span_kind) DO NOTHING
          RETURNING id, service_id, name, span_kind)
        SELECT id, service_id, name, span_kind FROM inserted
        UNION ALL
        SELECT o.id, o.service_id, o.name, o.span_kind
        FROM operations o JOIN input USING (service_id, name, span_kind)""";
    return upsert(sql, () -> {
      List<OperationKey> missing = keys.stream().filter(k -> !operationIds.containsKey(k)).toList();
      if (missing.isEmpty()) {
        return null;
      }
      Integer[] services = new Integer[missing.size()];
      String[] names = new String[missing.size()];
      Short[] kinds = new Short[missing.size()];
      for (int i = 0; i < missing.size(); i++) {
        services[i] = missing.get(i).serviceId();
        names[i] = missing.get(i).name();
        kinds[i] = missing.get(i).spanKind();
      }
      return Tuple.of(services, names, kinds);
    }, row -> cachePut(operationIds,
        new OperationKey(row.getInteger(1), row.getString(2), row.getShort(3)), row.getInteger(0)));
  }

  private Future<Void> upsertSources(Collection<SpanSource> sources) {
    if (sources.isEmpty()) {
      return Future.succeededFuture();
    }
    String sql = """
        WITH input AS (
          SELECT DISTINCT ON (digest) * FROM unnest($1::bytea[], $2::int[], $3::bytea[])
            AS t(digest, service_id, source)),
        inserted AS (
          INSERT INTO span_sources (digest, service_id, source)
          SELECT digest, service_id, source FROM input ORDER BY digest
          ON CONFLICT (digest) DO NOTHING RETURNING id, digest)
        SELECT id, digest FROM inserted
        UNION ALL
        SELECT s.id, s.digest FROM span_sources s JOIN input USING (digest)""";
    return upsert(sql, () -> {
      // A source whose service ID fell out of the cache is left to resolve()'s next attempt.
      List<SpanSource> missing = sources.stream()
          .filter(s -> !sourceIds.containsKey(s.digest()))
          .filter(s -> serviceIds.containsKey(s.serviceName()))
          .toList();
      if (missing.isEmpty()) {
        return null;
      }
      Buffer[] digests = new Buffer[missing.size()];
      Integer[] services = new Integer[missing.size()];
      Buffer[] encoded = new Buffer[missing.size()];
      for (int i = 0; i < missing.size(); i++) {
        SpanSource source = missing.get(i);
        digests[i] = Buffer.buffer(source.digest().toByteArray());
        services[i] = serviceIds.get(source.serviceName());
        encoded[i] = Buffer.buffer(source.encoded());
      }
      return Tuple.of(digests, services, encoded);
    }, row -> cachePut(sourceIds, ByteString.copyFrom(row.getBuffer(1).getBytes()), row.getLong(0)));
  }

  /**
   * Runs an insert-or-select until every key has an ID. A key that a concurrent transaction
   * inserts after this statement's snapshot is neither inserted (conflict) nor seen (snapshot)
   * by it; the next attempt sees it.
   */
  private Future<Void> upsert(String sql, java.util.function.Supplier<Tuple> missingArgs,
      java.util.function.Consumer<Row> cache) {
    return upsertAttempt(sql, missingArgs, cache, 1);
  }

  private Future<Void> upsertAttempt(String sql, java.util.function.Supplier<Tuple> missingArgs,
      java.util.function.Consumer<Row> cache, int attempt) {
    Tuple args = missingArgs.get();
    if (args == null) {
      return Future.succeededFuture();
    }
    if (attempt > MAX_ATTEMPTS) {
      return Future.failedFuture(new IllegalStateException(
          "dictionary entries still missing after " + MAX_ATTEMPTS + " attempts"));
    }
    return pool.preparedQuery(sql).execute(args).compose(rows -> {
      rows.forEach(cache);
      return upsertAttempt(sql, missingArgs, cache, attempt + 1);
    });
  }

  /** Loads what the reader needs for these IDs into the caches. */
  Future<Void> loadForRead(Set<Long> sources, Set<Integer> operations) {
    List<Long> missingSources = sources.stream().filter(id -> !sourcesById.containsKey(id)).toList();
    List<Integer> missingOperations =
        operations.stream().filter(id -> !operationsById.containsKey(id)).toList();
    Future<Void> loadSources = missingSources.isEmpty() ? Future.succeededFuture()
        : pool.preparedQuery("SELECT id, source FROM span_sources WHERE id = ANY($1)")
            .execute(Tuple.of(missingSources.toArray(new Long[0])))
            .map(rows -> {
              for (Row row : rows) {
                cachePut(sourcesById, row.getLong(0), parseSource(row.getBuffer(1)));
              }
              return null;
            });
    Future<Void> loadOperations = missingOperations.isEmpty() ? Future.succeededFuture()
        : pool.preparedQuery("""
                SELECT o.id, s.name, o.name, o.span_kind
                FROM operations o JOIN services s ON s.id = o.service_id
                WHERE o.id = ANY($1)""")
            .execute(Tuple.of(missingOperations.toArray(new Integer[0])))
            .map(rows -> {
              for (Row row : rows) {
                cachePut(operationsById, row.getInteger(0),
                    new Operation(row.getString(1), row.getString(2), row.getShort(3)));
              }
              return null;
            });
    return Future.all(loadSources, loadOperations).mapEmpty();
  }

  /** After {@link #loadForRead}; null only if the database lost a dictionary row. */
  ResourceSpans source(long id) {
    return sourcesById.get(id);
  }

  Operation operation(int id) {
    return operationsById.get(id);
  }

  private static ResourceSpans parseSource(Buffer bytes) {
    try {
      return ResourceSpans.parseFrom(bytes.getBytes());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a span_sources row is corrupt: " + e.getMessage(), e);
    }
  }

  private static <K, V> void cachePut(Map<K, V> cache, K key, V value) {
    if (cache.size() >= MAX_CACHED) {
      cache.clear();
    }
    cache.put(key, value);
  }

  /** For tests: forget everything, as a fresh process would. */
  void clearCaches() {
    serviceIds.clear();
    operationIds.clear();
    sourceIds.clear();
    operationsById.clear();
    sourcesById.clear();
  }
}
