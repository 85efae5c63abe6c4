package io.meshtrace.collector.server;

import io.meshtrace.collector.auth.CredentialsFile;
import io.meshtrace.collector.auth.InvalidCredentialsFileException;
import io.meshtrace.collector.config.AuthConfig;
import io.meshtrace.collector.config.InvalidConfigException;
import io.meshtrace.collector.config.MeshtraceConfig;
import io.meshtrace.collector.config.SamplingConfig;
import io.meshtrace.collector.config.SloConfig;
import io.meshtrace.collector.config.TlsConfig;
import io.meshtrace.collector.config.XdsConfig;
import io.meshtrace.controlplane.sampling.InvalidSamplingStrategiesException;
import io.meshtrace.controlplane.sampling.file.SamplingStrategyFile;
import io.meshtrace.controlplane.slo.InvalidObjectivesException;
import io.meshtrace.controlplane.slo.ObjectivesFile;
import io.meshtrace.controlplane.xds.GatewayRoutesFile;
import io.meshtrace.controlplane.xds.InvalidGatewayRoutesException;
import io.meshtrace.tls.TlsFiles;
import java.util.HashSet;
import java.util.Set;

/**
 * The files settings name, read once before anything starts: a strategies, routes,
 * objectives or credentials file, or a TLS certificate, key or CA file, that is missing or invalid stops
 * start-up at once, naming the setting, rather than after PostgreSQL has started. Only once
 * there is a good file to keep serving is a broken one survivable (the
 * followers then keep the last good content).
 */
final class ConfigurationFiles {
  private ConfigurationFiles() {}

  static void check(MeshtraceConfig config) {
    SamplingConfig sampling = config.sampling();
    if (config.mode().runsSampling() && sampling.strategiesFile() != null) {
      try {
        SamplingStrategyFile.load(sampling.strategiesFile(), sampling.defaultProbability());
      } catch (InvalidSamplingStrategiesException e) {
        throw new InvalidConfigException(SamplingConfig.SAMPLING_STRATEGIES.name(),
            sampling.strategiesFile() + ": " + e.getMessage());
      }
    }
    // Each distinct set of files once: most listeners share --tls-cert.
    Set<TlsFiles> checked = new HashSet<>();
    for (TlsConfig.ListenerTls tls : config.tlsListeners().values()) {
      if (checked.add(tls.files())) {
        ServerTls.check(tls);
      }
    }
    if (config.auth().file() != null) {
      try {
        CredentialsFile.load(config.auth().file());
      } catch (InvalidCredentialsFileException e) {
        throw new InvalidConfigException(AuthConfig.AUTH_FILE.name(), config.auth().file() + ": "
            + e.getMessage());
      }
    }
    if (config.mode().runsQuery() && config.slo().file() != null) {
      try {
        ObjectivesFile.load(config.slo().file());
      } catch (InvalidObjectivesException e) {
        throw new InvalidConfigException(SloConfig.SLO.name(), config.slo().file() + ": "
            + e.getMessage());
      }
    }
    if (config.runsXds()) {
      try {
        GatewayRoutesFile.load(config.xds().gatewayRoutes());
      } catch (InvalidGatewayRoutesException e) {
        throw new InvalidConfigException(XdsConfig.GATEWAY_ROUTES.name(),
            config.xds().gatewayRoutes() + ": " + e.getMessage());
      }
    }
  }
}
