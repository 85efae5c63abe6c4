package io.meshtrace.query.jaeger;

import io.meshtrace.query.BadQueryParameterException;
import io.meshtrace.query.QueryParams;
import io.meshtrace.metrics.SpanMetricsStore;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.MultiMap;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The parameters of Jaeger's SPM API ({@code /api/metrics/latencies|calls|errors}), read as
 * Jaeger's query service reads them: {@code service} repeated (at least one), {@code spanKind}
 * repeated (default server; {@code SPAN_KIND_SERVER} or {@code server}), {@code
 * groupByOperation}, {@code endTs} (Unix ms, default now), {@code lookback}, {@code step} and
 * {@code ratePer} (ms; defaults 1 h, 5 s, 10 min), {@code quantile} for latencies; and
 * meshtrace's {@code sampled=true} for the spans as stored instead of the estimated traffic.
 * meshtrace keeps minutes: a step under a minute is served as a minute (what {@code
 * /api/metrics/minstep} says), and steps and rate windows are whole minutes.
 */
record JaegerMetricsQuery(List<String> services, Set<Integer> spanKinds, boolean byOperation,
    Instant end, Duration lookback, Duration step, Duration ratePer, double quantile,
    boolean sampled) {

  static final Duration DEFAULT_LOOKBACK = Duration.ofHours(1);
  static final Duration DEFAULT_STEP = Duration.ofSeconds(5);
  static final Duration DEFAULT_RATE_PER = Duration.ofMinutes(10);
  /** Points in one answer at most: 7 days of minutes is 10,080. */
  static final int MAX_POINTS = 20_000;

  /** @param latencies whether {@code quantile} is required */
  static JaegerMetricsQuery parse(MultiMap query, Clock clock, boolean latencies) {
    QueryParams params = new QueryParams(query);
    double quantile = Double.NaN;
    if (latencies) {
      String value = params.first("quantile");
      try {
        quantile = Double.parseDouble(value == null ? "" : value);
      } catch (NumberFormatException e) {
        throw new BadQueryParameterException("quantile", "not a number: '"
            + QueryParams.abbreviate(value == null ? "" : value) + "'");
      }
      if (!(quantile >= 0 && quantile <= 1)) {
        throw new BadQueryParameterException("quantile", "must be between 0 and 1, not "
            + value);
      }
    }
    List<String> services = params.all("service");
    if (services.isEmpty()) {
      throw new BadQueryParameterException("service",
          "please provide at least one service name");
    }
    boolean byOperation = params.bool(new QueryParams.Named("groupByOperation",
        params.first("groupByOperation")));
    Set<Integer> kinds = new LinkedHashSet<>();
    List<String> kindNames = params.all("spanKind");
    if (kindNames.isEmpty()) {
      kinds.add(Span.SpanKind.SPAN_KIND_SERVER_VALUE);
    }
    for (String name : kindNames) {
      kinds.add(spanKind(name));
    }
    Instant end = params.epochTime("endTs", ChronoUnit.MILLIS);
    Duration lookback = millis(params, "lookback", DEFAULT_LOOKBACK);
    Duration step = millis(params, "step", DEFAULT_STEP);
    Duration ratePer = millis(params, "ratePer", DEFAULT_RATE_PER);
    if (lookback.isZero()) {
      throw new BadQueryParameterException("lookback", "must be more than 0");
    }
    if (step.isZero()) {
      throw new BadQueryParameterException("step", "must be more than 0");
    }
    if (ratePer.isZero()) {
      throw new BadQueryParameterException("ratePer", "must be more than 0");
    }
    step = wholeMinutes(step);
    if (lookback.toMillis() / step.toMillis() > MAX_POINTS) {
      throw new BadQueryParameterException("step", "lookback " + lookback.toMillis()
          + " ms in steps of " + step.toMillis() + " ms are more than " + MAX_POINTS
          + " points; use a longer step");
    }
    boolean sampled = params.bool(new QueryParams.Named("sampled", params.first("sampled")));
    return new JaegerMetricsQuery(services, kinds, byOperation,
        end == null ? clock.instant() : end, lookback, step, wholeMinutes(ratePer), quantile,
        sampled);
  }

  /** At least a minute, rounded up to whole minutes: what storage keeps. */
  private static Duration wholeMinutes(Duration duration) {
    long minute = SpanMetricsStore.MIN_STEP.toMillis();
    return Duration.ofMillis(Math.max(1, (duration.toMillis() + minute - 1) / minute) * minute);
  }

  private static Duration millis(QueryParams params, String name, Duration otherwise) {
    Long value = params.nonNegativeLong(name);
    return value == null ? otherwise : Duration.ofMillis(value);
  }

  /** Jaeger's {@code SPAN_KIND_SERVER}, or the UI's {@code server}. */
  private static int spanKind(String name) {
    String word = name.toLowerCase(Locale.ROOT);
    if (word.startsWith("span_kind_")) {
      word = word.substring("span_kind_".length());
    }
    if (word.isEmpty()) {
      throw new BadQueryParameterException("spanKind", "unsupported span kind: '" + name + "'");
    }
    try {
      return JaegerSpanKinds.parse("spanKind", word);
    } catch (BadQueryParameterException e) {
      throw new BadQueryParameterException("spanKind", "unsupported span kind: '"
          + QueryParams.abbreviate(name) + "'");
    }
  }
}
