package io.meshtrace.collector.auth;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * How a guard answers a refused request: HTTP 401 / 403 / 429 with a JSON body in Jaeger's
 * error envelope (which the UI and API clients already read), or, for gRPC, a trailers-only
 * answer (HTTP 200, {@code grpc-status} UNAUTHENTICATED 16 / PERMISSION_DENIED 7 /
 * RESOURCE_EXHAUSTED 8), which is what gRPC clients understand; an HTTP 401 would reach them as
 * an unexplained transport error.
 */
final class Answers {
  static final String REALM = "realm=\"meshtrace\"";

  private Answers() {}

  static boolean isGrpc(HttpServerRequest request) {
    String type = request.getHeader("content-type");
    return type != null && type.regionMatches(true, 0, "application/grpc", 0, 16);
  }

  /**
   * @param basic whether to offer basic authentication in the challenge
   * @param retryAfterSeconds for {@link Refusal.Reason#RATE_LIMITED}
   */
  static void refuse(HttpServerRequest request, Refusal refusal, boolean basic,
      long retryAfterSeconds) {
    HttpServerResponse response = request.response();
    if (response.ended() || response.closed()) {
      return;
    }
    if (isGrpc(request)) {
      response.setStatusCode(200)
          .putHeader("content-type", "application/grpc")
          .putHeader("grpc-status", Integer.toString(grpcStatus(refusal.reason())))
          .putHeader("grpc-message", percentEncode(refusal.message()))
          .end();
      return;
    }
    int status = httpStatus(refusal.reason());
    if (status == 401) {
      // Browsers open their own password dialog on a Basic challenge, even for fetch(); the
      // UI marks its calls (X-Requested-With, as XMLHttpRequest libraries do) and shows its
      // own login form instead.
      boolean offerBasic = basic && !"XMLHttpRequest".equals(
          request.getHeader("X-Requested-With"));
      response.headers().add("WWW-Authenticate", "Bearer " + REALM);
      if (offerBasic) {
        response.headers().add("WWW-Authenticate", "Basic " + REALM + ", charset=\"UTF-8\"");
      }
    }
    if (status == 429) {
      response.putHeader("Retry-After", Long.toString(retryAfterSeconds));
    }
    json(response.setStatusCode(status), new JsonObject().putNull("data").put("total", 0)
        .put("limit", 0).put("offset", 0).put("errors", new JsonArray().add(new JsonObject()
            .put("code", status).put("msg", refusal.message()))));
  }

  /** {@code GET /api/me}: who the UI is logged in as. */
  static void caller(HttpServerRequest request, Caller caller) {
    JsonObject body = new JsonObject().put("authentication", "on").put("name", caller.name())
        .put("scheme", caller.scheme())
        .put("roles", new JsonArray(caller.roles().stream().sorted().map(Role::label).toList()))
        .put("tenant", caller.tenant() == null ? null : caller.tenant().id());
    json(request.response().setStatusCode(200), body);
  }

  /** {@code GET /api/me} when nothing is protected. */
  static void authenticationOff(HttpServerRequest request) {
    json(request.response().setStatusCode(200), new JsonObject().put("authentication", "off"));
  }

  private static void json(HttpServerResponse response, JsonObject body) {
    response.putHeader("content-type", "application/json")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }

  private static int httpStatus(Refusal.Reason reason) {
    return switch (reason) {
      case MISSING_CREDENTIALS, INVALID_CREDENTIALS -> 401;
      case MISSING_ROLE -> 403;
      case RATE_LIMITED -> 429;
    };
  }

  private static int grpcStatus(Refusal.Reason reason) {
    return switch (reason) {
      case MISSING_CREDENTIALS, INVALID_CREDENTIALS -> 16;
      case MISSING_ROLE -> 7;
      case RATE_LIMITED -> 8;
    };
  }

  /** gRPC's percent-encoding of {@code grpc-message}: UTF-8, printable ASCII but '%' kept. */
  static String percentEncode(String message) {
    StringBuilder out = new StringBuilder();
    for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 0x20 && c <= 0x7e && c != '%') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
