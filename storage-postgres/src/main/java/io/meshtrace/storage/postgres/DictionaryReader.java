package io.meshtrace.storage.postgres;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dictionary entries stored spans refer to by ID (span sources, operations, attribute sets,
 * attribute keys), loaded for the reader and cached in memory (see {@link BoundedCache}).
 */
final class DictionaryReader {
  /** An operation as the reader needs it. */
  record Operation(int serviceId, String tenant, String serviceName, String name, int spanKind) {}

  private final Pool pool;
  private final Map<Integer, String> keysById = new ConcurrentHashMap<>();
  private final Map<Integer, ResourceSpans> everySource = new ConcurrentHashMap<>();
  private volatile int maxSourceLoaded;
  private final Map<Integer, Operation> operationsById = new ConcurrentHashMap<>();
  private final Map<Integer, ResourceSpans> sourcesById = new ConcurrentHashMap<>();
  private final Map<Integer, List<KeyValue>> attributeSetsById = new ConcurrentHashMap<>();

  DictionaryReader(Pool pool) {
    this.pool = pool;
  }

  /** Loads what the reader needs for these IDs into the caches. */
  Future<Void> load(Set<Integer> sources, Set<Integer> operations, Set<Integer> sets,
      Set<Integer> keys) {
    List<Integer> missingKeys = keys.stream().filter(id -> !keysById.containsKey(id)).toList();
    Future<Void> loadKeys = missingKeys.isEmpty() ? Future.succeededFuture()
        : pool.preparedQuery("SELECT id, key FROM attribute_keys WHERE id = ANY($1)")
            .execute(Tuple.of(missingKeys.toArray(new Integer[0])))
            .map(rows -> {
              for (Row row : rows) {
                BoundedCache.put(keysById, row.getInteger(0), row.getString(1));
              }
              return null;
            });
    List<Integer> missingSources =
        sources.stream().filter(id -> !sourcesById.containsKey(id)).toList();
    List<Integer> missingOperations =
        operations.stream().filter(id -> !operationsById.containsKey(id)).toList();
    List<Integer> missingSets = sets.stream()
        .filter(id -> id != 0 && !attributeSetsById.containsKey(id)).toList();
    Future<Void> loadSources = missingSources.isEmpty() ? Future.succeededFuture()
        : pool.preparedQuery("SELECT id, source FROM span_sources WHERE id = ANY($1)")
            .execute(Tuple.of(missingSources.toArray(new Integer[0])))
            .map(rows -> {
              for (Row row : rows) {
                BoundedCache.put(sourcesById, row.getInteger(0), parseSource(row.getBuffer(1)));
              }
              return null;
            });
    Future<Void> loadOperations = missingOperations.isEmpty() ? Future.succeededFuture()
        : pool.preparedQuery("""
                SELECT o.id, s.id, s.tenant, s.name, o.name, o.span_kind
                FROM operations o JOIN services s ON s.id = o.service_id
                WHERE o.id = ANY($1)""")
            .execute(Tuple.of(missingOperations.toArray(new Integer[0])))
            .map(rows -> {
              for (Row row : rows) {
                BoundedCache.put(operationsById, row.getInteger(0), new Operation(
                    row.getInteger(1), row.getString(2), row.getString(3), row.getString(4),
                    row.getShort(5)));
              }
              return null;
            });
    Future<Void> loadSets = missingSets.isEmpty() ? Future.succeededFuture()
        : pool.preparedQuery("SELECT id, attributes FROM attribute_sets WHERE id = ANY($1)")
            .execute(Tuple.of(missingSets.toArray(new Integer[0])))
            .map(rows -> {
              for (Row row : rows) {
                BoundedCache.put(attributeSetsById, row.getInteger(0),
                    parseAttributes(ByteString.copyFrom(row.getBuffer(1).getBytes())));
              }
              return null;
            });
    return Future.all(loadSources, loadOperations, loadSets, loadKeys).mapEmpty();
  }

  /**
   * Every span source, for tag search over resource attributes. Loaded incrementally (sources
   * only grow) and kept apart from the bounded read cache.
   */
  Future<Map<Integer, ResourceSpans>> allSources() {
    int after = maxSourceLoaded;
    return pool.preparedQuery("SELECT id, source FROM span_sources WHERE id > $1 ORDER BY id")
        .execute(Tuple.of(after))
        .map(rows -> {
          for (Row row : rows) {
            everySource.put(row.getInteger(0), parseSource(row.getBuffer(1)));
            maxSourceLoaded = Math.max(maxSourceLoaded, row.getInteger(0));
          }
          return everySource;
        });
  }

  /** After {@link #load}; null only if the database lost a dictionary row. */
  ResourceSpans source(int id) {
    return sourcesById.get(id);
  }

  Operation operation(int id) {
    return operationsById.get(id);
  }

  /** Empty for set 0 (no shared attributes). */
  List<KeyValue> attributeSet(int id) {
    return id == 0 ? List.of() : attributeSetsById.get(id);
  }

  /** After {@link #load}. */
  String key(int id) {
    return keysById.get(id);
  }

  /** A key the writer added, so that reading spans this process wrote needs no query for it. */
  void cacheKey(int id, String key) {
    BoundedCache.put(keysById, id, key);
  }

  static List<KeyValue> parseAttributes(ByteString set) {
    try {
      return Span.parseFrom(set).getAttributesList();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("an attribute set is corrupt: " + e.getMessage(), e);
    }
  }

  private static ResourceSpans parseSource(Buffer bytes) {
    try {
      return ResourceSpans.parseFrom(bytes.getBytes());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a span_sources row is corrupt: " + e.getMessage(), e);
    }
  }
}
