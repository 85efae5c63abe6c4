package io.meshtrace.collector.cli;

import io.meshtrace.collector.config.InvalidConfigException;
import io.meshtrace.collector.config.MeshtraceConfig;
import io.meshtrace.collector.config.Mode;
import io.meshtrace.collector.config.Setting;
import io.meshtrace.collector.config.SettingValues;
import io.meshtrace.collector.server.MeshtraceServer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * Runs a meshtrace server in one {@link Mode} until the process is told to stop. Its flags are
 * the {@link MeshtraceConfig#SETTINGS}, added to the command when it is built ({@link
 * #addSettings}), so that each setting's name, default and help are written once, beside the
 * record that reads it.
 */
abstract class ServerCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServerCommand.class);

  @CommandLine.Spec
  CommandSpec spec;

  // Read before parsing by ConfigSources; declared so that it is a known flag with help.
  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML file of settings, keys named like the flags without dashes in front "
          + "(zipkin-port: 9411).")
  Path config;

  abstract Mode mode();

  /** The configuration the parsed flags, environment and config file give. */
  MeshtraceConfig config() {
    Map<String, Object> values = new HashMap<>();
    for (Setting<?> setting : MeshtraceConfig.SETTINGS) {
      Object value = spec.findOption(setting.flag()).getValue();
      if (value != null) {
        values.put(setting.name(), value);
      }
    }
    return MeshtraceConfig.from(mode(), new SettingValues(values));
  }

  /** Adds a flag for every server setting to a server command. */
  static void addSettings(CommandSpec command) {
    for (Setting<?> setting : MeshtraceConfig.SETTINGS) {
      String description = setting.description();
      if (setting.defaultText() != null && !setting.defaultText().isEmpty()
          && !description.contains("Default:")) {
        description += " Default: " + setting.defaultText() + ".";
      }
      command.addOption(OptionSpec.builder(setting.flag())
          .paramLabel(setting.paramLabel())
          .arity("1")
          .type(Object.class)
          .converters(text -> {
            try {
              return setting.parse(text);
            } catch (IllegalArgumentException e) {
              throw new CommandLine.TypeConversionException(e.getMessage());
            }
          })
          .defaultValue(setting.defaultText())
          .description(description)
          .build());
    }
  }

  @Override
  public Integer call() throws Exception {
    MeshtraceConfig config = config();
    MeshtraceServer server;
    try {
      server = MeshtraceServer.start(config);
    } catch (InvalidConfigException e) {
      throw e; // reported like any other invalid setting, naming it
    } catch (Exception e) {
      LOG.error("meshtrace {} could not start: {}", mode().command(), e.getMessage(), e);
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    StopSignals.onStop(config.shutdown().timeout(), () -> {
      server.stop();
      stopped.countDown();
    });
    stopped.await();
    return 0;
  }

  @CommandLine.Command(name = "all-in-one", mixinStandardHelpOptions = true,
      description = "Run everything in one process: span intake, query APIs and UI, sampling "
          + "strategies, with an embedded PostgreSQL unless --pg-url is given.")
  static final class AllInOne extends ServerCommand {
    @Override
    Mode mode() {
      return Mode.ALL_IN_ONE;
    }
  }

  @CommandLine.Command(name = "collector", mixinStandardHelpOptions = true,
      description = "Run span intake only (Zipkin, OTLP and Jaeger ports) into PostgreSQL, or "
          + "with --span-sink kafka into Kafka for ingesters.")
  static final class Collector extends ServerCommand {
    @Override
    Mode mode() {
      return Mode.COLLECTOR;
    }
  }

  @CommandLine.Command(name = "ingester", mixinStandardHelpOptions = true,
      description = "Store what collectors with --span-sink kafka wrote: read --kafka-topic as a "
          + "member of --kafka-group and write to PostgreSQL, every span exactly once.")
  static final class Ingester extends ServerCommand {
    @Override
    Mode mode() {
      return Mode.INGESTER;
    }
  }

  @CommandLine.Command(name = "query", mixinStandardHelpOptions = true,
      description = "Run the query APIs and UI only (Jaeger on --query-port, Zipkin v2 query on "
          + "--zipkin-port).")
  static final class Query extends ServerCommand {
    @Override
    Mode mode() {
      return Mode.QUERY;
    }
  }

  @CommandLine.Command(name = "control-plane", mixinStandardHelpOptions = true,
      description = "Run the sampling control plane only: Jaeger remote sampling on "
          + "--sampling-http-port and --sampling-grpc-port, strategies from "
          + "--sampling-strategies, xDS for the edge gateway with --gateway-routes.")
  static final class ControlPlane extends ServerCommand {
    @Override
    Mode mode() {
      return Mode.CONTROL_PLANE;
    }
  }
}
