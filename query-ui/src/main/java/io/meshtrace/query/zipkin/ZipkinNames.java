package io.meshtrace.query.zipkin;

import io.meshtrace.model.ServiceNames;
import io.meshtrace.storage.SpanName;
import io.meshtrace.storage.SpanStore;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Service, span and remote service names as Zipkin sees them: lowercase. Zipkin lowercases
 * names when a span is built, so spans sent as Zipkin are stored lowercase anyway, but spans that
 * came over OTLP keep their case in storage ({@code Frontend}). Listings therefore lowercase and
 * merge, and a lowercase name asked for is first resolved to the names storage holds for it.
 */
public final class ZipkinNames {
  private final SpanStore store;

  public ZipkinNames(SpanStore store) {
    this.store = store;
  }

  /**
   * {@code /api/v2/services}: sorted, lowercase, without the empty name and without the name
   * storage gives spans that have no service ({@link ServiceNames#UNKNOWN}): Zipkin lists only
   * the services spans named.
   */
  public Future<List<String>> serviceNames() {
    return store.getServiceNames().map(names -> lowercaseSorted(names.stream()
        .filter(name -> !name.equals(ServiceNames.UNKNOWN)).toList()));
  }

  /** {@code /api/v2/spans}: the span names of a service, sorted, lowercase. */
  public Future<List<String>> spanNames(String serviceName) {
    return acrossStoredNames(serviceName, stored -> store.getOperations(stored, null)
        .map(operations -> operations.stream().map(SpanName::name).toList()));
  }

  /** {@code /api/v2/remoteServices}: the services a service's spans called, sorted, lowercase. */
  public Future<List<String>> remoteServiceNames(String serviceName) {
    return acrossStoredNames(serviceName, store::getRemoteServiceNames);
  }

  /** The stored service names that read as {@code serviceName} in Zipkin (any case). */
  public Future<List<String>> storedServiceNames(String serviceName) {
    String wanted = serviceName.toLowerCase(Locale.ROOT);
    return store.getServiceNames().map(names -> names.stream()
        .filter(name -> name.toLowerCase(Locale.ROOT).equals(wanted)).toList());
  }

  /** The stored operation names of these stored services that read as {@code spanName}. */
  public Future<List<String>> storedSpanNames(List<String> storedServices, String spanName) {
    return collect(storedServices, service -> store.getOperations(service, null)
        .map(operations -> operations.stream().map(SpanName::name).toList()))
        .map(names -> matching(names, spanName));
  }

  /** The stored remote service names of these stored services that read as {@code remote}. */
  public Future<List<String>> storedRemoteServiceNames(List<String> storedServices,
      String remote) {
    return collect(storedServices, store::getRemoteServiceNames)
        .map(names -> matching(names, remote));
  }

  private Future<List<String>> acrossStoredNames(String serviceName,
      Function<String, Future<List<String>>> lookup) {
    if (serviceName == null || serviceName.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return storedServiceNames(serviceName)
        .compose(stored -> collect(stored, lookup))
        .map(ZipkinNames::lowercaseSorted);
  }

  private static Future<List<String>> collect(List<String> keys,
      Function<String, Future<List<String>>> lookup) {
    List<Future<List<String>>> lookups = keys.stream().map(lookup).toList();
    return Future.all(lookups).map(all -> {
      List<String> names = new ArrayList<>();
      lookups.forEach(result -> names.addAll(result.result()));
      return names;
    });
  }

  private static List<String> matching(List<String> names, String wanted) {
    String lowercase = wanted.toLowerCase(Locale.ROOT);
    return names.stream().filter(name -> name.toLowerCase(Locale.ROOT).equals(lowercase))
        .distinct().toList();
  }

  private static List<String> lowercaseSorted(List<String> names) {
    TreeSet<String> sorted = new TreeSet<>();
    for (String name : names) {
      if (!name.isEmpty()) {
        sorted.add(name.toLowerCase(Locale.ROOT));
      }
    }
    return new ArrayList<>(sorted);
  }
}
