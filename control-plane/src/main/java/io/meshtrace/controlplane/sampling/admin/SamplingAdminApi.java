package io.meshtrace.controlplane.sampling.admin;

import io.meshtrace.controlplane.admin.AdminWrites;
import io.meshtrace.controlplane.remote.SamplingStrategyJson;
import io.meshtrace.controlplane.sampling.InvalidSamplingStrategiesException;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.controlplane.sampling.SamplingStrategiesDocument;
import io.meshtrace.controlplane.sampling.SamplingStrategiesJson;
import io.meshtrace.controlplane.sampling.SamplingStrategiesJsonWriter;
import io.meshtrace.controlplane.sampling.SamplingStrategiesOverlay;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.meshtrace.controlplane.sampling.ServiceSamplingStrategy;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API for sampling strategies. Reads are open (they show what the remote sampling
 * endpoints serve anyway); writes need {@code Authorization: Bearer <--admin-token>}, and are
 * refused altogether (403) when no token is configured.
 *
 * <ul>
 *   <li>{@code GET /api/sampling/strategies}: the served document (file and API combined), the
 *       API's own document and its version.
 *   <li>{@code PUT /api/sampling/strategies}: replaces the API's document (Jaeger's file
 *       format).
 *   <li>{@code GET /api/sampling/strategies/services/{service}}: the strategy that service is
 *       served, as {@code /sampling} serves it, and where it comes from.
 *   <li>{@code PUT /api/sampling/strategies/services/{service}}: sets that service's entry in the
 *       API's document ({@code type}, {@code param}, {@code operation_strategies}).
 *   <li>{@code DELETE /api/sampling/strategies/services/{service}}: removes it (the file's entry,
 *       or the default, applies again).
 *   <li>{@code GET /api/sampling/history?limit=}: the versions, newest first: who, when, what.
 * </ul>
 *
 * <p>Who made a change is the {@code X-Changed-By} header when given (a person or a pipeline),
 * else the client's address: the token names no one.
 */
public final class SamplingAdminApi {
  private static final Logger LOG = LoggerFactory.getLogger(SamplingAdminApi.class);
  static final String BASE = "/api/sampling";
  private static final long MAX_BODY_BYTES = 1024 * 1024;
  private static final int MAX_HISTORY = 1000;
  private static final Pattern SERVICE_ENTRY_PATH = Pattern.compile("^service_strategies\\[0\\]\\.?");

  private final SamplingStrategySource served;
  private final SamplingStrategySource base;
  private final AdminVersionPoller versions;
  private final AdminStrategyVersions store;
  private final AdminWrites writes;

  /**
   * @param served what the remote sampling endpoints serve: the base with the API's document
   *     over it
   * @param base the strategies file, or Jaeger's built-in default
   * @param versions the newest version of the API's document, which a change is applied to
   * @param adminToken null or empty: writes are refused
   */
  public SamplingAdminApi(SamplingStrategySource served, SamplingStrategySource base,
      AdminVersionPoller versions, AdminStrategyVersions store, String adminToken) {
    this(served, base, versions, store, adminToken, false);
  }

  private SamplingAdminApi(SamplingStrategySource served, SamplingStrategySource base,
      AdminVersionPoller versions, AdminStrategyVersions store, String adminToken,
      boolean authorizedByListener) {
    this.served = served;
    this.base = base;
    this.versions = versions;
    this.store = store;
    this.writes = authorizedByListener ? AdminWrites.byListener()
        : AdminWrites.byToken(adminToken);
  }

  /**
   * The API behind listeners that authorize every request themselves (meshtrace's
   * authentication, which gives writes and the history to role admin): it checks no token of
   * its own.
   */
  public static SamplingAdminApi authorizedByListener(SamplingStrategySource served,
      SamplingStrategySource base, AdminVersionPoller versions, AdminStrategyVersions store) {
    return new SamplingAdminApi(served, base, versions, store, null, true);
  }

  /** Mounts the routes on {@code router}. */
  public void mount(Vertx vertx, Router router) {
    router.get(BASE + "/strategies").handler(this::getDocument);
    router.get(BASE + "/strategies/services/:service").handler(this::getService);
    router.get(BASE + "/history").handler(this::getHistory);
    // The body is read (at most 1 MB) before the token is checked: Vert.x wants body handling
    // first on a route.
    router.route(BASE + "/strategies*").method(io.vertx.core.http.HttpMethod.PUT)
        .handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES))
        .handler(writes::authorize);
    router.delete(BASE + "/strategies/services/:service").handler(writes::authorize);
    router.put(BASE + "/strategies").handler(this::putDocument);
    router.put(BASE + "/strategies/services/:service").handler(this::putService);
    router.delete(BASE + "/strategies/services/:service").handler(this::deleteService);
  }

  private void getDocument(RoutingContext ctx) {
    SamplingStrategyVersion version = versions.current();
    JsonObject body = new JsonObject()
        .put("served", SamplingStrategiesJsonWriter.document(served.current().document()))
        .put("api", SamplingStrategiesJsonWriter.document(version == null
            ? SamplingStrategiesDocument.EMPTY : version.document()))
        .put("apiVersion", version == null ? 0 : version.version())
        .put("status", served.status().detail());
    json(ctx, 200, body.encode());
  }

  private void getService(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    SamplingStrategies strategies = served.current();
    SamplingStrategyVersion version = versions.current();
    boolean fromApi = version != null && version.document().serviceStrategies().stream()
        .anyMatch(entry -> entry.service().equals(service));
    String source = fromApi ? "api" : base.current().hasOwnStrategy(service) ? "file"
        : "default";
    json(ctx, 200, new JsonObject().put("service", service).put("source", source)
        .put("strategy", new JsonObject(SamplingStrategyJson.proto(
            strategies.forService(service))))
        .encode());
  }

  private void getHistory(RoutingContext ctx) {
    int limit;
    try {
      String given = ctx.queryParams().get("limit");
      limit = given == null ? 100 : Integer.parseInt(given);
      if (limit < 1 || limit > MAX_HISTORY) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      error(ctx, 400, List.of("limit: must be a whole number from 1 to " + MAX_HISTORY));
      return;
    }
    store.history(limit).onComplete(done -> {
      if (done.failed()) {
        storageError(ctx, done.cause());
        return;
      }
      JsonArray versions = new JsonArray();
      for (SamplingStrategyVersion version : done.result()) {
        versions.add(new JsonObject().put("version", version.version())
            .put("changedAt", version.changedAt().toString())
            .put("changedBy", version.changedBy()).put("change", version.change())
            .put("document", SamplingStrategiesJsonWriter.document(version.document())));
      }
      json(ctx, 200, new JsonObject().put("versions", versions).encode());
    });
  }

  private void putDocument(RoutingContext ctx) {
    if (!isJson(ctx)) {
      return;
    }
    SamplingStrategiesDocument document;
    try {
      document = SamplingStrategiesJson.parse(ctx.body().asString()).document();
    } catch (InvalidSamplingStrategiesException e) {
      error(ctx, 400, e.problems());
      return;
    }
    commit(ctx, current -> new AdminStrategyVersions.Change(document,
        "replaced the document: " + describeDifference(current, document)));
  }

  private void putService(RoutingContext ctx) {
    if (!isJson(ctx)) {
      return;
    }
    String service = ctx.pathParam("service");
    JsonObject entry;
    try {
      entry = new JsonObject(ctx.body().asString());
    } catch (DecodeException | ClassCastException e) {
      error(ctx, 400, List.of("the body is not a JSON object: " + e.getMessage()));
      return;
    }
    Object named = entry.getValue("service");
    if (named != null && !service.equals(named)) {
      error(ctx, 400, List.of("service: the body names \"" + named + "\" but the path names \""
          + service + "\""));
      return;
    }
    ServiceSamplingStrategy strategy;
    try {
      String wrapped = new JsonObject().put("service_strategies",
          new JsonArray().add(entry.copy().put("service", service))).encode();
      strategy = SamplingStrategiesJson.parse(wrapped).document().serviceStrategies().get(0);
    } catch (InvalidSamplingStrategiesException e) {
      List<String> problems = new ArrayList<>();
      for (String problem : e.problems()) {
        // Named as in the body, without the line and column of the wrapped document.
        problems.add(SERVICE_ENTRY_PATH.matcher(problem).replaceFirst("")
            .replaceAll(" \\(line \\d+, column \\d+\\)", ""));
      }
      error(ctx, 400, problems);
      return;
    }
    commit(ctx, current -> new AdminStrategyVersions.Change(
        SamplingStrategiesOverlay.withService(current, strategy),
        (current.serviceStrategies().stream().anyMatch(s -> s.service().equals(service))
            ? "changed" : "added") + " service " + service));
  }

  private void deleteService(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    commit(ctx, current -> {
      if (current.serviceStrategies().stream().noneMatch(s -> s.service().equals(service))) {
        throw new IllegalArgumentException("service " + service
            + " has no strategy set through the admin API");
      }
      return new AdminStrategyVersions.Change(
          SamplingStrategiesOverlay.withoutService(current, service), "removed service " + service);
    });
  }

  private void commit(RoutingContext ctx,
      java.util.function.Function<SamplingStrategiesDocument, AdminStrategyVersions.Change>
          change) {
    String by = ctx.request().getHeader("X-Changed-By");
    if (by == null || by.isBlank()) {
      by = String.valueOf(ctx.request().remoteAddress());
    }
    String changedBy = by.length() > 200 ? by.substring(0, 200) : by;
    store.change(changedBy, change).onComplete(done -> {
      if (done.failed()) {
        if (done.cause() instanceof IllegalArgumentException notFound) {
          error(ctx, 404, List.of(notFound.getMessage()));
        } else {
          storageError(ctx, done.cause());
        }
        return;
      }
      SamplingStrategyVersion version = done.result();
      versions.apply(version);
      LOG.info("Sampling strategies version {} by {}: {}", version.version(), changedBy,
          version.change());
      json(ctx, 200, new JsonObject().put("version", version.version())
          .put("change", version.change()).encode());
    });
  }

  /** Services added, changed and removed, and the default, in words for the history. */
  static String describeDifference(SamplingStrategiesDocument before,
      SamplingStrategiesDocument after) {
    Set<String> added = new LinkedHashSet<>();
    Set<String> changed = new LinkedHashSet<>();
    Set<String> removed = new LinkedHashSet<>();
    for (ServiceSamplingStrategy entry : after.serviceStrategies()) {
      ServiceSamplingStrategy old = before.serviceStrategies().stream()
          .filter(s -> s.service().equals(entry.service())).findFirst().orElse(null);
      if (old == null) {
        added.add(entry.service());
      } else if (!old.equals(entry)) {
        changed.add(entry.service());
      }
    }
    for (ServiceSamplingStrategy entry : before.serviceStrategies()) {
      if (after.serviceStrategies().stream().noneMatch(s -> s.service().equals(entry.service()))) {
        removed.add(entry.service());
      }
    }
    List<String> parts = new ArrayList<>();
    if (!java.util.Objects.equals(before.defaultStrategy(), after.defaultStrategy())) {
      parts.add("default strategy changed");
    }
    if (!added.isEmpty()) {
      parts.add("added " + String.join(", ", added));
    }
    if (!changed.isEmpty()) {
      parts.add("changed " + String.join(", ", changed));
    }
    if (!removed.isEmpty()) {
      parts.add("removed " + String.join(", ", removed));
    }
    return parts.isEmpty() ? "no difference" : String.join("; ", parts);
  }

  private static boolean isJson(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      error(ctx, 415, List.of("the body must be application/json (it was "
          + (type == null ? "not given" : type) + ")"));
      return false;
    }
    return true;
  }

  private static void storageError(RoutingContext ctx, Throwable failure) {
    LOG.warn("Sampling strategies storage failed: {}", failure.toString());
    error(ctx, 503, List.of("the strategies cannot be stored or read now: "
        + failure.getMessage()));
  }

  private static void error(RoutingContext ctx, int status, List<String> problems) {
    json(ctx, status, new JsonObject().put("errors", new JsonArray(problems)).encode());
  }

  private static void json(RoutingContext ctx, int status, String body) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
          .end(body);
    }
  }
}
