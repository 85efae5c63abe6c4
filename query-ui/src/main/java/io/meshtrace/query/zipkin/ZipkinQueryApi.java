package io.meshtrace.query.zipkin;

import io.meshtrace.model.TraceId;
import io.meshtrace.query.HttpResponses;
import io.meshtrace.query.StoreReplies;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.SpanStores;
import io.meshtrace.tenant.RequestTenant;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Function;
import zipkin2.storage.QueryRequest;

/**
 * Zipkin's v2 query API (what the Zipkin UI and Grafana's Zipkin data source call), answered
 * with Zipkin's own JSON encoders. As Zipkin's server: bad parameters are a 400 whose plain-text
 * body says which, an unknown trace a 404, empty results {@code []}. Every request reads the
 * store of its tenant.
 */
public final class ZipkinQueryApi {

  /** The queries over one tenant's store: a few references, made for each request. */
  private record TenantQueries(ZipkinNames names, ZipkinTraceReader reader,
      ZipkinTraceSearch search, ZipkinDependencies dependencies,
      ZipkinAutocomplete autocomplete) {
    TenantQueries(SpanStore store, List<String> autocompleteKeys) {
      this(new ZipkinNames(store), new ZipkinTraceReader(store), new ZipkinTraceSearch(store),
          new ZipkinDependencies(store), new ZipkinAutocomplete(store, autocompleteKeys));
    }
  }

  private final SpanStores stores;
  private final RequestTenant tenants;
  private final List<String> autocompleteKeys;

  public ZipkinQueryApi(SpanStore store) {
    this(store, List.of());
  }

  /** @param autocompleteKeys the tag keys to offer for autocomplete; empty for all */
  public ZipkinQueryApi(SpanStore store, List<String> autocompleteKeys) {
    this(SpanStores.ofDefaultTenant(store), RequestTenant.NONE, autocompleteKeys);
  }

  /** @param autocompleteKeys the tag keys to offer for autocomplete; empty for all */
  public ZipkinQueryApi(SpanStores stores, RequestTenant tenants, List<String> autocompleteKeys) {
    this.stores = stores;
    this.tenants = tenants;
    this.autocompleteKeys = List.copyOf(autocompleteKeys);
  }

  private TenantQueries of(RoutingContext ctx) {
    return new TenantQueries(stores.forTenant(tenants.of(ctx.request())), autocompleteKeys);
  }

  public void mount(Router router) {
    router.get("/api/v2/services").handler(ctx ->
        answer(ctx, c -> of(c).names().serviceNames().map(ZipkinJson::strings)));
    router.get("/api/v2/spans").handler(ctx -> answer(ctx, c ->
        of(c).names().spanNames(required(c, "serviceName")).map(ZipkinJson::strings)));
    router.get("/api/v2/remoteServices").handler(ctx -> answer(ctx, c ->
        of(c).names().remoteServiceNames(required(c, "serviceName")).map(ZipkinJson::strings)));
    router.get("/api/v2/traces").handler(ctx -> answer(ctx, this::searchTraces));
    router.get("/api/v2/trace/:traceId").handler(this::getTrace);
    router.get("/api/v2/traceMany").handler(ctx -> answer(ctx, c ->
        of(c).reader().traces(ZipkinQueryParameters.traceIds(c.request().getParam("traceIds")))
            .map(ZipkinJson::traces)));
    router.get("/api/v2/dependencies").handler(ctx -> answer(ctx, this::getDependencies));
    router.get("/api/v2/autocompleteKeys").handler(ctx ->
        answer(ctx, c -> of(c).autocomplete().keys().map(ZipkinJson::strings)));
    router.get("/api/v2/autocompleteValues").handler(ctx -> answer(ctx, c ->
        of(c).autocomplete().values(required(c, "key")).map(ZipkinJson::strings)));
  }

  private Future<Buffer> searchTraces(RoutingContext ctx) {
    QueryRequest request =
        ZipkinQueryParameters.traces(ctx.queryParams(), System.currentTimeMillis());
    return of(ctx).search().search(request).map(ZipkinJson::traces);
  }

  private Future<Buffer> getDependencies(RoutingContext ctx) {
    ZipkinQueryParameters.DependencyWindow window =
        ZipkinQueryParameters.dependencies(ctx.queryParams(), System.currentTimeMillis());
    return of(ctx).dependencies().links(window.endTs(), window.lookback())
        .map(ZipkinJson::dependencies);
  }

  private void getTrace(RoutingContext ctx) {
    TraceId traceId;
    try {
      traceId = ZipkinQueryParameters.traceId(ctx.pathParam("traceId"));
    } catch (IllegalArgumentException e) {
      HttpResponses.sendText(ctx, 400, e.getMessage());
      return;
    }
    of(ctx).reader().trace(traceId)
        .onSuccess(trace -> {
          if (trace.isEmpty()) {
            // Zipkin answers with the normalized ID.
            HttpResponses.sendText(ctx, 404, traceId.toShortestHex() + " not found");
          } else {
            HttpResponses.sendJson(ctx, 200, ZipkinJson.trace(trace));
          }
        })
        .onFailure(failure -> fail(ctx, failure));
  }

  private static String required(RoutingContext ctx, String name) {
    return ZipkinQueryParameters.required(ctx.queryParams(), name);
  }

  /**
   * Runs a handler whose parameters may be refused: an IllegalArgumentException thrown while
   * reading them is the client's mistake (400 with its message); a failed future is answered by
   * {@link StoreReplies#fail} (503 when storage failed, with none of its text).
   */
  private static void answer(RoutingContext ctx, Function<RoutingContext, Future<Buffer>> handler) {
    Future<Buffer> body;
    try {
      body = handler.apply(ctx);
    } catch (IllegalArgumentException e) {
      HttpResponses.sendText(ctx, 400, e.getMessage());
      return;
    }
    body.onSuccess(json -> HttpResponses.sendJson(ctx, 200, json))
        .onFailure(failure -> fail(ctx, failure));
  }

  private static void fail(RoutingContext ctx, Throwable failure) {
    StoreReplies.fail(ctx, failure, HttpResponses::sendText);
  }
}
