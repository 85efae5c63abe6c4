package io.meshtrace.query.jaeger.v3;

import io.meshtrace.model.TraceId;
import io.meshtrace.model.TraceSpans;
import io.meshtrace.query.BadQueryParameterException;
import io.meshtrace.query.HttpResponses;
import io.meshtrace.query.QueryParams;
import io.meshtrace.query.StoreReplies;
import io.meshtrace.query.adjust.TraceAdjuster;
import io.meshtrace.query.jaeger.JaegerSpanKinds;
import io.meshtrace.storage.SpanName;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.SpanStores;
import io.meshtrace.tenant.RequestTenant;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Jaeger's v3 query API as its HTTP gateway serves it (what the current Jaeger UI calls):
 * services, operations, trace search and trace by ID, traces in OTLP JSON under {@code
 * {"result": {"resourceSpans": [...]}}}, errors as {@code {"error": {"httpCode", "message"}}}.
 * Like Jaeger's gateway, a search that finds nothing answers 404 "No traces found".
 */
public final class JaegerApiV3 {
  static final String NO_TRACES = "No traces found";

  private final SpanStores stores;
  private final RequestTenant tenants;
  private final TraceAdjuster adjuster;

  public JaegerApiV3(SpanStore store, TraceAdjuster adjuster) {
    this(SpanStores.ofDefaultTenant(store), RequestTenant.NONE, adjuster);
  }

  /** Every request reads the store of its tenant. */
  public JaegerApiV3(SpanStores stores, RequestTenant tenants, TraceAdjuster adjuster) {
    this.stores = stores;
    this.tenants = tenants;
    this.adjuster = adjuster;
  }

  /** The store of the request's tenant: no read can forget whose spans it may see. */
  private SpanStore store(RoutingContext ctx) {
    return stores.forTenant(tenants.of(ctx.request()));
  }

  public void mount(Router router) {
    router.get("/api/v3/services").handler(this::getServices);
    router.get("/api/v3/operations").handler(this::getOperations);
    router.get("/api/v3/traces").handler(this::findTraces);
    router.get("/api/v3/traces/:trace_id").handler(this::getTrace);
  }

  private void getServices(RoutingContext ctx) {
    reply(ctx, store(ctx).getServiceNames(), services -> HttpResponses.sendJson(ctx, 200,
        new JsonObject().put("services", new JsonArray(new ArrayList<>(services))).toBuffer()));
  }

  /** A kind the sender left out is {@code internal} here, as in Jaeger's gateway. */
  private void getOperations(RoutingContext ctx) {
    QueryParams params = new QueryParams(ctx.queryParams());
    String service = params.first("service");
    Integer kind;
    try {
      if (service == null) {
        throw new BadQueryParameterException("service", "required");
      }
      QueryParams.Named spanKind = params.firstOf("spanKind", "span_kind");
      kind = JaegerSpanKinds.parse(spanKind.name(), spanKind.value());
    } catch (BadQueryParameterException e) {
      sendBadParameter(ctx, e);
      return;
    }
    reply(ctx, store(ctx).getOperations(service, kind), operations -> {
      JsonArray list = new JsonArray();
      for (SpanName operation : operations) {
        String name = JaegerSpanKinds.name(operation.spanKind());
        list.add(new JsonObject().put("name", operation.name())
            .put("spanKind", name.isEmpty() ? "internal" : name));
      }
      HttpResponses.sendJson(ctx, 200, new JsonObject().put("operations", list).toBuffer());
    });
  }

  private void findTraces(RoutingContext ctx) {
    JaegerV3QueryParser.Search search;
    try {
      search = JaegerV3QueryParser.parse(ctx.queryParams());
    } catch (BadQueryParameterException e) {
      sendBadParameter(ctx, e);
      return;
    }
    SpanStore store = store(ctx);
    reply(ctx, store.findTraceIds(search.query()).compose(store::getTraces),
        traces -> sendTraces(ctx, traces, search.raw()));
  }

  private void getTrace(RoutingContext ctx) {
    TraceId traceId;
    boolean raw;
    try {
      try {
        traceId = TraceId.fromHex(ctx.pathParam("trace_id"));
      } catch (IllegalArgumentException e) {
        throw new BadQueryParameterException("trace_id", e.getMessage());
      }
      QueryParams params = new QueryParams(ctx.queryParams());
      // Jaeger narrows the lookup with these; a trace is read whole here, but bad values are
      // still refused rather than ignored.
      for (QueryParams.Named time : List.of(params.firstOf("startTime", "start_time"),
          params.firstOf("endTime", "end_time"))) {
        if (time.value() != null) {
          JaegerV3QueryParser.time(time);
        }
      }
      raw = params.bool(params.firstOf("rawTraces", "raw_traces"));
    } catch (BadQueryParameterException e) {
      sendBadParameter(ctx, e);
      return;
    }
    reply(ctx, store(ctx).getTrace(traceId), trace -> sendTraces(ctx,
        trace.isEmpty() ? List.of() : List.of(trace), raw));
  }

  private void sendTraces(RoutingContext ctx, List<List<ResourceSpans>> traces, boolean raw) {
    TraceAdjuster adjust = raw ? TraceAdjuster.none() : adjuster;
    List<TraceSpans> adjusted = new ArrayList<>();
    for (List<ResourceSpans> trace : traces) {
      TraceSpans spans = TraceSpans.of(trace);
      if (!spans.spans().isEmpty()) {
        adjusted.add(adjust.adjust(spans));
      }
    }
    if (adjusted.isEmpty()) {
      sendError(ctx, 404, NO_TRACES);
      return;
    }
    JsonObject result = OtlpJsonWriter.toJson(adjusted);
    HttpResponses.sendJson(ctx, 200, new JsonObject().put("result", result).toBuffer());
  }

  private static void sendBadParameter(RoutingContext ctx, BadQueryParameterException e) {
    sendError(ctx, 400, "malformed parameter " + e.parameter() + ": " + e.problem());
  }

  /** The gateway's error body; grpcCode and httpStatus are left out, as Jaeger leaves them. */
  static void sendError(RoutingContext ctx, int status, String message) {
    HttpResponses.sendJson(ctx, status, new JsonObject().put("error",
        new JsonObject().put("httpCode", status).put("message", message)).toBuffer());
  }

  private static <T> void reply(RoutingContext ctx, Future<T> result,
      java.util.function.Consumer<T> onSuccess) {
    StoreReplies.reply(ctx, result, onSuccess, JaegerApiV3::sendError);
  }
}
