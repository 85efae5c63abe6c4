package io.meshtrace.query;

import io.meshtrace.time.GoDuration;
import io.vertx.core.MultiMap;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reading single query parameters the way Go's {@code url.Values.Get} does (the first value; an
 * empty one counts as absent), each failure a {@link BadQueryParameterException} naming it.
 */
public final class QueryParams {
  /** 9999-12-31T23:59:59Z: later times are typos, and PostgreSQL cannot store them all. */
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

  private final MultiMap params;

  public QueryParams(MultiMap params) {
    this.params = params;
  }

  /** The first value, or null when absent or empty. */
  public String first(String name) {
    String value = params.get(name);
    return value == null || value.isEmpty() ? null : value;
  }

  /** The first non-empty value of the first name present (canonical name, then aliases). */
  public Named firstOf(String... names) {
    for (String name : names) {
      String value = first(name);
      if (value != null) {
        return new Named(name, value);
      }
    }
    return new Named(names[0], null);
  }

  /** A value and the parameter name it came under. */
  public record Named(String name, String value) {}

  public List<String> all(String name) {
    return params.getAll(name);
  }

  /** A whole number of at least zero, or null when absent. */
  public Long nonNegativeLong(String name) {
    String value = first(name);
    if (value == null) {
      return null;
    }
    long number;
    try {
      number = Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new BadQueryParameterException(name, "not an integer: " + abbreviate(value));
    }
    if (number < 0) {
      throw new BadQueryParameterException(name, "must not be negative: " + value);
    }
    return number;
  }

  /** A time given as a count of {@code unit} since the epoch, or null when absent. */
  public Instant epochTime(String name, ChronoUnit unit) {
    Long count = nonNegativeLong(name);
    if (count == null) {
      return null;
    }
    Instant time;
    try {
      time = Instant.EPOCH.plus(count, unit);
    } catch (ArithmeticException | java.time.DateTimeException e) {
      time = Instant.MAX;
    }
    if (time.isAfter(LATEST)) {
      throw new BadQueryParameterException(name, "time out of range: " + count);
    }
    return time;
  }

  /** A Go duration string of at least zero, or null when absent. */
  public Duration goDuration(Named named) {
    if (named.value() == null) {
      return null;
    }
    Duration duration;
    try {
      duration = GoDuration.parse(named.value());
    } catch (IllegalArgumentException e) {
      throw new BadQueryParameterException(named.name(), e.getMessage());
    }
    if (duration.isNegative()) {
      throw new BadQueryParameterException(named.name(), "must not be negative: " + named.value());
    }
    return duration;
  }

  /** Go's {@code strconv.ParseBool}; false when absent. */
  public boolean bool(Named named) {
    if (named.value() == null) {
      return false;
    }
    return switch (named.value()) {
      case "1", "t", "T", "true", "TRUE", "True" -> true;
      case "0", "f", "F", "false", "FALSE", "False" -> false;
      default -> throw new BadQueryParameterException(named.name(),
          "not a boolean: " + abbreviate(named.value()));
    };
  }

  /**
   * A JSON object whose values are all strings, as Go unmarshals into {@code map[string]string}
   * (Jaeger's {@code tags} and v3 {@code query.attributes}).
   */
  public static Map<String, String> jsonObjectOfStrings(String parameter, String json) {
    Object parsed;
    try {
      parsed = Json.decodeValue(json);
    } catch (DecodeException e) {
      throw new BadQueryParameterException(parameter, "cannot unmarshal JSON: " + e.getMessage());
    }
    if (!(parsed instanceof JsonObject object)) {
      throw new BadQueryParameterException(parameter, "expecting a JSON object of strings");
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : object) {
      if (!(entry.getValue() instanceof String value)) {
        throw new BadQueryParameterException(parameter,
            "the value of '" + entry.getKey() + "' is not a string");
      }
      values.put(entry.getKey(), value);
    }
    return values;
  }

  public static String abbreviate(String value) {
    return value.length() <= 64 ? value : value.substring(0, 64) + "...";
  }
}
