package io.meshtrace.query;

import io.vertx.core.MultiMap;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

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

  public static String abbreviate(String value) {
    return value.length() <= 64 ? value : value.substring(0, 64) + "...";
  }
}
