package io.meshtrace.query.jaeger;

import io.meshtrace.model.TraceId;
import io.meshtrace.model.TraceSpans;
import io.meshtrace.query.BadQueryParameterException;
import io.meshtrace.query.QueryParams;
import io.meshtrace.query.StoreReplies;
import io.meshtrace.query.adjust.TraceAdjuster;
import io.meshtrace.query.dependencies.DependencyLinksReader;
import io.meshtrace.storage.DependencyLink;
import io.meshtrace.storage.SpanName;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.SpanStores;
import io.meshtrace.tenant.RequestTenant;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Jaeger's v1 JSON query API, the one Grafana's Jaeger data source and older Jaeger UIs call:
 * services, operations, trace search, traces by ID and the dependency graph. Every answer is the
 * envelope {@code {data, total, limit, offset, errors}} ({@link JaegerResponses}); traces go
 * through the read-time adjusters unless {@code raw=true}.
 */
public final class JaegerQueryApi {
  /** Jaeger's default for {@code /api/dependencies} without {@code lookback}. */
  static final Duration DEFAULT_DEPENDENCY_LOOKBACK = Duration.ofDays(1);

  private final SpanStores stores;
  private final RequestTenant tenants;
  private final TraceAdjuster adjuster;
  private final Clock clock;
  private final JaegerTraceQueryParser traceQueryParser;

  public JaegerQueryApi(SpanStore store, TraceAdjuster adjuster, Clock clock) {
    this(SpanStores.ofDefaultTenant(store), RequestTenant.NONE, adjuster, clock);
  }

  /** Every request reads the store of its tenant. */
  public JaegerQueryApi(SpanStores stores, RequestTenant tenants, TraceAdjuster adjuster,
      Clock clock) {
    this.stores = stores;
    this.tenants = tenants;
    this.adjuster = adjuster;
    this.clock = clock;
    this.traceQueryParser = new JaegerTraceQueryParser(clock);
  }

  /** The store of the request's tenant: no read can forget whose spans it may see. */
  private SpanStore store(RoutingContext ctx) {
    return stores.forTenant(tenants.of(ctx.request()));
  }

  public void mount(Router router) {
    router.get("/api/services").handler(this::getServices);
    router.get("/api/services/:service/operations").handler(this::getServiceOperations);
    router.get("/api/operations").handler(this::getOperations);
    router.get("/api/traces").handler(this::findTraces);
    router.get("/api/traces/:traceID").handler(this::getTrace);
    router.get("/api/dependencies").handler(this::getDependencies);
  }

  private void getServices(RoutingContext ctx) {
    reply(ctx, store(ctx).getServiceNames(), services ->
        JaegerResponses.sendData(ctx, services.size(), json -> writeStrings(json, services),
            List.of()));
  }

  /** The older form: names only, of every kind, each once. */
  private void getServiceOperations(RoutingContext ctx) {
    reply(ctx, store(ctx).getOperations(ctx.pathParam("service"), null), operations -> {
      Set<String> names = new TreeSet<>();
      operations.forEach(operation -> names.add(operation.name()));
      JaegerResponses.sendData(ctx, names.size(), json -> writeStrings(json, names), List.of());
    });
  }

  private void getOperations(RoutingContext ctx) {
    QueryParams params = new QueryParams(ctx.queryParams());
    String service = params.first("service");
    if (service == null) {
      JaegerResponses.sendError(ctx, 400, "parameter 'service' is required");
      return;
    }
    Integer kind;
    try {
      kind = JaegerSpanKinds.parse("spanKind", params.first("spanKind"));
    } catch (BadQueryParameterException e) {
      JaegerResponses.sendError(ctx, 400, e.getMessage());
      return;
    }
    reply(ctx, store(ctx).getOperations(service, kind), operations ->
        JaegerResponses.sendData(ctx, operations.size(), json -> {
          json.writeStartArray();
          for (SpanName operation : operations) {
            json.writeStartObject();
            json.writeStringField("name", operation.name());
            json.writeStringField("spanKind", JaegerSpanKinds.name(operation.spanKind()));
            json.writeEndObject();
          }
          json.writeEndArray();
        }, List.of()));
  }

  private void findTraces(RoutingContext ctx) {
    JaegerTraceSearch search;
    try {
      search = traceQueryParser.parse(ctx.queryParams());
    } catch (BadQueryParameterException e) {
      JaegerResponses.sendError(ctx, 400, e.getMessage());
      return;
    }
    SpanStore store = store(ctx);
    Future<List<TraceId>> ids = search.byIds() ? Future.succeededFuture(search.traceIds())
        : store.findTraceIds(search.query());
    reply(ctx, ids.compose(store::getTraces), traces -> {
      List<JaegerResponses.StructuredError> errors = new ArrayList<>();
      if (search.byIds()) {
        Set<TraceId> found = new HashSet<>();
        for (List<ResourceSpans> trace : traces) {
          found.add(TraceId.fromBytes(trace.get(0).getScopeSpans(0).getSpans(0).getTraceId()));
        }
        for (TraceId id : search.traceIds()) {
          if (!found.contains(id)) {
            errors.add(new JaegerResponses.StructuredError(0, "trace not found", id));
          }
        }
      }
      sendTraces(ctx, traces, search.raw(), errors);
    });
  }

  private void getTrace(RoutingContext ctx) {
    TraceId traceId;
    boolean raw;
    try {
      traceId = parseTraceId(ctx.pathParam("traceID"));
      QueryParams params = new QueryParams(ctx.queryParams());
      // Jaeger narrows the lookup with start/end; a trace is read whole here, but bad values
      // are still refused rather than ignored.
      params.epochTime("start", ChronoUnit.MICROS);
      params.epochTime("end", ChronoUnit.MICROS);
      raw = params.bool(params.firstOf("raw"));
    } catch (BadQueryParameterException e) {
      JaegerResponses.sendError(ctx, 400, e.getMessage());
      return;
    }
    reply(ctx, store(ctx).getTrace(traceId), trace -> {
      if (trace.isEmpty()) {
        JaegerResponses.sendError(ctx, 404, "trace not found");
      } else {
        sendTraces(ctx, List.of(trace), raw, List.of());
      }
    });
  }

  private static TraceId parseTraceId(String text) {
    try {
      return TraceId.fromHex(text);
    } catch (IllegalArgumentException e) {
      throw new BadQueryParameterException("traceID", e.getMessage());
    }
  }

  /**
   * Calls between services, summed over the window; {@code service} keeps its own links. Besides
   * Jaeger's fields each link carries {@code errorCount} (as Zipkin's links do), which the
   * browser UI shows; Jaeger's clients ignore fields they do not know.
   */
  private void getDependencies(RoutingContext ctx) {
    Instant end;
    Duration lookback;
    QueryParams params = new QueryParams(ctx.queryParams());
    try {
      end = params.epochTime("endTs", ChronoUnit.MILLIS);
      Long lookbackMillis = params.nonNegativeLong("lookback");
      lookback = lookbackMillis == null ? DEFAULT_DEPENDENCY_LOOKBACK
          : Duration.ofMillis(lookbackMillis);
    } catch (BadQueryParameterException e) {
      JaegerResponses.sendError(ctx, 400, e.getMessage());
      return;
    }
    Instant until = end == null ? clock.instant() : end;
    Instant from = until.minus(lookback).isBefore(Instant.EPOCH) ? Instant.EPOCH
        : until.minus(lookback);
    String service = params.first("service");
    // Computed from the stored traces as the Zipkin API's are, so that both APIs agree.
    reply(ctx, new DependencyLinksReader(store(ctx)).links(from, until)
        .map(DependencyLinksReader.Links::asStored), links -> {
      // calls and errors per (parent, child), of the links that touch the service asked for
      Map<List<String>, long[]> counts = new TreeMap<>((a, b) -> {
        int c = a.get(0).compareTo(b.get(0));
        return c != 0 ? c : a.get(1).compareTo(b.get(1));
      });
      for (DependencyLink link : links) {
        if (service == null || link.parent().equals(service) || link.child().equals(service)) {
          long[] sum = counts.computeIfAbsent(List.of(link.parent(), link.child()),
              key -> new long[2]);
          sum[0] += link.callCount();
          sum[1] += link.errorCount();
        }
      }
      JaegerResponses.sendData(ctx, 0, json -> {
        json.writeStartArray();
        for (Map.Entry<List<String>, long[]> link : counts.entrySet()) {
          json.writeStartObject();
          json.writeStringField("parent", link.getKey().get(0));
          json.writeStringField("child", link.getKey().get(1));
          json.writeNumberField("callCount", link.getValue()[0]);
          json.writeNumberField("errorCount", link.getValue()[1]);
          json.writeEndObject();
        }
        json.writeEndArray();
      }, List.of());
    });
  }

  private void sendTraces(RoutingContext ctx, List<List<ResourceSpans>> traces, boolean raw,
      List<JaegerResponses.StructuredError> errors) {
    TraceAdjuster adjust = raw ? TraceAdjuster.none() : adjuster;
    List<TraceSpans> adjusted = new ArrayList<>(traces.size());
    for (List<ResourceSpans> trace : traces) {
      TraceSpans spans = TraceSpans.of(trace);
      if (!spans.spans().isEmpty()) {
        adjusted.add(adjust.adjust(spans));
      }
    }
    JaegerResponses.sendData(ctx, 0, json -> {
      json.writeStartArray();
      for (TraceSpans trace : adjusted) {
        JaegerJsonWriter.writeTrace(json, trace);
      }
      json.writeEndArray();
    }, errors);
  }

  private static void writeStrings(com.fasterxml.jackson.core.JsonGenerator json,
      Iterable<String> values) throws java.io.IOException {
    json.writeStartArray();
    for (String value : values) {
      json.writeString(value);
    }
    json.writeEndArray();
  }

  private static <T> void reply(RoutingContext ctx, Future<T> result,
      java.util.function.Consumer<T> onSuccess) {
    StoreReplies.reply(ctx, result, onSuccess, JaegerResponses::sendError);
  }
}
