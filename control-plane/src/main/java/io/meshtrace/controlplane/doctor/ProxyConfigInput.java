package io.meshtrace.controlplane.doctor;

import static io.meshtrace.controlplane.doctor.ProtoJson.field;
import static io.meshtrace.controlplane.doctor.ProtoJson.list;
import static io.meshtrace.controlplane.doctor.ProtoJson.message;
import static io.meshtrace.controlplane.doctor.ProtoJson.string;
import static io.meshtrace.controlplane.doctor.ProtoJson.typeName;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * One proxy's configuration as doctor reads it: whichever of the four shapes people have at hand
 * (istioctl's bootstrap or listeners output, Envoy's admin config dump, a bootstrap file), reduced
 * to the parts tracing depends on. Each part keeps the JSON path it came from, for findings.
 *
 * @param bootstrap the bootstrap, or null when the input does not contain one
 * @param listenersComplete whether {@code listeners} are all the proxy has: not so for a
 *     bootstrap that takes its listeners over LDS (Istio's), where only static ones are shown
 * @param clusters clusters by name; {@code clustersKnown} says whether the input lists clusters
 *     at all (istioctl's listeners output does not, so a missing cluster means nothing there)
 * @param routeConfigs route configurations by name (RDS ones from a config dump)
 */
public record ProxyConfigInput(Kind kind, KeyStyle keyStyle, Located bootstrap,
    List<Located> listeners, boolean listenersComplete, Map<String, Located> clusters,
    boolean clustersKnown, Map<String, Located> routeConfigs, Map<String, Located> endpoints) {

  /** A part of the input and where it is, as a path like {@code configs[2].dynamic_listeners[0]}. */
  public record Located(Map<String, Object> value, String path) {}

  /** The shapes doctor recognises. */
  public enum Kind {
    ISTIOCTL_BOOTSTRAP("istioctl proxy-config bootstrap -o json output"),
    ISTIOCTL_LISTENERS("istioctl proxy-config listeners -o json output (a listener array)"),
    CONFIG_DUMP("Envoy admin /config_dump"),
    ENVOY_BOOTSTRAP("Envoy bootstrap configuration");

    public final String description;

    Kind(String description) {
      this.description = description;
    }
  }

  /** Which field names the input uses; istioctl writes JSON names, Envoy proto names. */
  public enum KeyStyle {
    SNAKE_CASE("snake_case"), CAMEL_CASE("camelCase"), UNKNOWN("no multi-word keys");

    public final String label;

    KeyStyle(String label) {
      this.label = label;
    }
  }

  static final String EXPECTED = "expected one of: istioctl proxy-config bootstrap <pod> -o json "
      + "({\"bootstrap\": {...}}), istioctl proxy-config listeners <pod> -o json (a JSON array of "
      + "listeners), Envoy's admin /config_dump ({\"configs\": [...]}) or an Envoy bootstrap "
      + "(JSON or YAML with static_resources, dynamic_resources or tracing)";

  /** Parses JSON or YAML text and recognises its shape. */
  public static ProxyConfigInput read(String text) throws UnreadableProxyConfigException {
    Object tree = parse(text);
    KeyStyle style = keyStyle(tree);
    if (tree instanceof List<?> array) {
      List<Located> listeners = new ArrayList<>();
      for (int i = 0; i < array.size(); i++) {
        if (!(array.get(i) instanceof Map<?, ?> listener) || field(listener, "name") == null) {
          throw new UnreadableProxyConfigException("element [" + i + "] of the array is not a "
              + "listener (an object with a name); " + EXPECTED);
        }
        listeners.add(new Located(cast(listener), "[" + i + "]"));
      }
      return new ProxyConfigInput(Kind.ISTIOCTL_LISTENERS, style, null, listeners, true,
          Map.of(), false, Map.of(), Map.of());
    }
    if (!(tree instanceof Map<?, ?> object)) {
      throw new UnreadableProxyConfigException("the input is a single "
          + (tree == null ? "empty document" : "value, not an object or array") + "; " + EXPECTED);
    }
    if (object.get("configs") instanceof List<?> configs) {
      return configDump(cast(object), configs, style);
    }
    if (object.get("bootstrap") instanceof Map<?, ?> bootstrap) {
      Builder builder = new Builder();
      builder.bootstrap(cast(bootstrap), "bootstrap");
      return builder.build(Kind.ISTIOCTL_BOOTSTRAP, style);
    }
    for (String key : List.of("static_resources", "dynamic_resources", "tracing", "node", "admin")) {
      if (field(object, key) != null) {
        Builder builder = new Builder();
        builder.bootstrap(cast(object), "");
        return builder.build(Kind.ENVOY_BOOTSTRAP, style);
      }
    }
    throw new UnreadableProxyConfigException("an object with the keys " + object.keySet()
        + " is none of the shapes doctor reads; " + EXPECTED);
  }

  private static ProxyConfigInput configDump(Map<String, Object> dump, List<?> configs,
      KeyStyle style) {
    Builder builder = new Builder();
    for (int i = 0; i < configs.size(); i++) {
      Object config = configs.get(i);
      String type = typeName(config);
      String at = "configs[" + i + "]";
      if (type == null) {
        continue;
      }
      switch (type.substring(type.lastIndexOf('.') + 1)) {
        case "BootstrapConfigDump" -> {
          Map<String, Object> bootstrap = message(config, "bootstrap");
          if (bootstrap != null) {
            builder.bootstrap(bootstrap, at + ".bootstrap");
          }
        }
        case "ListenersConfigDump" -> {
          builder.listenersInDump = true;
          List<Object> statics = list(config, "static_listeners");
          for (int j = 0; j < statics.size(); j++) {
            builder.listener(message(statics.get(j), "listener"),
                at + ".static_listeners[" + j + "].listener");
          }
          List<Object> dynamics = list(config, "dynamic_listeners");
          for (int j = 0; j < dynamics.size(); j++) {
            // The listener Envoy serves with; a warming one replaces it only once ready.
            Map<String, Object> state = message(dynamics.get(j), "active_state");
            String stateName = "active_state";
            if (state == null) {
              state = message(dynamics.get(j), "warming_state");
              stateName = "warming_state";
            }
            builder.listener(message(state, "listener"),
                at + ".dynamic_listeners[" + j + "]." + stateName + ".listener");
          }
        }
        case "ClustersConfigDump" -> {
          builder.clustersKnown = true;
          for (String key : List.of("static_clusters", "dynamic_active_clusters",
              "dynamic_warming_clusters")) {
            List<Object> clusters = list(config, key);
            for (int j = 0; j < clusters.size(); j++) {
              builder.cluster(message(clusters.get(j), "cluster"),
                  at + "." + key + "[" + j + "].cluster");
            }
          }
        }
        case "RoutesConfigDump" -> {
          List<Object> statics = list(config, "static_route_configs");
          for (int j = 0; j < statics.size(); j++) {
            builder.routeConfig(message(statics.get(j), "route_config"),
                at + ".static_route_configs[" + j + "].route_config");
          }
          List<Object> dynamics = list(config, "dynamic_route_configs");
          for (int j = 0; j < dynamics.size(); j++) {
            builder.routeConfig(message(dynamics.get(j), "route_config"),
                at + ".dynamic_route_configs[" + j + "].route_config");
          }
        }
        case "EndpointsConfigDump" -> {
          for (String key : List.of("static_endpoint_configs", "dynamic_endpoint_configs")) {
            List<Object> endpoints = list(config, key);
            for (int j = 0; j < endpoints.size(); j++) {
              Map<String, Object> assignment = message(endpoints.get(j), "endpoint_config");
              String name = string(assignment, "cluster_name");
              if (name != null) {
                builder.endpoints.put(name, new Located(assignment,
                    at + "." + key + "[" + j + "].endpoint_config"));
              }
            }
          }
        }
        default -> { }
      }
    }
    return builder.build(Kind.CONFIG_DUMP, style);
  }

  private static final class Builder {
    Located bootstrap;
    final List<Located> listeners = new ArrayList<>();
    final Map<String, Located> clusters = new LinkedHashMap<>();
    final Map<String, Located> routeConfigs = new LinkedHashMap<>();
    final Map<String, Located> endpoints = new LinkedHashMap<>();
    boolean clustersKnown;
    boolean listenersInDump;

    void bootstrap(Map<String, Object> value, String path) {
      bootstrap = new Located(value, path);
      Map<String, Object> resources = message(value, "static_resources");
      if (resources != null) {
        String at = prefix(path) + "static_resources";
        clustersKnown = true;
        List<Object> clusterList = list(resources, "clusters");
        for (int i = 0; i < clusterList.size(); i++) {
          cluster(objectOrNull(clusterList.get(i)), at + ".clusters[" + i + "]");
        }
        List<Object> listenerList = list(resources, "listeners");
        for (int i = 0; i < listenerList.size(); i++) {
          listener(objectOrNull(listenerList.get(i)), at + ".listeners[" + i + "]");
        }
      }
    }

    void listener(Map<String, Object> value, String path) {
      if (value != null) {
        listeners.add(new Located(value, path));
      }
    }

    void cluster(Map<String, Object> value, String path) {
      String name = value == null ? null : string(value, "name");
      if (name != null) {
        clusters.putIfAbsent(name, new Located(value, path));
      }
    }

    void routeConfig(Map<String, Object> value, String path) {
      String name = string(value, "name");
      if (name != null) {
        routeConfigs.putIfAbsent(name, new Located(value, path));
      }
    }

    ProxyConfigInput build(Kind kind, KeyStyle style) {
      // istioctl's bootstrap output is an Istio bootstrap: its listeners always come over LDS.
      boolean complete = kind == Kind.CONFIG_DUMP ? listenersInDump
          : kind == Kind.ENVOY_BOOTSTRAP && bootstrap != null && field(message(bootstrap.value(), "dynamic_resources"),
              "lds_config") == null;
      return new ProxyConfigInput(kind, style, bootstrap, List.copyOf(listeners), complete,
          Map.copyOf(clusters), clustersKnown, Map.copyOf(routeConfigs), Map.copyOf(endpoints));
    }
  }

  static String prefix(String path) {
    return path.isEmpty() ? "" : path + ".";
  }

  private static Object parse(String text) throws UnreadableProxyConfigException {
    String trimmed = text.strip();
    if (trimmed.isEmpty()) {
      throw new UnreadableProxyConfigException("the input is empty; " + EXPECTED);
    }
    try {
      // JSON through Jackson for its messages (line and column); everything else is YAML.
      if (trimmed.startsWith("{")) {
        return new JsonObject(trimmed).getMap();
      }
      if (trimmed.startsWith("[")) {
        return new JsonArray(trimmed).getList();
      }
    } catch (DecodeException e) {
      // Jackson's location says "[Source: REDACTED (...); line: 1, column: 13]": keep the place.
      String message = e.getMessage().lines().findFirst().orElse("")
          .replaceFirst("^Failed to decode:", "")
          .replaceAll("\\[Source: [^;]*; ", "[");
      throw new UnreadableProxyConfigException("the input is not valid JSON: " + message);
    }
    try {
      LoaderOptions options = new LoaderOptions();
      options.setCodePointLimit(64 * 1024 * 1024);
      return new Yaml(new SafeConstructor(options)).load(trimmed);
    } catch (RuntimeException e) {
      // Not only YAMLException: SnakeYAML's constructors throw whatever a tag's conversion
      // throws (IllegalArgumentException for !!binary that is not base64, ClassCastException
      // for !!binary on a mapping), and every one of them means the text is not usable YAML.
      throw new UnreadableProxyConfigException("the input is neither JSON nor YAML: "
          + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  /** The key style of the first multi-word key found, depth first; {@code @type} excepted. */
  private static KeyStyle keyStyle(Object tree) {
    if (tree instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        String key = String.valueOf(entry.getKey()); // YAML's "? : x" has a null key
        // Upper-case keys (Istio's node metadata: ISTIO_VERSION) are data, not field names.
        if (!key.startsWith("@") && !key.equals(key.toUpperCase())) {
          if (key.indexOf('_') > 0) {
            return KeyStyle.SNAKE_CASE;
          }
          if (!key.equals(key.toLowerCase()) && Character.isLowerCase(key.charAt(0))) {
            return KeyStyle.CAMEL_CASE;
          }
        }
        // Values of metadata maps have keys of any style; proto fields decide.
        KeyStyle inner = key.equals("metadata") || key.equals("filter_metadata")
            ? KeyStyle.UNKNOWN : keyStyle(entry.getValue());
        if (inner != KeyStyle.UNKNOWN) {
          return inner;
        }
      }
    } else if (tree instanceof List<?> items) {
      for (Object item : items) {
        KeyStyle inner = keyStyle(item);
        if (inner != KeyStyle.UNKNOWN) {
          return inner;
        }
      }
    }
    return KeyStyle.UNKNOWN;
  }

  /**
   * An element that is an object, else null: like ProtoJson's readers, doctor passes over what
   * is not the shape it looks for (a list element that is a string) rather than failing on it.
   */
  static Map<String, Object> objectOrNull(Object value) {
    return value instanceof Map<?, ?> map ? cast(map) : null;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> cast(Object map) {
    return (Map<String, Object>) map;
  }
}
