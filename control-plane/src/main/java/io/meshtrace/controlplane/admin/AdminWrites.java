package io.meshtrace.controlplane.admin;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may change what the admin APIs (sampling strategies, service level objectives) keep.
 * Behind meshtrace's authentication the listener's guard has checked role admin already; without
 * it, the {@code --admin-token} bearer token is the check, and no token refuses every change
 * (403), so that a server started without one cannot be changed by anyone.
 */
public final class AdminWrites {
  private final byte[] token;
  private final boolean authorizedByListener;

  private AdminWrites(byte[] token, boolean authorizedByListener) {
    this.token = token;
    this.authorizedByListener = authorizedByListener;
  }

  /** @param adminToken null or empty: every change is refused */
  public static AdminWrites byToken(String adminToken) {
    return new AdminWrites(adminToken == null || adminToken.isEmpty() ? null
        : adminToken.getBytes(StandardCharsets.UTF_8), false);
  }

  /** The listener authorizes every request itself: nothing more is checked here. */
  public static AdminWrites byListener() {
    return new AdminWrites(null, true);
  }

  /** A route handler: the next handler when the caller may change things, else 401 or 403. */
  public void authorize(RoutingContext ctx) {
    if (authorizedByListener) {
      ctx.next();
      return;
    }
    if (token == null) {
      refuse(ctx, 403, "changes through the admin API are disabled: no admin token is"
          + " configured (--admin-token or MESHTRACE_ADMIN_TOKEN)");
      return;
    }
    String header = ctx.request().getHeader("Authorization");
    byte[] given = header != null && header.startsWith("Bearer ")
        ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8) : null;
    if (given == null || !MessageDigest.isEqual(given, token)) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"meshtrace\"");
      refuse(ctx, 401, given == null ? "an Authorization: Bearer <admin token> header is"
          + " required" : "the admin token is not right");
      return;
    }
    ctx.next();
  }

  private static void refuse(RoutingContext ctx, int status, String problem) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("errors", new JsonArray().add(problem)).encode());
    }
  }
}
