package io.meshtrace.collector.server;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Answers what Vert.x Web refuses before a handler can (a query string with invalid
 * percent-encoding fails as handlers read their parameters) with a 400 that says what, instead
 * of a bare "Bad Request" and, for each one, an ERROR with a stack trace in the log: a client
 * could fill the log at will.
 */
final class MalformedRequests {
  /** The problem is quoted up to this long: it holds the request's URI. */
  private static final int MAX_DETAIL = 300;

  private MalformedRequests() {}

  static Router answeredOn(Router router) {
    router.errorHandler(400, MalformedRequests::answer);
    return router;
  }

  private static void answer(RoutingContext ctx) {
    if (ctx.response().headWritten()) {
      return;
    }
    Throwable failure = ctx.failure();
    Throwable cause = failure != null && failure.getCause() != null ? failure.getCause()
        : failure;
    String detail = cause == null || cause.getMessage() == null ? "" : cause.getMessage();
    if (detail.length() > MAX_DETAIL) {
      detail = detail.substring(0, MAX_DETAIL) + "...";
    }
    ctx.response().setStatusCode(400).putHeader("Content-Type", "text/plain; charset=utf-8")
        .end("malformed request" + (detail.isEmpty() ? "" : ": " + detail) + "\n");
  }
}
