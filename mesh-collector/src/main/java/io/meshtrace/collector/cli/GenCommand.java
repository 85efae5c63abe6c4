package io.meshtrace.collector.cli;

import io.meshtrace.collector.config.InvalidConfigException;
import io.meshtrace.examples.generator.GeneratorRun;
import io.meshtrace.examples.generator.InvalidOptionException;
import io.meshtrace.examples.generator.Protocol;
import io.meshtrace.examples.generator.RetryPolicy;
import io.meshtrace.examples.generator.RunSummary;
import io.meshtrace.examples.generator.SendFailure;
import io.meshtrace.examples.generator.SpanSender;
import io.meshtrace.examples.generator.TraceGenerator;
import io.meshtrace.examples.generator.WorkloadOptions;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshtrace gen}: sends a synthetic service-mesh workload to a running meshtrace.
 *
 * <p>Each option has a short name for the command line and a {@code gen-} name, its longest,
 * which is the setting name for the config file and {@code MESHTRACE_GEN_*} variables, so that
 * {@code MESHTRACE_RATE} or {@code duration:} never mean something to another command.
 */
@Command(name = "gen", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Send synthetic service-mesh traces (edge-gateway -> frontend -> cart, "
        + "checkout, ... -> postgres, kafka) to a running meshtrace, over Zipkin or OTLP. "
        + "The same --seed sends the same traces.",
    footer = {"", "Each option is also the setting gen-<option>: MESHTRACE_GEN_RATE=20 in the "
        + "environment, or 'gen-rate: 20' in the YAML file named by MESHTRACE_CONFIG.",
        "Exit codes: 0 sent, 1 meshtrace did not accept spans, 2 invalid options."})
final class GenCommand implements Callable<Integer> {
  static final long DEFAULT_TRACES = 100;
  private static final String STOPPED = "stopped";

  @Spec
  CommandSpec spec;

  @Option(names = {"--rate", "--gen-rate"}, paramLabel = "N", defaultValue = "10",
      description = "Traces per second, paced evenly (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = {"--traces", "--gen-traces"}, paramLabel = "N",
      description = "How many traces to send (default: " + DEFAULT_TRACES + "); not with "
          + "--duration.")
  Long traces;

  @Option(names = {"--duration", "--gen-duration"}, paramLabel = "DURATION",
      converter = GoDurationConverter.class,
      description = "Send for this long (30s, 5m): rate x duration traces; not with --traces.")
  Duration duration;

  @Option(names = {"--protocol", "--gen-protocol"}, paramLabel = "PROTOCOL",
      defaultValue = "zipkin-json",
      description = "zipkin-json, zipkin-proto (to :9411/api/v2/spans), otlp-http (protobuf to "
          + ":4318/v1/traces) or otlp-grpc (:4317) (default: ${DEFAULT-VALUE}).")
  String protocol;

  @Option(names = {"--endpoint", "--gen-endpoint"}, paramLabel = "URL",
      description = "Where to send (default: meshtrace's port for the protocol on localhost); "
          + "the protocol's path is added to a URL without one.")
  String endpoint;

  @Option(names = {"--services", "--gen-services"}, paramLabel = "N", defaultValue = "8",
      description = "Mesh services, the edge gateway included (default: ${DEFAULT-VALUE}).")
  int services;

  @Option(names = {"--depth", "--gen-depth"}, paramLabel = "N", defaultValue = "4",
      description = "The most services on one path from the edge gateway down "
          + "(default: ${DEFAULT-VALUE}).")
  int depth;

  @Option(names = {"--fan-out", "--gen-fan-out"}, paramLabel = "N", defaultValue = "3",
      description = "The most children of one span (default: ${DEFAULT-VALUE}).")
  int fanOut;

  @Option(names = {"--error-rate", "--gen-error-rate"}, paramLabel = "FRACTION",
      defaultValue = "0.05",
      description = "Fraction of traces in which a span fails, the 5xx travelling up to the "
          + "edge (default: ${DEFAULT-VALUE}).")
  double errorRate;

  @Option(names = {"--outlier-rate", "--gen-outlier-rate"}, paramLabel = "FRACTION",
      defaultValue = "0.02",
      description = "Fraction of traces in which one span takes 10-50 times its usual time "
          + "(default: ${DEFAULT-VALUE}).")
  double outlierRate;

  @Option(names = {"--seed", "--gen-seed"}, paramLabel = "N",
      description = "Fixes the topology, trace and span IDs, names, tags and durations "
          + "(default: a random seed, printed).")
  Long seed;

  @Option(names = {"--sampling-probability", "--gen-sampling-probability"},
      paramLabel = "P",
      description = "Head sampling as a probabilistic SDK sampler does it: each trace is kept "
          + "with this probability (fixed by the seed), the others are not sent, and a kept "
          + "trace's root carries Jaeger's sampler.type=probabilistic and sampler.param=P, "
          + "which meshtrace's RED metrics weight by (default: no sampling decision).")
  Double samplingProbability;

  @Option(names = {"--start-time", "--gen-start-time"}, paramLabel = "ISO-8601",
      description = "When the first trace starts, e.g. 2026-01-31T12:00:00Z; trace n starts "
          + "n/rate seconds later (default: now).")
  String startTime;

  @Option(names = {"--batch-size", "--gen-batch-size"}, paramLabel = "SPANS",
      defaultValue = "500",
      description = "The most spans in one request (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = {"--ui-url", "--gen-ui-url"}, paramLabel = "URL",
      defaultValue = "http://localhost:16686",
      description = "The meshtrace UI, for the trace links printed (default: ${DEFAULT-VALUE}).")
  String uiUrl;

  @Option(names = {"--json", "--gen-json"}, paramLabel = "true|false", arity = "0..1",
      defaultValue = "false", fallbackValue = "true",
      description = "Print the summary as one JSON object (progress goes to stderr).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Protocol chosen;
    URI target;
    TraceGenerator generator;
    GeneratorRun.Settings settings;
    long chosenSeed = seed != null ? seed : new java.security.SecureRandom().nextLong();
    try {
      chosen = Protocol.parse(protocol);
      target = chosen.endpoint(endpoint);
      generator = new TraceGenerator(new WorkloadOptions(services, depth, fanOut, errorRate,
          outlierRate, chosenSeed), samplingProbability);
      settings = new GeneratorRun.Settings(traceCount(), rate, batchSize, start(),
          Duration.ofSeconds(5));
    } catch (InvalidOptionException e) {
      throw new InvalidConfigException("gen-" + e.option(),
          "--" + e.option() + " " + e.getMessage());
    }
    PrintWriter progress = json ? err : out;
    if (!json) {
      out.printf("gen: %d traces at %s/s over %s to %s, seed %d%n", settings.traces(),
          format(rate), chosen, target, chosenSeed);
    }
    try (SpanSender sender = SpanSender.create(chosen, target, RetryPolicy.DEFAULT)) {
      GeneratorRun run = new GeneratorRun(generator, sender, settings, line -> {
        progress.println(line);
        progress.flush();
      });
      // Stopped with Ctrl-C, a long run still says what it sent.
      AtomicBoolean reported = new AtomicBoolean();
      Thread onStop = new Thread(() -> {
        if (reported.compareAndSet(false, true)) {
          err.println("gen: stopped");
          report(run.summary(), chosen, target, chosenSeed, settings.start(), STOPPED,
              json ? out : err);
        }
      }, "gen-stopped");
      Runtime.getRuntime().addShutdownHook(onStop);
      try {
        RunSummary summary = run.run();
        if (reported.compareAndSet(false, true)) {
          report(summary, chosen, target, chosenSeed, settings.start(), null, out);
        }
        return 0;
      } catch (SendFailure e) {
        if (reported.compareAndSet(false, true)) {
          err.println("gen: " + e.getMessage());
          report(run.summary(), chosen, target, chosenSeed, settings.start(), e.getMessage(),
              json ? out : err);
        }
        return 1;
      } finally {
        removeHook(onStop);
      }
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
  }

  private void report(RunSummary summary, Protocol chosen, URI target, long chosenSeed,
      Instant start, String failure, PrintWriter to) {
    if (json) {
      to.println(summary.toJson(uiUrl).put("protocol", chosen.label())
          .put("endpoint", target.toString()).put("seed", chosenSeed)
          .put("startTime", start.toString())
          .put("failure", failure).encode());
    } else {
      if (failure != null && summary.traces() > 0) {
        to.println(failure.equals(STOPPED) ? "gen: until stopped:" : "gen: before the failure:");
      }
      if (failure == null || summary.traces() > 0) {
        summary.lines(uiUrl).forEach(to::println);
      }
      if (failure == null) {
        to.println("to send these traces again (into another database: the IDs repeat): "
            + "--seed " + chosenSeed + " --start-time " + start + " --rate " + format(rate));
      }
    }
    to.flush();
  }

  private long traceCount() {
    if (traces != null && duration != null) {
      throw new InvalidOptionException("traces", "cannot be combined with --duration: "
          + "give a count or a duration");
    }
    if (duration != null) {
      if (duration.isNegative() || duration.isZero()) {
        throw new InvalidOptionException("duration", "is " + duration
            + " but must be above 0");
      }
      if (!(rate > 0)) {
        return 0; // the rate's own check names the problem
      }
      return (long) Math.ceil(rate * duration.toNanos() / 1e9);
    }
    if (traces != null && traces < 0) {
      throw new InvalidOptionException("traces", "is " + traces + " but must not be negative");
    }
    return traces != null ? traces : DEFAULT_TRACES;
  }

  private Instant start() {
    if (startTime == null || startTime.isBlank()) {
      return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }
    try {
      return Instant.parse(startTime.trim());
    } catch (DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(startTime.trim()).toInstant();
      } catch (DateTimeParseException again) {
        throw new InvalidOptionException("start-time", "'" + startTime + "' is not an ISO-8601 "
            + "instant such as 2026-01-31T12:00:00Z");
      }
    }
  }

  private static String format(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }
}
