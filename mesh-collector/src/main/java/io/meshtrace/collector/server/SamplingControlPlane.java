package io.meshtrace.collector.server;

import io.meshtrace.collector.config.SamplingConfig;
import io.meshtrace.collector.metrics.SamplingMetrics;
import io.meshtrace.controlplane.sampling.ObservedTrafficPoller;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.meshtrace.controlplane.sampling.adaptive.AdaptiveProbabilitiesPoller;
import io.meshtrace.controlplane.sampling.adaptive.AdaptiveSamplingLeader;
import io.meshtrace.controlplane.sampling.adaptive.AdaptiveSamplingSettings;
import io.meshtrace.controlplane.sampling.admin.AdminStrategyVersions;
import io.meshtrace.controlplane.sampling.admin.AdminVersionPoller;
import io.meshtrace.controlplane.sampling.admin.SamplingAdminApi;
import io.meshtrace.controlplane.sampling.file.FileSamplingStrategySource;
import io.meshtrace.controlplane.sampling.served.ServedSamplingStrategies;
import io.meshtrace.lifecycle.Component;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The sampling control plane of one process: where the served strategies come from (the file
 * or Jaeger's default, the admin API's versions, observed traffic, adaptive sampling), what they
 * compose into ({@link ServedSamplingStrategies}), and the admin API that changes them. Its
 * runnable parts are {@link #components()}, in the order they start.
 */
final class SamplingControlPlane {
  private final List<Component> components = new ArrayList<>();
  private final SamplingStrategySource served;
  private final SamplingAdminApi adminApi;

  /**
   * @param authenticated whether the listeners authenticate callers (then they give the admin
   *     API's writes to role admin, and it checks no token itself)
   */
  SamplingControlPlane(Vertx vertx, SamplingConfig config, PostgresStorage storage,
      SamplingMetrics metrics, boolean authenticated) {
    Clock clock = Clock.systemUTC();
    AdaptiveSamplingSettings adaptiveSettings = config.adaptive()
        ? AdaptiveSamplingSettings.jaegerDefaults(config.adaptiveTargetSamplesPerSecond())
        : null;
    if (adaptiveSettings != null) {
      components.add(new AdaptiveSamplingLeader(vertx, storage.adaptiveSamplingLeadership(),
          storage.adaptiveProbabilities(), adaptiveSettings, storage::rootSpanThroughput,
          clock));
    }
    SamplingStrategySource base = base(vertx, config, metrics);
    AdminStrategyVersions versions = new AdminStrategyVersions(storage.strategyDocumentLog());
    AdminVersionPoller adminVersions = new AdminVersionPoller(vertx, versions, metrics);
    components.add(adminVersions);
    AdaptiveProbabilitiesPoller adaptive = null;
    if (adaptiveSettings != null) {
      adaptive = new AdaptiveProbabilitiesPoller(vertx, storage.adaptiveProbabilities(),
          adaptiveSettings, metrics);
      components.add(adaptive);
    }
    ObservedTrafficPoller traffic = new ObservedTrafficPoller(vertx, storage::rootSpanThroughput,
        clock);
    components.add(traffic);
    AdaptiveProbabilitiesPoller adaptiveProbabilities = adaptive;
    served = new ServedSamplingStrategies(base, adminVersions, traffic::current,
        adaptiveProbabilities == null ? () -> null : adaptiveProbabilities::current);
    adminApi = authenticated
        ? SamplingAdminApi.authorizedByListener(served, base, adminVersions, versions)
        : new SamplingAdminApi(served, base, adminVersions, versions, config.adminToken());
  }

  /** The strategies file, followed as it changes, or Jaeger's built-in default without one. */
  private SamplingStrategySource base(Vertx vertx, SamplingConfig config,
      SamplingMetrics metrics) {
    if (config.strategiesFile() == null) {
      metrics.strategiesLoaded("built-in");
      return SamplingStrategySource.fixed(SamplingStrategies.builtIn(config.defaultProbability()),
          "built-in default (no --sampling-strategies): every service probabilistic at "
              + config.defaultProbability());
    }
    FileSamplingStrategySource file = new FileSamplingStrategySource(vertx,
        config.strategiesFile(), config.reloadInterval(), config.defaultProbability(), metrics);
    components.add(ConfiguredFile.of(file, SamplingConfig.SAMPLING_STRATEGIES));
    return file;
  }

  /** What SDKs and proxies are served. */
  SamplingStrategySource served() {
    return served;
  }

  SamplingAdminApi adminApi() {
    return adminApi;
  }

  List<Component> components() {
    return List.copyOf(components);
  }
}
