package io.meshtrace.controlplane.sampling;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads Jaeger's strategies file format:
 *
 * <pre>{@code
 * {"default_strategy": {"type": "probabilistic", "param": 0.5,
 *                       "operation_strategies": [{"operation": "/health", "type": "probabilistic", "param": 0}]},
 *  "service_strategies": [{"service": "foo", "type": "ratelimiting", "param": 5,
 *                          "operation_strategies": [...]}]}
 * }</pre>
 *
 * <p>Jaeger unmarshals this leniently and falls back to its default for anything it cannot use;
 * here a document is refused instead, with every problem named by its field and position, because
 * a typo that silently samples everything at 0.1% is found only when the traces are missing. The
 * one leniency kept is Jaeger's own: an entry with neither {@code type} nor {@code param} gets
 * the default sampling probability (Jaeger's fixtures rely on it).
 *
 * <p>What Jaeger accepts but cannot serve becomes a warning: a fractional rate limit (the protocol
 * carries whole traces per second) and a rate-limiting operation strategy (the protocol carries
 * only probabilities per operation; Jaeger drops the entry).
 */
public final class SamplingStrategiesJson {
  private static final Set<String> ROOT_KEYS = Set.of("default_strategy", "service_strategies");
  private static final Set<String> DEFAULT_KEYS = Set.of("type", "param", "operation_strategies");
  private static final Set<String> SERVICE_KEYS =
      Set.of("service", "type", "param", "operation_strategies");
  private static final Set<String> OPERATION_KEYS = Set.of("operation", "type", "param");

  private SamplingStrategiesJson() {}

  /** A valid document and what in it cannot be served as written. */
  public record Parsed(SamplingStrategiesDocument document, List<String> warnings) {
    public Parsed {
      warnings = List.copyOf(warnings);
    }
  }

  /**
   * @throws InvalidSamplingStrategiesException naming every problem found
   */
  public static Parsed parse(String text) throws InvalidSamplingStrategiesException {
    LocatedJson json;
    try {
      json = LocatedJson.parse(text);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : LocatedJson.describe(e.getLocation()) + ": ";
      throw new InvalidSamplingStrategiesException(
          List.of("not valid JSON: " + where + e.getOriginalMessage()));
    }
    Reader reader = new Reader(json);
    SamplingStrategiesDocument document = reader.document();
    if (!reader.problems.isEmpty()) {
      throw new InvalidSamplingStrategiesException(reader.problems);
    }
    return new Parsed(document, reader.warnings);
  }

  /** One pass over a parsed document, collecting problems rather than stopping at the first. */
  private static final class Reader {
    private final LocatedJson json;
    private final List<String> problems = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    Reader(LocatedJson json) {
      this.json = json;
    }

    SamplingStrategiesDocument document() {
      Map<String, Object> root = object(json.root(), "", ROOT_KEYS);
      if (root == null) {
        return SamplingStrategiesDocument.EMPTY;
      }
      ServiceSamplingStrategy defaultStrategy = null;
      Map<String, Object> defaults = object(root.get("default_strategy"), "default_strategy",
          DEFAULT_KEYS);
      if (defaults != null) {
        defaultStrategy = new ServiceSamplingStrategy(null,
            strategy(defaults, "default_strategy"),
            operations(defaults, "default_strategy"));
      }
      List<ServiceSamplingStrategy> services = new ArrayList<>();
      Map<String, String> seen = new HashMap<>();
      List<Object> entries = array(root.get("service_strategies"), "service_strategies");
      for (int i = 0; i < entries.size(); i++) {
        String path = "service_strategies[" + i + "]";
        Map<String, Object> entry = object(entries.get(i), path, SERVICE_KEYS);
        if (entry == null) {
          problem(path, "must be an object with service, type and param");
          continue;
        }
        String service = name(entry, "service", path, seen);
        services.add(new ServiceSamplingStrategy(service == null ? "" : service,
            strategy(entry, path), operations(entry, path)));
      }
      return new SamplingStrategiesDocument(defaultStrategy, services);
    }

    private List<OperationSamplingStrategy> operations(Map<String, Object> owner, String ownerPath) {
      String listPath = ownerPath + ".operation_strategies";
      List<Object> entries = array(owner.get("operation_strategies"), listPath);
      List<OperationSamplingStrategy> operations = new ArrayList<>();
      Map<String, String> seen = new HashMap<>();
      for (int i = 0; i < entries.size(); i++) {
        String path = listPath + "[" + i + "]";
        Map<String, Object> entry = object(entries.get(i), path, OPERATION_KEYS);
        if (entry == null) {
          problem(path, "must be an object with operation, type and param");
          continue;
        }
        String operation = name(entry, "operation", path, seen);
        SamplingStrategy strategy = strategy(entry, path);
        if (strategy != null && strategy.type() == SamplerType.RATE_LIMITING) {
          warnings.add(path + ": operation '" + operation + "' is ratelimiting, but Jaeger's "
              + "protocol has only probabilities per operation; it is left out, as Jaeger does");
        }
        operations.add(new OperationSamplingStrategy(operation == null ? "" : operation,
            strategy));
      }
      return operations;
    }

    /** The {@code type} and {@code param} of an entry; null when it has neither. */
    private SamplingStrategy strategy(Map<String, Object> entry, String path) {
      Object typeValue = entry.get("type");
      Object paramValue = entry.get("param");
      if (typeValue == null) {
        if (paramValue != null) {
          problem(path + ".type", "is missing; param " + paramValue
              + " means nothing without it (probabilistic or ratelimiting)");
        }
        return null;
      }
      if (!(typeValue instanceof String typeName)) {
        problem(path + ".type", "must be a string: probabilistic or ratelimiting");
        return null;
      }
      SamplerType type = SamplerType.ofFileName(typeName);
      if (type == null) {
        problem(path + ".type", "unknown type '" + typeName
            + "'; expected probabilistic or ratelimiting");
        return null;
      }
      if (!(paramValue instanceof Double param)) {
        problem(path + ".param", paramValue == null ? "is missing; a " + typeName
            + " strategy needs one" : "must be a number, not " + describe(paramValue));
        return null;
      }
      if (type == SamplerType.PROBABILISTIC && !(param >= 0 && param <= 1)) {
        problem(path + ".param", "probability " + format(param) + " is outside [0,1]");
        return null;
      }
      if (type == SamplerType.RATE_LIMITING) {
        if (param < 0) {
          problem(path + ".param", "rate " + format(param)
              + " is negative; traces per second must be 0 or more");
          return null;
        }
        if (param > Integer.MAX_VALUE) {
          problem(path + ".param", "rate " + format(param) + " is more than "
              + Integer.MAX_VALUE + " traces per second, the protocol's limit");
          return null;
        }
        if (param != Math.floor(param)) {
          warnings.add(path + ".param: rate " + format(param) + " is served as "
              + (int) param.doubleValue() + " traces per second: Jaeger's protocol carries "
              + "whole numbers only");
        }
      }
      return new SamplingStrategy(type, param);
    }

    /** A non-empty string under {@code key}, unique among {@code seen}. */
    private String name(Map<String, Object> entry, String key, String path,
        Map<String, String> seen) {
      Object value = entry.get(key);
      if (!(value instanceof String name) || name.isEmpty()) {
        problem(path + "." + key, value == null ? "is missing"
            : "must be a non-empty string, not " + describe(value));
        return null;
      }
      String earlier = seen.putIfAbsent(name, path);
      if (earlier != null) {
        problem(path + "." + key, "'" + name + "' is listed twice (also " + earlier + ")");
      }
      return name;
    }

    /** The object at {@code path}, null for JSON null or absent; other types are problems. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> object(Object value, String path, Set<String> keys) {
      if (value == null) {
        return null;
      }
      if (!(value instanceof Map<?, ?>)) {
        problem(path, "must be an object, not " + describe(value));
        return null;
      }
      Map<String, Object> object = (Map<String, Object>) value;
      for (String key : object.keySet()) {
        if (!keys.contains(key)) {
          String keyPath = path.isEmpty() ? key : path + "." + key;
          problem(keyPath, "unknown field; expected "
              + String.join(", ", keys.stream().sorted().toList()));
        }
      }
      return object;
    }

    /** The array at {@code path}; empty for JSON null or absent. */
    @SuppressWarnings("unchecked")
    private List<Object> array(Object value, String path) {
      if (value == null) {
        return List.of();
      }
      if (!(value instanceof List<?>)) {
        problem(path, "must be an array, not " + describe(value));
        return List.of();
      }
      return (List<Object>) value;
    }

    private void problem(String path, String message) {
      problems.add((path.isEmpty() ? "the document" : path) + ": " + message + json.where(path));
    }

    private static String describe(Object value) {
      if (value instanceof String text) {
        return "the string \"" + text + "\"";
      }
      if (value instanceof Map<?, ?>) {
        return "an object";
      }
      if (value instanceof List<?>) {
        return "an array";
      }
      return value instanceof Double number ? format(number) : String.valueOf(value);
    }
  }

  /** 1.5 as "1.5", 2.0 as "2", as they are usually written in the file. */
  static String format(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15
        ? Long.toString((long) value) : Double.toString(value);
  }
}
