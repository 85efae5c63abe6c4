package io.meshtrace.collector.cli;

import io.meshtrace.collector.config.InvalidConfigException;
import io.meshtrace.collector.config.MeshtraceConfig;
import io.meshtrace.collector.config.Mode;
import io.meshtrace.collector.server.MeshtraceServer;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Mixin;

/** Runs a meshtrace server in one {@link Mode} until the process is told to stop. */
abstract class ServerCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServerCommand.class);

  @Mixin
  ServerOptions options;

  abstract Mode mode();

  MeshtraceConfig config() {
    return options.toConfig(mode());
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
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.stop();
      stopped.countDown();
    }, "meshtrace-shutdown"));
    stopped.await();
    return 0;
  }

  @picocli.CommandLine.Command(name = "all-in-one", mixinStandardHelpOptions = true,
      description = "Run everything in one process: span intake, query APIs and UI, sampling "
          + "strategies, with an embedded PostgreSQL unless --pg-url is given.")
  static final class AllInOne extends ServerCommand {
    @Override
    Mode mode() {
      return Mode.ALL_IN_ONE;
    }
  }

  @picocli.CommandLine.Command(name = "collector", mixinStandardHelpOptions = true,
      description = "Run span intake only (Zipkin on --zipkin-port).")
  static final class Collector extends ServerCommand {
    @Override
    Mode mode() {
      return Mode.COLLECTOR;
    }
  }

  @picocli.CommandLine.Command(name = "query", mixinStandardHelpOptions = true,
      description = "Run the query APIs and UI only (Jaeger on --query-port, Zipkin v2 query on "
          + "--zipkin-port).")
  static final class Query extends ServerCommand {
    @Override
    Mode mode() {
      return Mode.QUERY;
    }
  }

  @picocli.CommandLine.Command(name = "control-plane", mixinStandardHelpOptions = true,
      description = "Run the sampling control plane only: Jaeger remote sampling on "
          + "--sampling-http-port and --sampling-grpc-port, strategies from "
          + "--sampling-strategies.")
  static final class ControlPlane extends ServerCommand {
    @Override
    Mode mode() {
      return Mode.CONTROL_PLANE;
    }
  }
}
