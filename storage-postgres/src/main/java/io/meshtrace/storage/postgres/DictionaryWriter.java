package io.meshtrace.storage.postgres;

import com.google.protobuf.ByteString;
import io.meshtrace.model.AttributeText;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Resolves the IDs of the dictionary entries span rows refer to (services, operations, span
 * sources, attribute sets, attribute keys) before the rows are inserted, adding the entries that
 * are new. The IDs are cached in memory (see {@link BoundedCache}).
 */
final class DictionaryWriter {
  /** An operation as the writer knows it. */
  private record OperationKey(int serviceId, String name, short spanKind) {}

  /** Upserts race with concurrent writers; see {@link #upsert}. */
  private static final int MAX_ATTEMPTS = 5;

  private final Pool pool;
  private final DictionaryReader reader;
  private final SearchIndexBookkeeping searchIndex;
  private final Map<ServiceName, Integer> serviceIds = new ConcurrentHashMap<>();
  private final Map<Integer, ServiceName> serviceNames = new ConcurrentHashMap<>();
  private final Map<OperationKey, Integer> operationIds = new ConcurrentHashMap<>();
  private final Map<ByteString, Integer> sourceIds = new ConcurrentHashMap<>();
  private final Map<AttributeSet, Integer> attributeSetIds = new ConcurrentHashMap<>();
  /** Attribute keys by their UTF-8 bytes, as spans carry them. */
  private final Map<ByteString, Integer> keyIds = new ConcurrentHashMap<>();

  DictionaryWriter(Pool pool, DictionaryReader reader, SearchIndexBookkeeping searchIndex) {
    this.pool = pool;
    this.reader = reader;
    this.searchIndex = searchIndex;
  }

  /** Sets the dictionary IDs of every row, adding what is new. */
  Future<Void> resolve(List<SpanRow> rows) {
    return resolve(rows, 1);
  }

  private Future<Void> resolve(List<SpanRow> rows, int attempt) {
    if (assignFromCaches(rows)) {
      return Future.succeededFuture();
    }
    Set<ServiceName> newServices = new LinkedHashSet<>();
    for (SpanRow row : rows) {
      if (!serviceIds.containsKey(row.source.service())) {
        newServices.add(row.source.service());
      }
    }
    return upsertServices(newServices).compose(v -> {
      Map<OperationKey, SpanRow> newOperations = new LinkedHashMap<>();
      Map<ByteString, SpanSource> newSources = new LinkedHashMap<>();
      // New sets, and whether every row of this batch with the set is failed.
      Map<AttributeSet, Boolean> newSets = new LinkedHashMap<>();
      Set<ByteString> newKeys = new LinkedHashSet<>();
      for (SpanRow row : rows) {
        row.ownKeys(key -> {
          if (!keyIds.containsKey(key)) {
            newKeys.add(key);
          }
        });
        OperationKey op = operationKey(row);
        if (op != null && !operationIds.containsKey(op)) {
          newOperations.putIfAbsent(op, row);
        }
        if (!sourceIds.containsKey(row.source.digest())) {
          newSources.putIfAbsent(row.source.digest(), row.source);
        }
        if (row.attributeSet != null && !attributeSetIds.containsKey(row.attributeSet)) {
          newSets.merge(row.attributeSet, row.error(), Boolean::logicalAnd);
        }
      }
      return Future.all(upsertOperations(newOperations.keySet()),
          upsertSources(newSources.values()), upsertAttributeSets(newSets),
          upsertKeys(newKeys));
    }).compose(v -> {
      if (assignFromCaches(rows)) {
        return Future.succeededFuture();
      }
      // A cache was emptied for size while this batch was being resolved: go again.
      if (attempt >= MAX_ATTEMPTS) {
        return Future.failedFuture(new IllegalStateException(
            "could not resolve dictionary IDs after " + MAX_ATTEMPTS + " attempts"));
      }
      return resolve(rows, attempt + 1);
    });
  }

  /** The steady state: every name is known; one lookup per dictionary and row. */
  private boolean assignFromCaches(List<SpanRow> rows) {
    int count = rows.size();
    for (int i = 0; i < count; i++) {
      SpanRow row = rows.get(i);
      Integer serviceId = serviceIds.get(row.source.service());
      if (serviceId == null) {
        return false;
      }
      Integer operationId =
          operationIds.get(new OperationKey(serviceId, row.operationName, row.spanKind));
      Integer sourceId = sourceIds.get(row.source.digest());
      Integer setId = row.attributeSet == null ? Integer.valueOf(0)
          : attributeSetIds.get(row.attributeSet);
      if (operationId == null || sourceId == null || setId == null || !ownKeysKnown(row)) {
        return false;
      }
      row.serviceId = serviceId;
      row.operationId = operationId;
      row.sourceId = sourceId;
      row.attributeSetId = setId;
    }
    return true;
  }

  private boolean ownKeysKnown(SpanRow row) {
    int count = row.span.getAttributesCount();
    for (int i = 0; i < count; i++) {
      if ((row.shared == null || !row.shared[i])
          && !keyIds.containsKey(row.span.getAttributes(i).getKeyBytes())) {
        return false;
      }
    }
    return true;
  }

  /** The number of a key {@link #resolve} has seen; for building payloads. */
  int keyId(ByteString key) {
    Integer id = keyIds.get(key);
    if (id == null) {
      throw new IllegalStateException("attribute key not resolved: " + key.toStringUtf8());
    }
    return id;
  }

  /** A service this process has written spans of (its tenant and name), or null. */
  ServiceName service(int id) {
    return serviceNames.get(id);
  }

  private OperationKey operationKey(SpanRow row) {
    Integer serviceId = serviceIds.get(row.source.service());
    return serviceId == null ? null : new OperationKey(serviceId, row.operationName, row.spanKind);
  }

  private Future<Void> upsertServices(Collection<ServiceName> services) {
    if (services.isEmpty()) {
      return Future.succeededFuture();
    }
    String sql = """
        WITH input AS (
          SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS t(tenant, name)),
        inserted AS (
          INSERT INTO services (tenant, name) SELECT tenant, name FROM input ORDER BY 1, 2
          ON CONFLICT (tenant, name) DO NOTHING RETURNING id, tenant, name)
        SELECT id, tenant, name FROM inserted
        UNION ALL
        SELECT s.id, s.tenant, s.name FROM services s JOIN input USING (tenant, name)""";
    return upsert(sql, () -> {
      List<ServiceName> missing =
          services.stream().filter(n -> !serviceIds.containsKey(n)).toList();
      if (missing.isEmpty()) {
        return null;
      }
      String[] tenants = missing.stream().map(ServiceName::tenant).toArray(String[]::new);
      String[] names = missing.stream().map(ServiceName::name).toArray(String[]::new);
      return Tuple.tuple().addValue(tenants).addValue(names);
    }, row -> {
      ServiceName service = new ServiceName(row.getString(1), row.getString(2));
      BoundedCache.put(serviceIds, service, row.getInteger(0));
      BoundedCache.put(serviceNames, row.getInteger(0), service);
    });
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
    }, row -> BoundedCache.put(operationIds,
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
          .filter(s -> serviceIds.containsKey(s.service()))
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
        services[i] = serviceIds.get(source.service());
        encoded[i] = Buffer.buffer(source.encoded());
      }
      return Tuple.of(digests, services, encoded);
    }, row -> BoundedCache.put(sourceIds, ByteString.copyFrom(row.getBuffer(1).getBytes()),
        row.getInteger(0)));
  }

  /**
   * Adds the sets, each with only_failed as its rows in this batch say: a set first seen on a
   * span that is not failed (most) is never updated later. The search-index bookkeeping notes
   * the sets known to be false, so that it does not update them either.
   */
  private Future<Void> upsertAttributeSets(Map<AttributeSet, Boolean> onlyFailed) {
    Collection<AttributeSet> sets = onlyFailed.keySet();
    if (sets.isEmpty()) {
      return Future.succeededFuture();
    }
    String sql = """
        WITH input AS (
          SELECT DISTINCT ON (digest) *
          FROM unnest($1::bytea[], $2::bytea[], $3::jsonb[], $4::boolean[], $5::text[])
            AS t(digest, attributes, tags, only_failed, tenant)),
        inserted AS (
          INSERT INTO attribute_sets (digest, attributes, tags, only_failed, tenant)
          SELECT digest, attributes, tags, only_failed, tenant FROM input ORDER BY digest
          ON CONFLICT (digest) DO NOTHING RETURNING id, digest, only_failed)
        SELECT id, digest, only_failed FROM inserted
        UNION ALL
        SELECT s.id, s.digest, s.only_failed FROM attribute_sets s JOIN input USING (digest)""";
    Map<ByteString, AttributeSet> byDigest = new LinkedHashMap<>();
    for (AttributeSet set : sets) {
      byDigest.put(digest(set.bytes(), set.tenant()), set);
    }
    return upsert(sql, () -> {
      List<Map.Entry<ByteString, AttributeSet>> missing = byDigest.entrySet().stream()
          .filter(e -> !attributeSetIds.containsKey(e.getValue())).toList();
      if (missing.isEmpty()) {
        return null;
      }
      Buffer[] digests = new Buffer[missing.size()];
      Buffer[] attributes = new Buffer[missing.size()];
      JsonObject[] tags = new JsonObject[missing.size()];
      Boolean[] failedOnly = new Boolean[missing.size()];
      String[] tenants = new String[missing.size()];
      for (int i = 0; i < missing.size(); i++) {
        digests[i] = Buffer.buffer(missing.get(i).getKey().toByteArray());
        attributes[i] = Buffer.buffer(missing.get(i).getValue().bytes().toByteArray());
        tags[i] = tags(DictionaryReader.parseAttributes(missing.get(i).getValue().bytes()));
        failedOnly[i] = onlyFailed.get(missing.get(i).getValue());
        tenants[i] = missing.get(i).getValue().tenant();
      }
      return Tuple.of(digests, attributes, tags, failedOnly, tenants);
    }, row -> {
      AttributeSet set = byDigest.get(ByteString.copyFrom(row.getBuffer(1).getBytes()));
      if (set != null) {
        BoundedCache.put(attributeSetIds, set, row.getInteger(0));
        if (!row.getBoolean(2)) {
          searchIndex.noteSetOfOkSpans(row.getInteger(0));
        }
      }
    });
  }

  private Future<Void> upsertKeys(Collection<ByteString> keys) {
    if (keys.isEmpty()) {
      return Future.succeededFuture();
    }
    String sql = """
        WITH input AS (SELECT DISTINCT unnest($1::text[]) AS key),
        inserted AS (
          INSERT INTO attribute_keys (key) SELECT key FROM input ORDER BY key
          ON CONFLICT (key) DO NOTHING RETURNING id, key)
        SELECT id, key FROM inserted
        UNION ALL
        SELECT k.id, k.key FROM attribute_keys k JOIN input USING (key)""";
    return upsert(sql, () -> {
      String[] missing = keys.stream().filter(k -> !keyIds.containsKey(k))
          .map(ByteString::toStringUtf8).toArray(String[]::new);
      return missing.length == 0 ? null : Tuple.of(missing);
    }, row -> {
      BoundedCache.put(keyIds, ByteString.copyFromUtf8(row.getString(1)), row.getInteger(0));
      reader.cacheKey(row.getInteger(0), row.getString(1));
    });
  }

  /** The attributes of a set as text, the form tag search matches. */
  private static JsonObject tags(List<KeyValue> attributes) {
    JsonObject tags = new JsonObject();
    for (KeyValue attribute : attributes) {
      tags.put(attribute.getKey(), AttributeText.of(attribute.getValue()));
    }
    return tags;
  }

  /** The default tenant's digests are those of the attributes alone, as before tenants. */
  private static ByteString digest(ByteString bytes, String tenant) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(bytes.asReadOnlyByteBuffer());
      if (!tenant.isEmpty()) {
        sha.update((byte) 0);
        sha.update(tenant.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      return ByteString.copyFrom(sha.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Runs an insert-or-select until every key has an ID. A key that a concurrent transaction
   * inserts after this statement's snapshot is neither inserted (conflict) nor seen (snapshot)
   * by it; the next attempt sees it.
   */
  private Future<Void> upsert(String sql, Supplier<Tuple> missingArgs, Consumer<Row> cache) {
    return upsertAttempt(sql, missingArgs, cache, 1);
  }

  private Future<Void> upsertAttempt(String sql, Supplier<Tuple> missingArgs, Consumer<Row> cache,
      int attempt) {
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
}
