package io.meshtrace.controlplane.doctor;

import java.util.List;
import java.util.Map;

/**
 * Reads fields of Envoy configuration parsed into maps and lists, in either key style.
 *
 * <p>Envoy's admin {@code /config_dump} and Istio's goldens use the proto field names
 * ({@code trace_id_128bit}); {@code istioctl proxy-config ... -o json} re-marshals with the
 * JSON names ({@code traceId128bit}). Turning camelCase back into snake_case is ambiguous (where
 * does the underscore before "128" go?), but protobuf's snake → JSON name mapping is a function,
 * so every lookup asks for the proto name and also tries its JSON name.
 */
final class ProtoJson {
  private ProtoJson() {}

  /** Protobuf's JSON name of a field: underscores removed, the letter after each upper-cased. */
  static String jsonName(String protoName) {
    StringBuilder name = new StringBuilder(protoName.length());
    boolean upper = false;
    for (char c : protoName.toCharArray()) {
      if (c == '_') {
        upper = true;
      } else {
        name.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return name.toString();
  }

  /** The field under its proto name or its JSON name; null when absent. */
  static Object field(Object message, String protoName) {
    if (!(message instanceof Map<?, ?> map)) {
      return null;
    }
    Object value = map.get(protoName);
    return value != null ? value : map.get(jsonName(protoName));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> message(Object message, String protoName) {
    return field(message, protoName) instanceof Map<?, ?> map ? (Map<String, Object>) map : null;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object message, String protoName) {
    return field(message, protoName) instanceof List<?> list ? (List<Object>) list : List.of();
  }

  static String string(Object message, String protoName) {
    Object value = field(message, protoName);
    return value == null ? null : value.toString();
  }

  /** Follows a path of proto field names; null as soon as one is absent. */
  static Object path(Object message, String... protoNames) {
    Object current = message;
    for (String name : protoNames) {
      current = field(current, name);
      if (current == null) {
        return null;
      }
    }
    return current;
  }

  /** A number written as a JSON number or (64-bit fields, YAML) as a string; null otherwise. */
  static Double number(Object value) {
    Double number = null;
    if (value instanceof Number given) {
      number = given.doubleValue();
    } else if (value instanceof String text) {
      try {
        number = Double.parseDouble(text.trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    // "Infinity", "NaN" and YAML's .inf are no value Envoy takes (found by fuzzing: formatting
    // such a percentage threw NumberFormatException).
    return number != null && Double.isFinite(number) ? number : null;
  }

  /** A BoolValue or bool field: JSON writes wrappers as bare values; YAML may write strings. */
  static Boolean bool(Object message, String protoName) {
    Object value = field(message, protoName);
    if (value instanceof Map<?, ?> wrapper) {
      value = wrapper.get("value");
    }
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof String text && (text.equals("true") || text.equals("false"))) {
      return Boolean.parseBoolean(text);
    }
    return null;
  }

  /** The last segment of an {@code @type} URL: the message's full name. */
  static String typeName(Object message) {
    Object type = message instanceof Map<?, ?> map ? map.get("@type") : null;
    if (type == null) {
      return null;
    }
    String url = type.toString();
    return url.substring(url.lastIndexOf('/') + 1);
  }
}
