package io.meshtrace.query.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.query.QueryApiServer;
import io.meshtrace.query.TestTraces;
import io.meshtrace.query.adjust.TraceAdjusters;
import io.meshtrace.query.jaeger.JaegerQueryApi;
import io.meshtrace.query.jaeger.v3.JaegerApiV3;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The browser UI's files over real HTTP, beside the Jaeger APIs as the server mounts them:
 * the shell for every page path, assets with their types and caching, the security headers,
 * and API paths that never fall through to the shell.
 */
class BrowserUiServingTest {
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static final UiAssets ASSETS = UiAssets.load();
  static QueryApiServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new QueryApiServer(TestTraces.NOW, (router, store, clock) -> {
      new JaegerQueryApi(store, TraceAdjusters.standard(Duration.ZERO), clock).mount(router);
      new JaegerApiV3(store, TraceAdjusters.standard(Duration.ZERO)).mount(router);
      new BrowserUi(ASSETS).mount(router);
    });
    server.store(TestTraces.all());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static HttpResponse<String> send(String method, String path, String... headers)
      throws Exception {
    String url = server.url(path);
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
        .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i + 1 < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  static String header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name).orElse(null);
  }

  static String assetBase() {
    return "/static/" + ASSETS.version();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/search", "/search?service=web&tags=%7B%22error%22%3A%22true%22%7D",
      "/trace/0123456789abcdef", "/trace/aa...bb", "/compare?a=1&b=2", "/dependencies",
      "/sampling", "/no/such/page"})
  void everyPagePathGetsTheShellWithItsSecurityHeaders(String path) throws Exception {
    HttpResponse<String> response = send("GET", path);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(header(response, "content-type")).isEqualTo("text/html; charset=utf-8");
    assertThat(header(response, "cache-control")).isEqualTo("no-cache");
    assertThat(response.body()).contains("<script type=\"module\" src=\"" + assetBase()
        + "/app.js\"></script>");
    assertSecurityHeaders(response);
  }

  static void assertSecurityHeaders(HttpResponse<?> response) {
    String csp = header(response, "content-security-policy");
    assertThat(csp).contains("script-src 'self'").contains("object-src 'none'")
        .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
    assertThat(header(response, "x-content-type-options")).isEqualTo("nosniff");
  }

  @Test
  void theShellHasNoInlineScriptNorInlineHandlers() throws Exception {
    String html = send("GET", "/").body();
    Matcher scripts = Pattern.compile("<script([^>]*)>(.*?)</script>", Pattern.DOTALL)
        .matcher(html);
    int count = 0;
    while (scripts.find()) {
      count++;
      assertThat(scripts.group(1)).contains("src=");
      assertThat(scripts.group(2)).isBlank();
    }
    assertThat(count).isEqualTo(1);
    assertThat(html).doesNotContainPattern("(?i)\\son[a-z]+\\s*=").doesNotContain("style=");
  }

  @Test
  void noModuleEverParsesDataAsHtml() {
    for (String module : new String[] {"app.js", "api.js", "router.js", "dom.js", "format.js",
        "logfmt.js", "search.js", "trace-summary.js", "trace-model.js", "timeline.js",
        "span-details.js", "trace-page.js", "compare.js", "dependencies.js", "sampling.js",
        "monitor.js", "chart.js", "metrics-api.js", "slo.js", "open-file.js"}) {
      UiAssets.Asset asset = ASSETS.get(module);
      assertThat(asset).as(module).isNotNull();
      String code = new String(asset.bytes(), StandardCharsets.UTF_8);
      assertThat(code).as(module).doesNotContain("innerHTML").doesNotContain("outerHTML")
          .doesNotContain("insertAdjacentHTML").doesNotContain("document.write")
          .doesNotContain("eval(").doesNotContain("new Function");
    }
  }

  @ParameterizedTest
  @CsvSource({
      "app.js, text/javascript; charset=utf-8",
      "timeline.js, text/javascript; charset=utf-8",
      "app.css, text/css; charset=utf-8",
      "favicon.svg, image/svg+xml"})
  void assetsHaveTheirTypeAndAreCachedForGoodUnderTheirVersion(String file, String type)
      throws Exception {
    HttpResponse<String> response = send("GET", assetBase() + "/" + file);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(header(response, "content-type")).isEqualTo(type);
    assertThat(header(response, "cache-control")).isEqualTo("public, max-age=31536000, immutable");
    assertThat(response.body()).isEqualTo(new String(ASSETS.get(file).bytes(),
        StandardCharsets.UTF_8));
    assertSecurityHeaders(response);

    HttpResponse<String> again = send("GET", assetBase() + "/" + file, "If-None-Match",
        header(response, "etag"));
    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
  }

  @Test
  void anOlderVersionGetsTodaysFileButMustRevalidate() throws Exception {
    HttpResponse<String> response = send("GET", "/static/000000000000/app.js");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(header(response, "cache-control")).isEqualTo("no-cache");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/static/x/nothing.js", "/static/x/../y/index.html", "/static/app.js",
      "/static/x/index.html"})
  void unknownAssetsAre404NotTheShell(String path) throws Exception {
    HttpResponse<String> response = send("GET", path);
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).doesNotContain("<html");
  }

  @Test
  void unknownApiPathsAreJson404sNotTheShell() throws Exception {
    for (String path : new String[] {"/api/nope", "/api/sampling?service=web",
        "/api/v3/nothing", "/api/"}) {
      HttpResponse<String> response = send("GET", path);
      assertThat(response.statusCode()).as(path).isEqualTo(404);
      assertThat(header(response, "content-type")).startsWith("application/json");
      assertThat(new JsonObject(response.body()).getJsonArray("errors").getJsonObject(0)
          .getInteger("code")).isEqualTo(404);
    }
  }

  @Test
  void theApisStillAnswerThemselves() throws Exception {
    HttpResponse<String> services = send("GET", "/api/services");
    assertThat(services.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(services.body()).getJsonArray("data")).isNotEmpty();
    HttpResponse<String> unknownTrace = send("GET", "/api/traces/00000000000000000000000000000abc");
    assertThat(unknownTrace.statusCode()).isEqualTo(404);
    assertThat(header(unknownTrace, "content-type")).startsWith("application/json");
    HttpResponse<String> badTrace = send("GET", "/api/traces/not-hex");
    assertThat(badTrace.statusCode()).isEqualTo(400);
    assertThat(send("GET", "/api/v3/services").statusCode()).isEqualTo(200);
  }

  @Test
  void otherMethodsOnPagesAreRefused() throws Exception {
    assertThat(send("POST", "/search").statusCode()).isIn(404, 405);
    HttpResponse<String> head = send("HEAD", "/trace/abc");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
  }
}
