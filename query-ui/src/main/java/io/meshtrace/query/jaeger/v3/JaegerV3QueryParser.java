package io.meshtrace.query.jaeger.v3;

import io.meshtrace.query.BadQueryParameterException;
import io.meshtrace.query.QueryParams;
import io.meshtrace.query.jaeger.JaegerTraceQueryParser;
import io.meshtrace.storage.TraceQuery;
import io.vertx.core.MultiMap;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The parameters of Jaeger's v3 {@code GET /api/v3/traces}, as its HTTP gateway reads them:
 * the canonical camelCase names ({@code query.serviceName}, {@code query.startTimeMin}, ...) or
 * their deprecated snake_case aliases ({@code query.service_name}, ...). Times are RFC 3339 with
 * optional nanoseconds, both bounds required; durations are Go durations.
 */
final class JaegerV3QueryParser {
  /** Jaeger's default search depth. */
  static final int DEFAULT_SEARCH_DEPTH = 100;
  /** Go's RFC3339Nano as time.Parse accepts it: seconds always, a zone always. */
  private static final Pattern RFC3339 = Pattern.compile(
      "\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})");

  /** A search and whether to skip the adjusters. */
  record Search(TraceQuery query, boolean raw) {}

  private JaegerV3QueryParser() {}

  /** @throws BadQueryParameterException naming the first parameter that cannot be used */
  static Search parse(MultiMap parameters) {
    QueryParams params = new QueryParams(parameters);
    if (params.first("query.filter") != null) {
      throw new BadQueryParameterException("query.filter", "filter expressions are not supported;"
          + " use query.attributes");
    }
    QueryParams.Named min = params.firstOf("query.startTimeMin", "query.start_time_min");
    QueryParams.Named max = params.firstOf("query.startTimeMax", "query.start_time_max");
    if (min.value() == null || max.value() == null) {
      throw new BadQueryParameterException(min.value() == null ? min.name() : max.name(),
          "query.startTimeMin and query.startTimeMax are required");
    }
    Instant start = time(min);
    Instant end = time(max);
    if (!start.isBefore(end)) {
      throw new BadQueryParameterException(min.name(),
          "query.startTimeMin must be before query.startTimeMax");
    }
    Duration durationMin = params.goDuration(params.firstOf("query.durationMin",
        "query.duration_min"));
    QueryParams.Named maxName = params.firstOf("query.durationMax", "query.duration_max");
    Duration durationMax = params.goDuration(maxName);
    if (durationMin != null && durationMax != null && durationMax.compareTo(durationMin) < 0) {
      throw new BadQueryParameterException(maxName.name(),
          "query.durationMax must not be less than query.durationMin");
    }
    boolean raw = params.bool(params.firstOf("query.rawTraces", "query.raw_traces"));
    TraceQuery query = new TraceQuery(
        params.firstOf("query.serviceName", "query.service_name").value(),
        params.firstOf("query.operationName", "query.operation_name").value(),
        null, attributes(params.first("query.attributes")),
        durationMin == null ? null : durationMin.toNanos() / 1000,
        durationMax == null ? null : durationMax.toNanos() / 1000,
        start, end, searchDepth(params));
    return new Search(query, raw);
  }

  private static int searchDepth(QueryParams params) {
    QueryParams.Named depth = params.firstOf("query.searchDepth", "query.search_depth",
        "query.num_traces");
    if (depth.value() == null) {
      return DEFAULT_SEARCH_DEPTH;
    }
    long value;
    try {
      value = Long.parseLong(depth.value());
    } catch (NumberFormatException e) {
      throw new BadQueryParameterException(depth.name(),
          "not an integer: " + QueryParams.abbreviate(depth.value()));
    }
    if (value < 1 || value > JaegerTraceQueryParser.MAX_LIMIT) {
      throw new BadQueryParameterException(depth.name(),
          "must be between 1 and " + JaegerTraceQueryParser.MAX_LIMIT + ", was " + value);
    }
    return (int) value;
  }

  private static Map<String, String> attributes(String json) {
    return json == null ? Map.of() : QueryParams.jsonObjectOfStrings("query.attributes", json);
  }

  /** An RFC 3339 time, as Go's {@code time.Parse(time.RFC3339Nano, ...)} reads it. */
  static Instant time(QueryParams.Named named) {
    String text = named.value();
    if (!RFC3339.matcher(text).matches()) {
      throw new BadQueryParameterException(named.name(),
          "not an RFC 3339 time like 2025-01-01T00:00:00.123Z: " + QueryParams.abbreviate(text));
    }
    try {
      return OffsetDateTime.parse(text.toUpperCase(), DateTimeFormatter.ISO_OFFSET_DATE_TIME)
          .toInstant();
    } catch (DateTimeParseException e) {
      throw new BadQueryParameterException(named.name(), "not a valid time: " + text);
    }
  }
}
