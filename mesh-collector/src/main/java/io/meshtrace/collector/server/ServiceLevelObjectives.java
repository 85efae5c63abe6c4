package io.meshtrace.collector.server;

import io.meshtrace.collector.config.SloConfig;
import io.meshtrace.collector.metrics.SloMetrics;
import io.meshtrace.controlplane.admin.AdminWrites;
import io.meshtrace.controlplane.slo.Objective;
import io.meshtrace.controlplane.slo.ObjectivesStatus;
import io.meshtrace.controlplane.slo.ServedObjectives;
import io.meshtrace.controlplane.slo.admin.ApiObjectivePoller;
import io.meshtrace.controlplane.slo.admin.ApiObjectiveVersions;
import io.meshtrace.controlplane.slo.admin.SloAdminApi;
import io.meshtrace.controlplane.slo.attainment.AttainmentReader;
import io.meshtrace.controlplane.slo.attainment.SloApi;
import io.meshtrace.controlplane.slo.file.FileObjectives;
import io.meshtrace.lifecycle.Component;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.meshtrace.tenant.RequestTenant;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The service level objectives of a process that runs the query port: where they come from
 * (the {@code --slo} file, followed; the admin API's versions, polled), what is served of them
 * ({@link ServedObjectives}), and the APIs mounted on the query port ({@code GET /api/slo}, the
 * admin API). Its runnable parts are {@link #components()}, in the order they start.
 */
final class ServiceLevelObjectives {
  private final List<Component> components = new ArrayList<>();
  private final FileObjectives file;
  private final ApiObjectivePoller api;
  private final SloApi sloApi;
  private final SloAdminApi adminApi;

  /**
   * @param authenticated whether the listeners authenticate callers (then they give the admin
   *     API's writes to role admin, and it checks no token itself)
   * @param adminToken the token the writes need otherwise; null refuses them all
   */
  ServiceLevelObjectives(Vertx vertx, SloConfig config, PostgresStorage storage,
      RequestTenant tenants, boolean tenancy, boolean authenticated, String adminToken,
      SloMetrics metrics) {
    file = config.file() == null ? null
        : new FileObjectives(vertx, config.file(), config.reloadInterval(), tenancy, metrics);
    if (file != null) {
      components.add(ConfiguredFile.of(file, SloConfig.SLO));
    }
    ApiObjectiveVersions versions = new ApiObjectiveVersions(storage.objectiveDocumentLog());
    api = new ApiObjectivePoller(vertx, versions, metrics);
    components.add(api);
    ServedObjectives served = new ServedObjectives(file == null ? List::of : file::current,
        api::objectives);
    sloApi = new SloApi(served, new AttainmentReader(storage.spanMetrics(), Clock.systemUTC(),
        storage::keptSince), tenants);
    adminApi = new SloAdminApi(api, versions, authenticated ? AdminWrites.byListener()
        : AdminWrites.byToken(adminToken), this::inFile, tenancy);
  }

  private boolean inFile(String name) {
    List<Objective> objectives = file == null ? null : file.current();
    return objectives != null && objectives.stream().anyMatch(o -> o.name().equals(name));
  }

  /** Mounts {@code GET /api/slo} and the admin API. */
  void mount(Router router) {
    sloApi.mount(router);
    adminApi.mount(router);
  }

  /** For {@code /readyz}: degraded while the file is broken or the API's cannot be read. */
  ObjectivesStatus status() {
    ObjectivesStatus apiStatus = api.status();
    ObjectivesStatus fileStatus = file == null ? null : file.status();
    if (fileStatus == null) {
      return new ObjectivesStatus(apiStatus.degraded(), "no --slo file; " + apiStatus.detail());
    }
    return new ObjectivesStatus(fileStatus.degraded() || apiStatus.degraded(),
        fileStatus.detail() + "; " + apiStatus.detail());
  }

  List<Component> components() {
    return List.copyOf(components);
  }
}
