package io.meshtrace.query.jaeger;

import com.fasterxml.jackson.core.JsonGenerator;
import io.meshtrace.metrics.RedMetrics;
import io.meshtrace.metrics.SpanMetricsQuery;
import io.meshtrace.metrics.SpanMetricsSeries;
import io.meshtrace.metrics.SpanMetricsStore;
import io.meshtrace.query.BadQueryParameterException;
import io.meshtrace.query.HttpResponses;
import io.meshtrace.query.StoreReplies;
import io.meshtrace.tenant.RequestTenant;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;

/**
 * Jaeger's Service Performance Monitoring API, which Jaeger UI's Monitor tab reads: {@code GET
 * /api/metrics/latencies}, {@code /calls}, {@code /errors} answer a {@code MetricFamily} in
 * Jaeger's JSON ({@code name}, {@code type} GAUGE, {@code help}, {@code metrics} with {@code
 * labels} and {@code metricPoints} of {@code gaugeValue.doubleValue} and an RFC 3339 {@code
 * timestamp}), named as Jaeger's Prometheus reader names them; {@code /minstep} the smallest
 * step, in ms. Values come from the RED metrics meshtrace keeps of every stored span, not from
 * a Prometheus: each point is over the {@code ratePer} window that ends at it (calls per
 * second, the error share of calls, the quantile of durations in ms), from the estimated
 * traffic, or with {@code sampled=true} from the spans as stored. A window without calls has no
 * error rate or latency point.
 */
public final class JaegerMetricsApi {
  private static final DateTimeFormatter RFC_3339 = DateTimeFormatter.ISO_INSTANT;
  private static final Duration HOUR = Duration.ofHours(1);

  private enum Kind { LATENCIES, CALLS, ERRORS }

  private final SpanMetricsStore store;
  private final RequestTenant tenants;
  private final Clock clock;

  public JaegerMetricsApi(SpanMetricsStore store, RequestTenant tenants, Clock clock) {
    this.store = store;
    this.tenants = tenants;
    this.clock = clock;
  }

  public void mount(Router router) {
    router.get("/api/metrics/latencies").handler(ctx -> answer(ctx, Kind.LATENCIES));
    router.get("/api/metrics/calls").handler(ctx -> answer(ctx, Kind.CALLS));
    router.get("/api/metrics/errors").handler(ctx -> answer(ctx, Kind.ERRORS));
    router.get("/api/metrics/minstep").handler(ctx -> JaegerResponses.sendData(ctx, 0,
        json -> json.writeNumber(SpanMetricsStore.MIN_STEP.toMillis()), List.of()));
  }

  private void answer(RoutingContext ctx, Kind kind) {
    JaegerMetricsQuery query;
    try {
      query = JaegerMetricsQuery.parse(ctx.queryParams(), clock, kind == Kind.LATENCIES);
    } catch (BadQueryParameterException e) {
      JaegerResponses.sendError(ctx, 400, e.getMessage());
      return;
    }
    List<Instant> points = points(query);
    Instant first = points.get(0);
    Instant last = points.get(points.size() - 1);
    // Hours where steps and windows are whole hours: a week reads 168 rows a series.
    Duration readStep = query.step().toMillis() % HOUR.toMillis() == 0
        && query.ratePer().toMillis() % HOUR.toMillis() == 0 ? HOUR : SpanMetricsStore.MIN_STEP;
    SpanMetricsQuery read = new SpanMetricsQuery(tenants.of(ctx.request()), query.services(),
        query.spanKinds(), query.byOperation(), first.minus(query.ratePer()), last, readStep,
        kind == Kind.LATENCIES);
    StoreReplies.reply(ctx, store.read(read), series -> HttpResponses.sendJson(ctx, 200,
        HttpResponses.json(json -> write(json, kind, query, points, series))),
        JaegerResponses::sendError);
  }

  /**
   * The times of the points: whole minutes, the last at or before {@code endTs}, back in steps
   * for {@code lookback}.
   */
  static List<Instant> points(JaegerMetricsQuery query) {
    long step = query.step().toMillis();
    long end = Math.floorDiv(query.end().toEpochMilli(), step) * step;
    long start = query.end().toEpochMilli() - query.lookback().toMillis();
    List<Instant> points = new ArrayList<>();
    for (long t = end; t >= start || points.isEmpty(); t -= step) {
      points.add(Instant.ofEpochMilli(t));
    }
    java.util.Collections.reverse(points);
    return points;
  }

  private static void write(JsonGenerator json, Kind kind, JaegerMetricsQuery query,
      List<Instant> points, List<SpanMetricsSeries> series) throws IOException {
    String grouped = query.byOperation() ? "grouped by service & operation"
        : "grouped by service";
    String prefix = query.byOperation() ? "service_operation_" : "service_";
    json.writeStartObject();
    switch (kind) {
      case LATENCIES -> {
        json.writeStringField("name", prefix + "latencies");
        json.writeStringField("type", "GAUGE");
        json.writeStringField("help", String.format(Locale.ROOT,
            "%.2fth quantile latency, %s", query.quantile(), grouped));
      }
      case CALLS -> {
        json.writeStringField("name", prefix + "call_rate");
        json.writeStringField("type", "GAUGE");
        json.writeStringField("help", "calls/sec, " + grouped);
      }
      case ERRORS -> {
        json.writeStringField("name", prefix + "error_rate");
        json.writeStringField("type", "GAUGE");
        json.writeStringField("help", "error rate, computed as a fraction of errors/sec over "
            + "calls/sec, " + grouped);
      }
    }
    // Every series has the same points: their times are formatted once.
    String[] timestamps = new String[points.size()];
    for (int i = 0; i < timestamps.length; i++) {
      timestamps[i] = RFC_3339.format(points.get(i));
    }
    json.writeArrayFieldStart("metrics");
    for (SpanMetricsSeries one : series) {
      json.writeStartObject();
      json.writeArrayFieldStart("labels");
      label(json, "service_name", one.service());
      if (one.operation() != null) {
        label(json, "operation", one.operation());
      }
      json.writeEndArray();
      json.writeArrayFieldStart("metricPoints");
      Windows windows = new Windows(one.points());
      long ratePer = query.ratePer().toMillis();
      for (int i = 0; i < timestamps.length; i++) {
        long point = points.get(i).toEpochMilli();
        RedMetrics window = windows.next(point - ratePer, point);
        double value = value(kind, query, window);
        if (Double.isNaN(value)) {
          continue;
        }
        json.writeStartObject();
        json.writeObjectFieldStart("gaugeValue");
        json.writeNumberField("doubleValue", value);
        json.writeEndObject();
        json.writeStringField("timestamp", timestamps[i]);
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeEndObject();
    }
    json.writeEndArray();
    json.writeEndObject();
  }

  private static void label(JsonGenerator json, String name, String value) throws IOException {
    json.writeStartObject();
    json.writeStringField("name", name);
    json.writeStringField("value", value);
    json.writeEndObject();
  }

  /**
   * A series' steps, windowed point after point: the points come in order, so each window's
   * steps are found by moving two cursors along the steps, not by a search per point.
   */
  private static final class Windows {
    private final long[] times;
    private final RedMetrics[] steps;
    private int first;
    private int end;

    Windows(SortedMap<Instant, RedMetrics> points) {
      times = new long[points.size()];
      steps = new RedMetrics[points.size()];
      int i = 0;
      for (var step : points.entrySet()) {
        times[i] = step.getKey().toEpochMilli();
        steps[i++] = step.getValue();
      }
    }

    /**
     * The steps in [from, to), added up; a window of one step is that step (read only). Each
     * call's window starts and ends at or after the last one's.
     */
    RedMetrics next(long from, long to) {
      while (first < times.length && times[first] < from) {
        first++;
      }
      if (end < first) {
        end = first;
      }
      while (end < times.length && times[end] < to) {
        end++;
      }
      if (end - first == 1) {
        return steps[first];
      }
      RedMetrics sum = new RedMetrics();
      for (int i = first; i < end; i++) {
        sum.merge(steps[i]);
      }
      return sum;
    }
  }

  /** NaN where the window has nothing to say. */
  private static double value(Kind kind, JaegerMetricsQuery query, RedMetrics window) {
    boolean sampled = query.sampled();
    double calls = window.calls(sampled);
    return switch (kind) {
      case CALLS -> calls / (query.ratePer().toMillis() / 1000.0);
      case ERRORS -> calls > 0 ? window.errors(sampled) / calls : Double.NaN;
      case LATENCIES -> window.latency().quantile(query.quantile(), !sampled) / 1000;
    };
  }
}
