package io.meshtrace.controlplane.slo.admin;

import io.meshtrace.controlplane.admin.AdminWrites;
import io.meshtrace.controlplane.slo.InvalidObjectivesException;
import io.meshtrace.controlplane.slo.Objective;
import io.meshtrace.controlplane.slo.ObjectiveJson;
import io.meshtrace.controlplane.slo.ObjectivesFile;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API for service level objectives, on the query port beside {@code /api/slo}:
 *
 * <ul>
 *   <li>{@code PUT /api/slo/objectives/{name}}: sets one objective (the body: its fields as in
 *       the {@code --slo} file, as JSON); it lies over a file objective of the same name;
 *   <li>{@code DELETE /api/slo/objectives/{name}}: removes it (a file objective of that name is
 *       served again); 404 when the API has none of that name;
 *   <li>{@code GET /api/slo/history?limit=}: the versions, newest first: who, when, what.
 * </ul>
 *
 * <p>Changes are mesh-wide, as the sampling strategies' are: an objective names its tenant
 * in its {@code tenant} field, not through the request's tenant header. Who made a change is
 * the {@code X-Changed-By} header when given, else the client's address.
 */
public final class SloAdminApi {
  private static final Logger LOG = LoggerFactory.getLogger(SloAdminApi.class);
  public static final String OBJECTIVES = "/api/slo/objectives";
  public static final String HISTORY = "/api/slo/history";
  private static final long MAX_BODY_BYTES = 64 * 1024;
  private static final int MAX_HISTORY = 1000;

  private final ApiObjectivePoller versions;
  private final ApiObjectiveVersions store;
  private final AdminWrites writes;
  /** Whether the file has an objective of a name: said in a 404, so nobody deletes in vain. */
  private final Predicate<String> inFile;
  private final boolean tenancy;

  /**
   * @param tenancy whether requests name their tenant; without, an objective naming one is
   *     refused, as no request could see it
   */
  public SloAdminApi(ApiObjectivePoller versions, ApiObjectiveVersions store, AdminWrites writes,
      Predicate<String> inFile, boolean tenancy) {
    this.versions = versions;
    this.store = store;
    this.writes = writes;
    this.inFile = inFile;
    this.tenancy = tenancy;
  }

  public void mount(Router router) {
    router.get(HISTORY).handler(this::getHistory);
    // The body is read (64 KiB at most) before the caller is checked: Vert.x wants body
    // handling first on a route.
    router.put(OBJECTIVES + "/:name")
        .handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES))
        .handler(writes::authorize)
        .handler(this::put);
    router.delete(OBJECTIVES + "/:name").handler(writes::authorize).handler(this::delete);
    router.route(OBJECTIVES + "/:name").handler(ctx -> error(ctx, 405, List.of(
        ctx.request().method() + " is not allowed here; PUT sets the objective, DELETE removes "
            + "it, GET /api/slo shows every objective")));
  }

  private void put(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      error(ctx, 415, List.of("the body must be application/json (it was "
          + (type == null ? "not given" : type) + ")"));
      return;
    }
    String name = ctx.pathParam("name");
    String body = ctx.body().asString();
    try {
      new JsonObject(body); // JSON, not any YAML; the lines and columns come from the parser
    } catch (DecodeException | ClassCastException e) {
      error(ctx, 400, List.of("the body is not a JSON object: " + e.getMessage()));
      return;
    }
    Objective objective;
    try {
      objective = ObjectivesFile.parseOne(body, name);
    } catch (InvalidObjectivesException e) {
      error(ctx, 400, e.problems());
      return;
    }
    if (!tenancy && objective.tenant() != null) {
      error(ctx, 400, List.of("tenant: tenancy is off (--tenancy), so every request is the "
          + "default tenant's and none would see an objective of tenant " + objective.tenant()));
      return;
    }
    commit(ctx, current -> {
      List<Objective> next = new ArrayList<>(current);
      boolean existed = next.removeIf(o -> o.name().equals(name));
      next.add(objective);
      next.sort(java.util.Comparator.comparing(Objective::name));
      return new ApiObjectiveVersions.Change(next, (existed ? "changed" : "added")
          + " objective " + name);
    });
  }

  private void delete(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    commit(ctx, current -> {
      List<Objective> next = new ArrayList<>(current);
      if (!next.removeIf(o -> o.name().equals(name))) {
        throw new IllegalArgumentException("objective " + name + " has no definition set "
            + "through the admin API" + (inFile.test(name)
                ? " (it comes from the --slo file: change it there)" : ""));
      }
      return new ApiObjectiveVersions.Change(next, "removed objective " + name);
    });
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
      JsonArray list = new JsonArray();
      for (ObjectiveVersion version : done.result()) {
        list.add(new JsonObject().put("version", version.version())
            .put("changedAt", version.changedAt().toString())
            .put("changedBy", version.changedBy()).put("change", version.change())
            .put("objectives", ObjectiveJson.document(version.objectives())
                .getJsonArray("objectives")));
      }
      json(ctx, 200, new JsonObject().put("versions", list).encode());
    });
  }

  private void commit(RoutingContext ctx,
      Function<List<Objective>, ApiObjectiveVersions.Change> change) {
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
      ObjectiveVersion version = done.result();
      versions.apply(version);
      LOG.info("Service level objectives version {} by {}: {}", version.version(), changedBy,
          version.change());
      json(ctx, 200, new JsonObject().put("version", version.version())
          .put("change", version.change()).encode());
    });
  }

  private static void storageError(RoutingContext ctx, Throwable failure) {
    LOG.warn("Service level objectives storage failed: {}", failure.toString());
    error(ctx, 503, List.of("the objectives cannot be stored or read now: "
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
