package io.meshtrace.examples.services;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How one example service runs: its port, where its downstream service is, and where meshtrace
 * is. Every setting is a flag ({@code --downstream-url URL} or {@code --downstream-url=URL}) or
 * the environment variable of the same name in capitals ({@code DOWNSTREAM_URL}); a flag wins.
 * The endpoints default to meshtrace's standard ports on {@code --meshtrace-host}.
 */
public record ServiceConfig(
    String service,
    String bind,
    int port,
    URI downstreamUrl,
    URI otlpEndpoint,
    URI samplingEndpoint,
    URI zipkinEndpoint,
    Duration samplingPollInterval,
    double declineFraction) {

  /** The services and their default ports; the demo, compose and Kubernetes files use these. */
  public static final Map<String, Integer> DEFAULT_PORTS = Map.of(
      "shop", 8081, "cart", 8082, "payments", 8083);
  private static final Map<String, String> DOWNSTREAM = Map.of("shop", "cart", "cart", "payments");

  static final List<String> SETTINGS = List.of("bind", "port", "downstream-url", "meshtrace-host",
      "otlp-endpoint", "sampling-endpoint", "zipkin-endpoint", "sampling-poll-interval",
      "decline-fraction");

  /** A setting that is unknown or has a value that cannot be used. */
  public static final class InvalidSettingException extends IllegalArgumentException {
    InvalidSettingException(String message) {
      super(message);
    }
  }

  /** Reads {@code SERVICE [--flag value]...} with the environment as fallback. */
  public static ServiceConfig parse(List<String> args, Map<String, String> env) {
    if (args.isEmpty() || !DEFAULT_PORTS.containsKey(args.get(0))) {
      throw new InvalidSettingException("the first argument must be the service to run: "
          + "shop, cart or payments" + (args.isEmpty() ? "" : " (got '" + args.get(0) + "')"));
    }
    String service = args.get(0);
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 1; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("--")) {
        throw new InvalidSettingException("unexpected argument '" + arg + "'");
      }
      String name = arg.substring(2);
      String value;
      int equals = name.indexOf('=');
      if (equals >= 0) {
        value = name.substring(equals + 1);
        name = name.substring(0, equals);
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw new InvalidSettingException("--" + name + " needs a value");
      }
      if (!SETTINGS.contains(name)) {
        throw new InvalidSettingException("unknown option --" + name + "; known: --"
            + String.join(", --", SETTINGS));
      }
      flags.put(name, value);
    }
    Settings settings = new Settings(flags, env);
    String host = settings.get("meshtrace-host", "localhost");
    String downstream = DOWNSTREAM.get(service);
    return new ServiceConfig(service,
        settings.get("bind", "0.0.0.0"),
        settings.port("port", DEFAULT_PORTS.get(service)),
        downstream == null ? null : settings.uri("downstream-url",
            "http://localhost:" + DEFAULT_PORTS.get(downstream)),
        settings.uri("otlp-endpoint", "http://" + host + ":4318/v1/traces"),
        settings.uri("sampling-endpoint", "http://" + host + ":14250"),
        settings.uri("zipkin-endpoint", "http://" + host + ":9411/api/v2/spans"),
        settings.duration("sampling-poll-interval", "10s"),
        settings.fraction("decline-fraction", 0));
  }

  /** A copy listening on another port (0: any free port). */
  public ServiceConfig withPort(int newPort) {
    return new ServiceConfig(service, bind, newPort, downstreamUrl, otlpEndpoint,
        samplingEndpoint, zipkinEndpoint, samplingPollInterval, declineFraction);
  }

  /** A copy calling another downstream service. */
  public ServiceConfig withDownstreamUrl(URI url) {
    return new ServiceConfig(service, bind, port, url, otlpEndpoint, samplingEndpoint,
        zipkinEndpoint, samplingPollInterval, declineFraction);
  }

  private record Settings(Map<String, String> flags, Map<String, String> env) {
    String get(String name, String fallback) {
      String value = flags.get(name);
      if (value == null) {
        value = env.get(envName(name));
      }
      return value == null || value.isBlank() ? fallback : value.trim();
    }

    String source(String name) {
      return flags.containsKey(name) ? "--" + name : envName(name);
    }

    int port(String name, int fallback) {
      String text = get(name, String.valueOf(fallback));
      try {
        int port = Integer.parseInt(text);
        if (port >= 0 && port <= 65535) {
          return port;
        }
      } catch (NumberFormatException ignored) {
        // reported below
      }
      throw new InvalidSettingException(source(name) + ": '" + text
          + "' is not a port (0-65535)");
    }

    URI uri(String name, String fallback) {
      String text = get(name, fallback);
      try {
        URI uri = new URI(text);
        if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
            && uri.getHost() != null) {
          return uri;
        }
      } catch (java.net.URISyntaxException ignored) {
        // reported below
      }
      throw new InvalidSettingException(source(name) + ": '" + text
          + "' is not an http(s) URL with a host");
    }

    Duration duration(String name, String fallback) {
      String text = get(name, fallback);
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)")
          .matcher(text);
      if (m.matches() && Long.parseLong(m.group(1)) > 0) {
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          default -> Duration.ofHours(n);
        };
      }
      throw new InvalidSettingException(source(name) + ": '" + text
          + "' is not a positive duration such as 500ms, 10s, 1m");
    }

    double fraction(String name, double fallback) {
      String text = get(name, String.valueOf(fallback));
      try {
        double value = Double.parseDouble(text);
        if (value >= 0 && value <= 1) {
          return value;
        }
      } catch (NumberFormatException ignored) {
        // reported below
      }
      throw new InvalidSettingException(source(name) + ": '" + text
          + "' is not a fraction between 0 and 1");
    }
  }

  static String envName(String setting) {
    return setting.toUpperCase(Locale.ROOT).replace('-', '_');
  }
}
