package io.meshtrace.query.jaeger;

import io.meshtrace.model.TraceId;
import io.meshtrace.query.BadQueryParameterException;
import io.meshtrace.query.QueryParams;
import io.meshtrace.storage.TraceQuery;
import io.meshtrace.time.GoDuration;
import io.vertx.core.MultiMap;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parameters of Jaeger's {@code GET /api/traces}, as Jaeger's query service reads them:
 * {@code service}, {@code operation}, {@code tag=key:value} (repeatable) and {@code tags} (a
 * JSON object of strings), {@code minDuration}/{@code maxDuration} (Go durations), {@code
 * start}/{@code end} (µs since the epoch), {@code limit}, {@code traceID} (repeatable) and
 * {@code raw}. Also {@code lookback} (a Go duration, or days as the UI writes them, {@code 2d}),
 * used only when {@code start} is absent.
 */
public final class JaegerTraceQueryParser {
  /** The Jaeger UI's default; Jaeger's API would say 100, but the UI always sends one. */
  public static final int DEFAULT_LIMIT = 20;
  /** Most traces a search returns; each is read whole, so more would be a load, not an answer. */
  public static final int MAX_LIMIT = 1500;
  public static final Duration DEFAULT_LOOKBACK = Duration.ofHours(1);

  private final Clock clock;

  public JaegerTraceQueryParser(Clock clock) {
    this.clock = clock;
  }

  /** @throws BadQueryParameterException naming the first parameter that cannot be used */
  public JaegerTraceSearch parse(MultiMap parameters) {
    QueryParams params = new QueryParams(parameters);
    boolean raw = params.bool(params.firstOf("raw"));
    Set<TraceId> ids = new LinkedHashSet<>();
    for (String id : params.all("traceID")) {
      try {
        ids.add(TraceId.fromHex(id));
      } catch (IllegalArgumentException e) {
        throw new BadQueryParameterException("traceID", e.getMessage());
      }
    }
    // Checked even when trace IDs make them unused, so that a typo is never silently ignored.
    Instant end = params.epochTime("end", ChronoUnit.MICROS);
    Instant start = params.epochTime("start", ChronoUnit.MICROS);
    Duration lookback = lookback(params.first("lookback"));
    Map<String, String> tags = tags(params);
    Integer spanKind = spanKindTag(tags);
    int limit = limit(params);
    Duration min = params.goDuration(params.firstOf("minDuration"));
    Duration max = params.goDuration(params.firstOf("maxDuration"));
    if (min != null && max != null && max.compareTo(min) < 0) {
      throw new BadQueryParameterException("maxDuration",
          "'maxDuration' should be greater than 'minDuration'");
    }
    if (end == null) {
      end = clock.instant();
    }
    if (start == null) {
      start = end.minus(lookback == null ? DEFAULT_LOOKBACK : lookback);
    }
    if (start.isAfter(end)) {
      throw new BadQueryParameterException("start", "start " + micros(start)
          + " is after end " + micros(end));
    }
    if (!ids.isEmpty()) {
      return new JaegerTraceSearch(List.copyOf(ids), null, raw);
    }
    TraceQuery query = new TraceQuery(params.first("service"), params.first("operation"),
        spanKind, tags, min == null ? null : micros(min), max == null ? null : micros(max),
        start, end, limit);
    return new JaegerTraceSearch(List.of(), query, raw);
  }

  private static int limit(QueryParams params) {
    Long limit = params.nonNegativeLong("limit");
    if (limit == null) {
      return DEFAULT_LIMIT;
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new BadQueryParameterException("limit",
          "must be between 1 and " + MAX_LIMIT + ", was " + limit);
    }
    return limit.intValue();
  }

  /** Jaeger UI sends {@code 1h}, {@code 2d} or {@code custom} (with start and end). */
  private static Duration lookback(String value) {
    if (value == null || value.equals("custom")) {
      return null;
    }
    Duration lookback;
    try {
      lookback = value.matches("\\d{1,5}d") ? Duration.ofDays(Long.parseLong(
          value.substring(0, value.length() - 1))) : GoDuration.parse(value);
    } catch (IllegalArgumentException e) {
      throw new BadQueryParameterException("lookback", e.getMessage());
    }
    if (lookback.isNegative()) {
      throw new BadQueryParameterException("lookback", "must not be negative: " + value);
    }
    return lookback;
  }

  /** {@code tag} values first, then {@code tags} objects, later keys winning, as in Jaeger. */
  private static Map<String, String> tags(QueryParams params) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (String tag : params.all("tag")) {
      int colon = tag.indexOf(':');
      if (colon < 0) {
        throw new BadQueryParameterException("tag",
            "malformed 'tag' parameter, expecting key:value, received: "
                + QueryParams.abbreviate(tag));
      }
      tags.put(tag.substring(0, colon), tag.substring(colon + 1));
    }
    for (String json : params.all("tags")) {
      tags.putAll(QueryParams.jsonObjectOfStrings("tags", json));
    }
    return tags;
  }

  /**
   * Jaeger's model carries the span kind as the tag {@code span.kind}; meshtrace stores it as the
   * span's kind, so that tag becomes the kind criterion.
   */
  private static Integer spanKindTag(Map<String, String> tags) {
    String kind = tags.remove("span.kind");
    if (kind == null) {
      return null;
    }
    return JaegerSpanKinds.parse("tag", kind);
  }

  /**
   * Not {@code ChronoUnit.MICROS.between}: it counts in nanoseconds first, which overflow after
   * 2262, and {@code start} may be any time up to 9999 (found by fuzzing: start=
   * 118900704840416816, after the default end, failed with 500 while its message was written).
   */
  private static long micros(Instant time) {
    return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000L),
        time.getNano() / 1000);
  }

  private static long micros(Duration duration) {
    return duration.toNanos() / 1000;
  }
}
