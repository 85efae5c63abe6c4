package io.meshtrace.query.ui;

import io.meshtrace.query.HttpResponses;
import io.meshtrace.query.jaeger.JaegerResponses;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;

/**
 * The browser UI on the query port, beside the Jaeger APIs: the HTML shell for every page path
 * ({@code /}, {@code /search}, {@code /trace/{id}}, {@code /dependencies}, ... and any other path
 * that is not an API or an asset, so that deep links and reloads work), and the ES modules and
 * CSS under {@code /static/{version}/}. Mount it after the APIs: it answers what they did not,
 * and an unknown {@code /api/...} path gets a JSON 404, never the shell.
 */
public final class BrowserUi {
  /**
   * Only the jar's own scripts and styles run: no inline script or event handler, no eval, no
   * other origin. Span data can therefore never run as code even if a bug put it into markup.
   */
  public static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; "
      + "style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; "
      + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  /** Where the shell says its assets are; replaced by {@code /static/{version}}. */
  static final String ASSET_BASE_PLACEHOLDER = "{{ASSET_BASE}}";

  private static final String FOREVER = "public, max-age=31536000, immutable";
  private static final String REVALIDATE = "no-cache";

  private final UiAssets assets;
  private final Buffer shell;

  public BrowserUi(UiAssets assets) {
    this.assets = assets;
    String html = new String(assets.get("index.html").bytes(), StandardCharsets.UTF_8);
    this.shell = Buffer.buffer(html.replace(ASSET_BASE_PLACEHOLDER,
        "/static/" + assets.version()));
  }

  public void mount(Router router) {
    router.route().handler(BrowserUi::addSecurityHeaders);
    router.route("/api/*").handler(BrowserUi::apiNotFound);
    router.route("/static/:version/*").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(this::serveAsset);
    router.route("/static/*").handler(ctx -> HttpResponses.sendText(ctx, 404, "no such asset"));
    router.route().method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::serveShell);
  }

  private static void addSecurityHeaders(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY");
    ctx.next();
  }

  /** The APIs answered every path they know; the shell would only confuse an API client. */
  private static void apiNotFound(RoutingContext ctx) {
    JaegerResponses.sendError(ctx, 404, "no API endpoint " + ctx.request().method() + " "
        + ctx.request().path());
  }

  private void serveAsset(RoutingContext ctx) {
    String prefix = "/static/" + ctx.pathParam("version") + "/";
    String path = ctx.normalizedPath();
    UiAssets.Asset asset = path.startsWith(prefix) ? assets.get(path.substring(prefix.length()))
        : null;
    if (asset == null || "index.html".equals(path.substring(prefix.length()))) {
      HttpResponses.sendText(ctx, 404, "no such asset");
      return;
    }
    // A page loaded before an upgrade may ask for an older version: it gets today's file, but
    // must not keep it under the old URL.
    boolean current = assets.version().equals(ctx.pathParam("version"));
    HttpServerResponse response = ctx.response()
        .putHeader(HttpHeaders.CACHE_CONTROL, current ? FOREVER : REVALIDATE)
        .putHeader(HttpHeaders.ETAG, asset.etag());
    if (asset.etag().equals(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH))) {
      response.setStatusCode(304).end();
      return;
    }
    response.putHeader(HttpHeaders.CONTENT_TYPE, asset.contentType());
    endWithBody(ctx, Buffer.buffer(asset.bytes()));
  }

  /** Every page path gets the same shell; the ES modules read the path and draw the page. */
  private void serveShell(RoutingContext ctx) {
    ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, REVALIDATE);
    endWithBody(ctx, shell);
  }

  /** HEAD gets the length alone (Vert.x would send the body too). */
  private static void endWithBody(RoutingContext ctx, Buffer body) {
    if (ctx.request().method() == HttpMethod.HEAD) {
      ctx.response().putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(body.length())).end();
    } else {
      ctx.response().end(body);
    }
  }
}
