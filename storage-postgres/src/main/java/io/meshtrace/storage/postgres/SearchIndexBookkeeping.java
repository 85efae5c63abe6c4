package io.meshtrace.storage.postgres;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What searches rely on being recorded before the rows they describe are inserted: the volatile
 * attribute keys (tag search looks into payloads only for recorded keys), whether only failed
 * spans have carried an attribute set ({@code attribute_sets.only_failed}) and the services a
 * service called ({@code remote_services}). In-memory sets remember what is recorded, so a batch
 * that brings nothing new writes nothing.
 */
final class SearchIndexBookkeeping {
  private final Pool pool;
  private final AttributeSplitter splitter;
  /** Sets whose only_failed is known to be false: spans that are not failed were stored. */
  private final Set<Integer> setsOfOkSpans = ConcurrentHashMap.newKeySet();
  /** (service ID, remote service name) pairs recorded in remote_services. */
  private final Set<List<Object>> remoteServices = ConcurrentHashMap.newKeySet();

  SearchIndexBookkeeping(Pool pool, AttributeSplitter splitter) {
    this.pool = pool;
    this.splitter = splitter;
  }

  /** Loads the recorded volatile keys into the splitter; at start-up. */
  Future<Void> loadVolatileKeys() {
    return pool.query("""
            SELECT s.tenant, s.name, v.key FROM volatile_attribute_keys v
            JOIN services s ON s.id = v.service_id""").execute()
        .map(rows -> {
          for (Row row : rows) {
            splitter.markVolatile(new ServiceName(row.getString(0), row.getString(1)).key(),
                row.getString(2));
          }
          return null;
        });
  }

  /**
   * What searches rely on being recorded before the rows they describe are inserted. After
   * {@link DictionaryWriter#resolve}: the records name services and attribute sets by ID.
   */
  Future<Void> recordBeforeInsert(List<SpanRow> rows) {
    return recordVolatileKeys(rows)
        .compose(v -> recordSetsOfOkSpans(rows))
        .compose(v -> recordRemoteServices(rows));
  }

  /**
   * Turns only_failed off for the sets of the rows that are not failed, unless known to be off:
   * a search that trusts only_failed looks at failed spans alone. Rarely writes: a set made by
   * this batch already has the value its rows give, and one made by a failed span and
   * then used by one that is not is turned off once.
   */
  private Future<Void> recordSetsOfOkSpans(List<SpanRow> rows) {
    TreeSet<Integer> fresh = null;
    for (SpanRow row : rows) {
      if (!row.error() && row.attributeSetId != 0 && !setsOfOkSpans.contains(row.attributeSetId)) {
        if (fresh == null) {
          fresh = new TreeSet<>();
        }
        fresh.add(row.attributeSetId);
      }
    }
    if (fresh == null) {
      return Future.succeededFuture();
    }
    Collection<Integer> recorded = fresh;
    // In ID order, as every writer does: concurrent updates lock the rows in the same order.
    return pool.preparedQuery("UPDATE attribute_sets SET only_failed = false"
            + " WHERE id = ANY($1) AND only_failed")
        .execute(Tuple.tuple().addValue(fresh.toArray(new Integer[0])))
        .map(done -> {
          recorded.forEach(this::noteSetOfOkSpans);
          return null;
        });
  }

  /**
   * Notes a set whose only_failed is false in the database, so that {@link #recordBeforeInsert}
   * leaves it alone; {@link DictionaryWriter} notes those its upserts return.
   */
  void noteSetOfOkSpans(int setId) {
    if (setsOfOkSpans.size() >= BoundedCache.MAX_ENTRIES) {
      setsOfOkSpans.clear();
    }
    setsOfOkSpans.add(setId);
  }

  /**
   * Records the keys rows store as their own before those rows are inserted (tag search looks
   * into payloads only for recorded keys), then tells the splitter they are recorded.
   */
  private Future<Void> recordVolatileKeys(List<SpanRow> rows) {
    Map<List<Object>, String[]> keys = null;
    for (SpanRow row : rows) {
      if (!row.newlyVolatileKeys.isEmpty()) {
        if (keys == null) {
          keys = new LinkedHashMap<>();
        }
        for (String key : row.newlyVolatileKeys) {
          keys.putIfAbsent(List.of(row.serviceId, key),
              new String[] {row.source.service().key(), key});
        }
      }
    }
    if (keys == null) {
      return Future.succeededFuture();
    }
    Integer[] services = new Integer[keys.size()];
    String[] names = new String[keys.size()];
    int i = 0;
    for (List<Object> key : keys.keySet()) {
      services[i] = (Integer) key.get(0);
      names[i++] = (String) key.get(1);
    }
    Collection<String[]> recorded = keys.values();
    return pool.preparedQuery("""
            INSERT INTO volatile_attribute_keys (service_id, key)
            SELECT * FROM unnest($1::int[], $2::text[]) ORDER BY 1, 2
            ON CONFLICT DO NOTHING""")
        .execute(Tuple.tuple().addValue(services).addValue(names))
        .map(done -> {
          for (String[] serviceAndKey : recorded) {
            splitter.markVolatile(serviceAndKey[0], serviceAndKey[1]);
          }
          return null;
        });
  }

  private Future<Void> recordRemoteServices(List<SpanRow> rows) {
    Set<List<Object>> fresh = null;
    for (SpanRow row : rows) {
      if (row.peerService != null) {
        List<Object> pair = List.of(row.serviceId, row.peerService);
        if (!remoteServices.contains(pair)) {
          if (fresh == null) {
            fresh = new LinkedHashSet<>();
          }
          fresh.add(pair);
        }
      }
    }
    if (fresh == null) {
      return Future.succeededFuture();
    }
    Integer[] services = fresh.stream().map(p -> (Integer) p.get(0)).toArray(Integer[]::new);
    String[] names = fresh.stream().map(p -> (String) p.get(1)).toArray(String[]::new);
    Set<List<Object>> recorded = fresh;
    return pool.preparedQuery("INSERT INTO remote_services (service_id, name)"
            + " SELECT * FROM unnest($1::int[], $2::text[]) ORDER BY 1, 2 ON CONFLICT DO NOTHING")
        .execute(Tuple.tuple().addValue(services).addValue(names))
        .map(done -> {
          if (remoteServices.size() > BoundedCache.MAX_ENTRIES) {
            remoteServices.clear();
          }
          remoteServices.addAll(recorded);
          return null;
        });
  }
}
