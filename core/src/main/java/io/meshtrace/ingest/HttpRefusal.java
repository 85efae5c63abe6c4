package io.meshtrace.ingest;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;

/** What every HTTP receiver puts on a refusal, whatever body its protocol gives it. */
public final class HttpRefusal {
  private HttpRefusal() {}

  /**
   * The refusal's status code; {@code Retry-After} in whole seconds (at least 1) when the client
   * should retry after a pause; {@code Connection: close} for a body too large, whose rest is
   * not read, so the connection cannot be reused.
   */
  public static HttpServerResponse prepare(HttpServerResponse response, IngestException refused) {
    response.setStatusCode(refused.reason().httpStatus());
    Duration retryAfter = refused.retryAfter();
    if (retryAfter != null) {
      response.putHeader(HttpHeaders.RETRY_AFTER,
          Long.toString(Math.max(1, (retryAfter.toMillis() + 999) / 1000)));
    }
    if (refused.reason() == IngestException.Reason.TOO_LARGE) {
      response.putHeader(HttpHeaders.CONNECTION, "close");
    }
    return response;
  }

  /**
   * Answers a refusal with its message as plain text, as Zipkin's and Jaeger's collectors answer
   * errors; nothing when the response has been answered already.
   */
  public static void respondPlainText(HttpServerResponse response, IngestException refused) {
    if (response.ended()) {
      return;
    }
    prepare(response, refused)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .end(refused.getMessage() + "\n");
  }
}
