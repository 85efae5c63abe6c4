package io.meshtrace.collector.cli;

import io.meshtrace.collector.config.InvalidConfigException;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The {@code meshtrace} command and its subcommands. */
@Command(name = "meshtrace", mixinStandardHelpOptions = true,
    versionProvider = MeshtraceCommand.Version.class,
    description = "A tracing backend for service meshes: Zipkin and OTLP intake into "
        + "PostgreSQL, Jaeger and Zipkin query APIs, Jaeger remote sampling, xDS for the edge "
        + "gateway.",
    subcommands = {ServerCommand.AllInOne.class, ServerCommand.Collector.class,
        ServerCommand.Ingester.class, ServerCommand.Query.class, ServerCommand.ControlPlane.class, DoctorCommand.class,
        IstioCommand.class, SloCommand.class, GenCommand.class},
    footer = {"", "Every --some-setting can also be given as the environment variable "
        + "MESHTRACE_SOME_SETTING or as 'some-setting: value' in the --config YAML file; flags "
        + "win over the environment, which wins over the file."})
public final class MeshtraceCommand implements Runnable {
  @CommandLine.Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Parses and runs; returns the process exit code. */
  public static int run(String[] args, Map<String, String> env) {
    return run(args, env, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
  }

  public static int run(String[] args, Map<String, String> env, PrintWriter out,
      PrintWriter err) {
    CommandLine commandLine = commandLine();
    commandLine.setOut(out);
    commandLine.setErr(err);
    ConfigSources sources;
    try {
      sources = ConfigSources.load(args, env, settingNames(commandLine));
    } catch (InvalidConfigException e) {
      err.println(e.getMessage());
      return 2;
    }
    setDefaultProvider(commandLine, sources);
    commandLine.setParameterExceptionHandler((ex, arguments) -> {
      String origin = ex.getArgSpec() instanceof OptionSpec option
          ? sources.originOf(option.longestName()) : null;
      err.println(ex.getMessage() + (origin == null ? "" : " (set by " + origin + ")"));
      ex.getCommandLine().usage(err);
      return 2;
    });
    commandLine.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      if (ex instanceof InvalidConfigException invalid) {
        String origin = sources.originOf("--" + invalid.setting());
        err.println(invalid.getMessage() + (origin == null ? "" : " (set by " + origin + ")"));
        return 2;
      }
      throw ex;
    });
    return commandLine.execute(args);
  }

  /**
   * Parses a server command line into its configuration without running anything.
   *
   * @throws picocli.CommandLine.ParameterException for a flag or value picocli rejects
   * @throws InvalidConfigException for a setting meshtrace rejects
   */
  public static io.meshtrace.collector.config.MeshtraceConfig parseConfig(String[] args,
      Map<String, String> env) {
    CommandLine commandLine = commandLine();
    setDefaultProvider(commandLine, ConfigSources.load(args, env, settingNames(commandLine)));
    CommandLine.ParseResult parsed = commandLine.parseArgs(args);
    if (!parsed.hasSubcommand()
        || !(parsed.subcommand().commandSpec().userObject() instanceof ServerCommand command)) {
      throw new IllegalArgumentException("not a server command: " + String.join(" ", args));
    }
    return command.config();
  }

  /** The command and its subcommands, the server commands with a flag for every setting. */
  private static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new MeshtraceCommand());
    // A flag given twice takes the last value, as a later flag overrides a config file.
    commandLine.setOverwrittenOptionsAllowed(true);
    for (CommandLine sub : commandLine.getSubcommands().values()) {
      if (sub.getCommandSpec().userObject() instanceof ServerCommand) {
        ServerCommand.addSettings(sub.getCommandSpec());
      }
    }
    return commandLine;
  }

  private static void setDefaultProvider(CommandLine commandLine, ConfigSources sources) {
    commandLine.setDefaultValueProvider(sources);
    for (CommandLine sub : commandLine.getSubcommands().values()) {
      setDefaultProvider(sub, sources);
    }
  }

  /** Every long option name of every subcommand, without the dashes. */
  private static Set<String> settingNames(CommandLine commandLine) {
    Set<String> names = new TreeSet<>();
    for (CommandLine sub : commandLine.getSubcommands().values()) {
      for (OptionSpec option : sub.getCommandSpec().options()) {
        String longest = option.longestName();
        if (longest.startsWith("--") && !longest.equals("--help") && !longest.equals("--version")) {
          names.add(longest.substring(2));
        }
      }
    }
    return names;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = MeshtraceCommand.class.getPackage().getImplementationVersion();
      return new String[] {"meshtrace " + (version == null ? "development build" : version)};
    }
  }
}
