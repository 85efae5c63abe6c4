package io.meshtrace.collector.server;

import io.vertx.ext.web.Router;

/**
 * Headers on every API answer, as on the UI's: {@code X-Content-Type-Options: nosniff}, so that
 * a browser never takes a JSON or text answer carrying span data for a script or a page, and
 * {@code Cache-Control: no-store}, so that traces, strategies and metrics are not kept by
 * caches between the client and meshtrace. The UI's own assets keep their caching.
 */
final class ApiResponseHeaders {
  private ApiResponseHeaders() {}

  /** @param paths the routes they apply to ({@code /*}, {@code /api/*}) */
  static Router on(Router router, String paths) {
    router.route(paths).order(-1).handler(ctx -> {
      ctx.response().putHeader("X-Content-Type-Options", "nosniff")
          .putHeader("Cache-Control", "no-store");
      ctx.next();
    });
    return router;
  }
}
