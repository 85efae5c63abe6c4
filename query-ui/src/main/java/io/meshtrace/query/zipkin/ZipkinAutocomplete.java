package io.meshtrace.query.zipkin;

import io.meshtrace.storage.SpanStore;
import io.meshtrace.zipkin.codec.OtlpToZipkin;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * Tag keys and values for the search form's autocomplete. Zipkin offers only the keys configured
 * in {@code zipkin.storage.autocomplete-keys} (none by default); meshtrace already keeps every
 * shared attribute key in its dictionaries, so with no keys configured it offers them all. With
 * keys configured it behaves as Zipkin: those keys, and values only for them.
 */
public final class ZipkinAutocomplete {
  private final SpanStore store;
  private final List<String> configuredKeys;

  /** @param configuredKeys the only keys to offer; empty for every key storage knows */
  public ZipkinAutocomplete(SpanStore store, List<String> configuredKeys) {
    this.store = store;
    this.configuredKeys = List.copyOf(configuredKeys);
  }

  public Future<List<String>> keys() {
    if (!configuredKeys.isEmpty()) {
      List<String> keys = new ArrayList<>(configuredKeys);
      keys.sort(null);
      return Future.succeededFuture(keys);
    }
    // Attributes that read back as Zipkin fields (remote endpoint, shared, debug) are no tags.
    return store.getTagKeys().map(keys -> keys.stream()
        .filter(key -> !OtlpToZipkin.SPAN_FIELDS.contains(key)).toList());
  }

  public Future<List<String>> values(String key) {
    if (key.isEmpty() || OtlpToZipkin.SPAN_FIELDS.contains(key)
        || (!configuredKeys.isEmpty() && !configuredKeys.contains(key))) {
      return Future.succeededFuture(List.of());
    }
    return store.getTagValues(key);
  }
}
