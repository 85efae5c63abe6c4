package io.meshtrace.query.jaeger;

import io.meshtrace.model.TraceId;
import io.meshtrace.query.BadQueryParameterException;
import io.meshtrace.query.HttpResponses;
import io.meshtrace.query.StoreReplies;
import io.meshtrace.storage.SpanStores;
import io.meshtrace.storage.archive.TraceArchive;
import io.meshtrace.storage.archive.TraceArchives;
import io.meshtrace.tenant.RequestTenant;
import io.meshtrace.tenant.Tenant;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Jaeger's archive, as its query service answers it: {@code POST /api/archive/{traceID}} copies
 * the trace, as the request's tenant reads it, into the archive that retention never drops
 * (200 {@code {"data":[],...,"errors":[]}}; 404 {@code trace not found}; 400 for a malformed ID),
 * and every read of a trace by ID finds it there afterwards. Archiving again adds the spans that
 * arrived since. {@code DELETE /api/archive/{traceID}}, meshtrace's addition (Jaeger keeps
 * archived traces until its archive index is removed), deletes the copy: 200, or 404 {@code
 * trace not archived}. The spans archived are the stored ones, before read-time adjusters, which
 * run again on every read.
 */
public final class JaegerArchiveApi {
  public static final String PATH = "/api/archive";

  private final SpanStores stores;
  private final TraceArchives archives;
  private final RequestTenant tenants;

  public JaegerArchiveApi(SpanStores stores, TraceArchives archives, RequestTenant tenants) {
    this.stores = stores;
    this.archives = archives;
    this.tenants = tenants;
  }

  public void mount(Router router) {
    router.post(PATH + "/:traceID").handler(this::archive);
    router.delete(PATH + "/:traceID").handler(this::delete);
  }

  private void archive(RoutingContext ctx) {
    TraceId traceId = traceId(ctx);
    if (traceId == null) {
      return;
    }
    Tenant tenant = tenants.of(ctx.request());
    TraceArchive archive = archives.forTenant(tenant);
    Future<Integer> archived = stores.forTenant(tenant).getTrace(traceId)
        .compose(trace -> trace.isEmpty() ? Future.succeededFuture(null)
            : archive.add(traceId, trace));
    StoreReplies.reply(ctx, archived, spans -> {
      if (spans == null) {
        JaegerResponses.sendError(ctx, 404, "trace not found");
      } else {
        sendEmptySuccess(ctx);
      }
    }, JaegerResponses::sendError);
  }

  private void delete(RoutingContext ctx) {
    TraceId traceId = traceId(ctx);
    if (traceId == null) {
      return;
    }
    StoreReplies.reply(ctx, archives.forTenant(tenants.of(ctx.request())).delete(traceId),
        deleted -> {
          if (deleted) {
            sendEmptySuccess(ctx);
          } else {
            JaegerResponses.sendError(ctx, 404, "trace not archived");
          }
        }, JaegerResponses::sendError);
  }

  /** The path's trace ID, or null when it was refused with 400. */
  private static TraceId traceId(RoutingContext ctx) {
    try {
      return TraceId.fromHex(ctx.pathParam("traceID"));
    } catch (IllegalArgumentException e) {
      JaegerResponses.sendError(ctx, 400,
          new BadQueryParameterException("traceID", e.getMessage()).getMessage());
      return null;
    }
  }

  /** Jaeger's answer to an archive: an empty {@code data} and an empty (not null) {@code errors}. */
  private static void sendEmptySuccess(RoutingContext ctx) {
    HttpResponses.sendJson(ctx, 200, HttpResponses.json(json -> {
      json.writeStartObject();
      json.writeArrayFieldStart("data");
      json.writeEndArray();
      json.writeNumberField("total", 0);
      json.writeNumberField("limit", 0);
      json.writeNumberField("offset", 0);
      json.writeArrayFieldStart("errors");
      json.writeEndArray();
      json.writeEndObject();
    }));
  }
}
