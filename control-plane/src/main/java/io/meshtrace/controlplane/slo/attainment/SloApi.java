package io.meshtrace.controlplane.slo.attainment;

import io.meshtrace.controlplane.slo.ObjectiveJson;
import io.meshtrace.controlplane.slo.PrometheusDuration;
import io.meshtrace.controlplane.slo.ServedObjective;
import io.meshtrace.controlplane.slo.ServedObjectives;
import io.meshtrace.controlplane.slo.alerts.BurnRateAlert;
import io.meshtrace.tenant.RequestTenant;
import io.meshtrace.tenant.Tenant;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/slo}: every objective the request's tenant may see, with its attainment over
 * its window, error budget, budget left, burn rates over the windows of the SRE workbook's
 * alerts (5m to 3d) and which of those alerts fire now, computed from the RED metrics in
 * storage (the JSON is in control-plane/README.md). {@code sampled=true} counts the spans as
 * stored instead of the traffic they stand for.
 *
 * <p>Per tenant, as the other query APIs: an objective that names a tenant is seen by that
 * tenant only; one that names none is computed for each tenant over its own traffic.
 */
public final class SloApi {
  private static final Logger LOG = LoggerFactory.getLogger(SloApi.class);
  public static final String PATH = "/api/slo";

  private final ServedObjectives objectives;
  private final AttainmentReader reader;
  private final RequestTenant tenants;

  public SloApi(ServedObjectives objectives, AttainmentReader reader, RequestTenant tenants) {
    this.objectives = objectives;
    this.reader = reader;
    this.tenants = tenants;
  }

  public void mount(Router router) {
    router.get(PATH).handler(this::get);
  }

  /** Whether a tenant may see an objective. */
  static boolean visibleTo(ServedObjective served, Tenant tenant) {
    String named = served.objective().tenant();
    return named == null || named.equals(tenant.id());
  }

  private void get(RoutingContext ctx) {
    List<String> given = ctx.queryParams().getAll("sampled");
    if (given.size() > 1 || (given.size() == 1 && !given.get(0).equals("true")
        && !given.get(0).equals("false"))) {
      error(ctx, 400, "sampled: expected true or false once, not " + String.join(", ", given));
      return;
    }
    boolean sampled = given.size() == 1 && given.get(0).equals("true");
    Tenant tenant = tenants.of(ctx.request());
    List<ServedObjective> visible = objectives.current().stream()
        .filter(served -> visibleTo(served, tenant)).toList();
    reader.read(tenant, visible, sampled).onComplete(done -> {
      if (done.failed()) {
        LOG.warn("Cannot read the RED metrics for /api/slo: {}", done.cause().toString());
        error(ctx, 503, "storage unavailable");
        return;
      }
      JsonArray list = new JsonArray();
      done.result().forEach(attainment -> list.add(json(attainment)));
      ctx.response().putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("sampled", sampled).put("objectives", list).encode());
    });
  }

  static JsonObject json(Attainment attainment) {
    ServedObjective served = attainment.served();
    return new JsonObject()
        .put("name", served.objective().name())
        .put("source", served.source())
        .put("overridesFile", served.overridesFile())
        .put("objective", ObjectiveJson.objective(served.objective()))
        .put("window", new JsonObject().put("from", attainment.from().toString())
            .put("to", attainment.to().toString())
            .put("coveredByRetention", attainment.coveredByRetention()))
        .put("total", attainment.window().total())
        .put("bad", attainment.window().bad())
        .put("attainment", attainment.attainment())
        .put("errorBudget", attainment.errorBudget())
        .put("errorBudgetRemaining", attainment.errorBudgetRemaining())
        .put("burnRates", burnRates(attainment))
        .put("alerts", alerts(attainment))
        .put("status", attainment.status());
  }

  private static JsonObject burnRates(Attainment attainment) {
    JsonObject rates = new JsonObject();
    attainment.burnWindows().keySet().forEach(window -> rates.put(
        PrometheusDuration.format(window), attainment.burnRate(window)));
    return rates;
  }

  private static JsonArray alerts(Attainment attainment) {
    JsonArray alerts = new JsonArray();
    for (Attainment.AlertState state : attainment.alerts()) {
      BurnRateAlert alert = state.alert();
      alerts.add(new JsonObject()
          .put("severity", alert.severity())
          .put("longWindow", PrometheusDuration.format(alert.longWindow()))
          .put("shortWindow", PrometheusDuration.format(alert.shortWindow()))
          .put("factor", state.factor())
          .put("firing", state.firing()));
    }
    return alerts;
  }

  private static void error(RoutingContext ctx, int status, String problem) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("errors", new JsonArray().add(problem)).encode());
    }
  }
}
