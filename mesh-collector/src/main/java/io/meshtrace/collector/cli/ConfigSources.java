package io.meshtrace.collector.cli;

import io.meshtrace.collector.config.InvalidConfigException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Supplies option values that were not given as flags: from {@code MESHTRACE_*} environment
 * variables first, then from the YAML config file. Remembers where each came from, so that an
 * invalid value is reported with the variable or file key that set it.
 */
final class ConfigSources implements CommandLine.IDefaultValueProvider {
  static final String ENV_PREFIX = "MESHTRACE_";

  private final Map<String, String> env;
  private final Path configFile;
  private final Map<String, String> fileValues;
  private final Map<String, String> origins = new HashMap<>();

  private ConfigSources(Map<String, String> env, Path configFile, Map<String, String> fileValues) {
    this.env = env;
    this.configFile = configFile;
    this.fileValues = fileValues;
  }

  /**
   * Reads the config file named by {@code --config} or {@code MESHTRACE_CONFIG}, and refuses any
   * key or {@code MESHTRACE_*} variable that is not one of {@code knownSettings}.
   */
  static ConfigSources load(String[] args, Map<String, String> env, Set<String> knownSettings) {
    Path configFile = configFileArgument(args);
    if (configFile == null && env.containsKey(ENV_PREFIX + "CONFIG")) {
      configFile = Path.of(env.get(ENV_PREFIX + "CONFIG"));
    }
    Map<String, String> fileValues = configFile == null ? Map.of() : readYaml(configFile);
    for (String key : fileValues.keySet()) {
      if (!knownSettings.contains(key) || key.equals("config")) {
        throw new InvalidConfigException(key, "unknown setting in " + configFile
            + "; known settings: " + String.join(", ", withoutConfig(knownSettings)));
      }
    }
    for (String variable : env.keySet()) {
      if (variable.startsWith(ENV_PREFIX)) {
        String key = settingOf(variable);
        if (!knownSettings.contains(key)) {
          throw new InvalidConfigException(variable, "unknown environment variable"
              + (serviceLink(variable, env.get(variable)) ? " (Kubernetes sets it for a "
                  + "Service whose name starts with meshtrace: set enableServiceLinks: false in "
                  + "the pod's spec)" : "") + "; known: "
              + String.join(", ", withoutConfig(knownSettings).stream().map(ConfigSources::envName)
                  .toList()) + ", " + ENV_PREFIX + "CONFIG");
        }
      }
    }
    return new ConfigSources(env, configFile, fileValues);
  }

  /** The variables of Kubernetes' service links: {@code <SERVICE>_SERVICE_HOST}, ... */
  private static final java.util.regex.Pattern SERVICE_LINK = java.util.regex.Pattern.compile(
      ".*_(SERVICE_HOST|SERVICE_PORT(_.+)?|PORT_\\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)");

  /** Whether a variable is one of a service link's ({@code <SERVICE>_PORT=tcp://...} too). */
  private static boolean serviceLink(String variable, String value) {
    return SERVICE_LINK.matcher(variable).matches() || (variable.endsWith("_PORT")
        && value != null && value.matches("(tcp|udp|sctp)://.*"));
  }

  @Override
  public String defaultValue(ArgSpec argSpec) {
    if (!(argSpec instanceof OptionSpec option) || !option.longestName().startsWith("--")) {
      return null;
    }
    String key = option.longestName().substring(2);
    String variable = envName(key);
    if (env.containsKey(variable)) {
      origins.put(option.longestName(), "environment variable " + variable);
      return env.get(variable);
    }
    if (fileValues.containsKey(key) && !key.equals("config")) {
      origins.put(option.longestName(), "'" + key + "' in " + configFile);
      return fileValues.get(key);
    }
    return null;
  }

  /** Where a value not given as a flag came from, or null if from no source of ours. */
  String originOf(String optionName) {
    return origins.get(optionName);
  }

  static String envName(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  private static String settingOf(String variable) {
    return variable.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static Set<String> withoutConfig(Set<String> settings) {
    Set<String> sorted = new TreeSet<>(settings);
    sorted.remove("config");
    return sorted;
  }

  private static Path configFileArgument(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        return Path.of(args[i + 1]);
      }
      if (args[i].startsWith("--config=")) {
        return Path.of(args[i].substring("--config=".length()));
      }
    }
    return null;
  }

  private static Map<String, String> readYaml(Path file) {
    Object document;
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      document = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
    } catch (IOException e) {
      throw new InvalidConfigException("config", "cannot read " + file + ": " + e.getMessage());
    } catch (RuntimeException e) {
      // Not only YAMLException: SnakeYAML's constructors throw whatever a tag's conversion
      // throws (IllegalArgumentException for a !!binary that is not base64, ClassCastException
      // for !!binary on a mapping); each is a file that is not usable YAML.
      // SnakeYAML quotes the offending line, which may be a pg-url with its password (cut
      // short, so maybe without its @): no URL of the file is quoted past its scheme.
      throw new InvalidConfigException("config", file + " is not valid YAML: "
          + String.valueOf(e.getMessage()).replaceAll("(\\w+://)\\S*", "$1(hidden)"));
    }
    if (document == null) {
      return Map.of();
    }
    if (!(document instanceof Map<?, ?> map)) {
      throw new InvalidConfigException("config", file + " must be a YAML mapping of settings");
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      String key = String.valueOf(entry.getKey());
      Object value = entry.getValue();
      if (value instanceof Map<?, ?> || value instanceof List<?>) {
        throw new InvalidConfigException(key, "in " + file + " must be a single value");
      }
      values.put(key, value == null ? "" : String.valueOf(value));
    }
    return values;
  }
}
