package io.meshtrace.query.zipkin;

import io.meshtrace.query.HttpResponses;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.TraceId;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zipkin2.codec.SpanBytesEncoder;

/** Zipkin's v2 query API, answered with Zipkin's own JSON encoder. */
public final class ZipkinQueryApi {
  private static final Logger LOG = LoggerFactory.getLogger(ZipkinQueryApi.class);

  private final SpanStore store;

  public ZipkinQueryApi(SpanStore store) {
    this.store = store;
  }

  public void mount(Router router) {
    router.get("/api/v2/trace/:traceId").handler(this::getTrace);
  }

  private void getTrace(RoutingContext ctx) {
    TraceId traceId;
    try {
      traceId = TraceId.fromHex(ctx.pathParam("traceId"));
    } catch (IllegalArgumentException e) {
      HttpResponses.sendText(ctx, 400, e.getMessage());
      return;
    }
    store.getTrace(traceId)
        .onSuccess(trace -> {
          if (trace.isEmpty()) {
            // Zipkin answers with the normalized ID.
            HttpResponses.sendText(ctx, 404, traceId.toShortestHex() + " not found");
          } else {
            HttpResponses.sendJson(ctx, 200,
                Buffer.buffer(SpanBytesEncoder.JSON_V2.encodeList(OtlpToZipkin.translate(trace))));
          }
        })
        .onFailure(failure -> {
          LOG.warn("Reading trace {} failed: {}", traceId, failure.getMessage());
          HttpResponses.sendText(ctx, HttpResponses.statusOf(failure), failure.getMessage());
        });
  }
}
