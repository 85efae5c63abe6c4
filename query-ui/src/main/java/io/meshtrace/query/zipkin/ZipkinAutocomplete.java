package io.meshtrace.query.zipkin;

import io.meshtrace.storage.SpanStore;
import io.meshtrace.zipkin.codec.OtlpToZipkin;
import io.vertx.core.Future;
import java.util.List;

/**
 * Tag keys and values for the search form's autocomplete, as Zipkin's {@code AUTOCOMPLETE_KEYS}
 * (meshtrace's {@code --autocomplete-keys}) has them: the keys are the configured ones, in their
 * order, and values are offered only for them, from the stored spans' tags. With no keys
 * configured nothing is offered, as in Zipkin.
 */
public final class ZipkinAutocomplete {
  private final SpanStore store;
  private final List<String> configuredKeys;

  /** @param configuredKeys the only keys to offer; empty for none */
  public ZipkinAutocomplete(SpanStore store, List<String> configuredKeys) {
    this.store = store;
    this.configuredKeys = List.copyOf(configuredKeys);
  }

  public Future<List<String>> keys() {
    return Future.succeededFuture(configuredKeys);
  }

  public Future<List<String>> values(String key) {
    // Attributes that read back as Zipkin fields (remote endpoint, shared, debug) are no tags.
    if (!configuredKeys.contains(key) || OtlpToZipkin.SPAN_FIELDS.contains(key)) {
      return Future.succeededFuture(List.of());
    }
    return store.getTagValues(key);
  }
}
