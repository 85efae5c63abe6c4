package io.meshtrace.collector.chart;

import java.util.List;
import java.util.Map;

/** Reading parsed Kubernetes YAML: nested maps and lists, with a clear failure on a wrong shape. */
final class Manifests {
  private Manifests() {}

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value) {
    if (!(value instanceof Map)) {
      throw new AssertionError("expected a mapping, found " + value);
    }
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object value) {
    if (!(value instanceof List)) {
      throw new AssertionError("expected a list, found " + value);
    }
    return (List<Object>) value;
  }

  static List<String> strings(Object value) {
    return list(value).stream().map(String::valueOf).toList();
  }

  /** The value at a path of keys; fails naming the path when a key is missing. */
  static Object path(Map<String, Object> root, String... keys) {
    Object current = root;
    for (String key : keys) {
      current = map(current).get(key);
      if (current == null) {
        throw new AssertionError(String.join(".", keys) + " is missing");
      }
    }
    return current;
  }

  /** The value at a path of keys, or null where one is missing. */
  static Object find(Map<String, Object> root, String... keys) {
    Object current = root;
    for (String key : keys) {
      if (!(current instanceof Map<?, ?> m)) {
        return null;
      }
      current = m.get(key);
    }
    return current;
  }
}
