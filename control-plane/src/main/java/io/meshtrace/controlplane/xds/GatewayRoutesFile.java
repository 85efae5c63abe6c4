package io.meshtrace.controlplane.xds;

import io.meshtrace.controlplane.StrictUtf8;
import io.meshtrace.controlplane.file.FollowedFile;
import io.meshtrace.controlplane.file.UnusableFileException;
import io.meshtrace.controlplane.xds.GatewayRoutes.Cluster;
import io.meshtrace.controlplane.xds.GatewayRoutes.Collector;
import io.meshtrace.controlplane.xds.GatewayRoutes.Encoding;
import io.meshtrace.controlplane.xds.GatewayRoutes.Endpoint;
import io.meshtrace.controlplane.xds.GatewayRoutes.Listener;
import io.meshtrace.controlplane.xds.GatewayRoutes.Route;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads and checks a gateway routes file (the format is in control-plane/README.md). YAML is
 * read as SnakeYAML's node tree rather than as maps, because nodes keep their line: every
 * problem names the field and the line it stands on, and every problem of a file is reported at
 * once, not only the first.
 */
public final class GatewayRoutesFile {
  /** The cluster name the collector gets; an upstream may not take it. */
  public static final String COLLECTOR_CLUSTER = "meshtrace-collector";

  private final List<String> problems = new ArrayList<>();

  private GatewayRoutesFile() {}

  /** Reads {@code file}; blocks on the disk. */
  public static GatewayRoutes load(Path file) throws InvalidGatewayRoutesException {
    byte[] content;
    try {
      content = FollowedFile.read(file);
    } catch (UnusableFileException e) {
      throw new InvalidGatewayRoutesException(List.of(e.problem()));
    }
    return parse(content);
  }

  public static GatewayRoutes parse(byte[] content) throws InvalidGatewayRoutesException {
    String text;
    try {
      text = StrictUtf8.decode(content);
    } catch (CharacterCodingException e) {
      throw new InvalidGatewayRoutesException(List.of("not UTF-8 text"));
    }
    return parse(text);
  }

  public static GatewayRoutes parse(String text) throws InvalidGatewayRoutesException {
    Node root;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setCodePointLimit(4 << 20);
      root = new Yaml(options).compose(new java.io.StringReader(text));
    } catch (MarkedYAMLException e) {
      throw new InvalidGatewayRoutesException(List.of("not valid YAML: "
          + (e.getProblem() == null ? e.getContext() : e.getProblem())
          + " (line " + (e.getProblemMark().getLine() + 1) + ", column "
          + (e.getProblemMark().getColumn() + 1) + ")"));
    } catch (RuntimeException e) {
      // YAMLException, and what SnakeYAML's scanner throws besides (found by fuzzing: a
      // truncated unicode escape in a quoted key is a NumberFormatException).
      throw new InvalidGatewayRoutesException(List.of("not valid YAML: " + e.getMessage()));
    }
    if (root == null) {
      throw new InvalidGatewayRoutesException(List.of(
          "the file is empty; expected listener, routes and clusters"));
    }
    GatewayRoutesFile reader = new GatewayRoutesFile();
    GatewayRoutes routes = reader.document(root);
    if (!reader.problems.isEmpty()) {
      throw new InvalidGatewayRoutesException(reader.problems);
    }
    return routes;
  }

  private GatewayRoutes document(Node root) {
    Map<String, Node> fields = mapping(root, "the document",
        Set.of("listener", "collector", "routes", "clusters"));
    if (fields == null) {
      return null;
    }
    Listener listener = listener(fields.get("listener"), root);
    Collector collector = fields.containsKey("collector")
        ? collector(fields.get("collector")) : null;
    List<Cluster> clusters = clusters(fields.get("clusters"), root);
    List<Route> routes = routes(fields.get("routes"), root, clusters);
    return problems.isEmpty() ? new GatewayRoutes(listener, collector, routes, clusters) : null;
  }

  private Listener listener(Node node, Node parent) {
    if (node == null) {
      problem("listener", parent, "missing; expected listener: {port: 10000}");
      return null;
    }
    Map<String, Node> fields = mapping(node, "listener", Set.of("address", "port"));
    if (fields == null) {
      return null;
    }
    String address = fields.containsKey("address")
        ? text(fields.get("address"), "listener.address") : "0.0.0.0";
    Node port = fields.get("port");
    if (port == null) {
      problem("listener.port", node, "missing; the port the edge Envoy listens on");
      return null;
    }
    int number = port(port, "listener.port");
    return address == null || number < 0 ? null : new Listener(address, number);
  }

  private Collector collector(Node node) {
    Map<String, Node> fields = mapping(node, "collector", Set.of("address", "encoding"));
    if (fields == null) {
      return null;
    }
    Endpoint address = fields.containsKey("address")
        ? endpoint(fields.get("address"), "collector.address") : null;
    Encoding encoding = Encoding.HTTP_PROTO;
    if (fields.containsKey("encoding")) {
      String value = text(fields.get("encoding"), "collector.encoding");
      if (value != null) {
        try {
          encoding = Encoding.valueOf(value);
        } catch (IllegalArgumentException e) {
          problem("collector.encoding", fields.get("encoding"), "unknown encoding '" + value
              + "'; expected HTTP_PROTO or HTTP_JSON");
        }
      }
    }
    return new Collector(address, encoding);
  }

  private List<Cluster> clusters(Node node, Node parent) {
    List<Cluster> clusters = new ArrayList<>();
    if (node == null) {
      problem("clusters", parent, "missing; expected a list of {name, endpoints}");
      return clusters;
    }
    List<Node> items = sequence(node, "clusters");
    if (items == null) {
      return clusters;
    }
    Map<String, String> names = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      String field = "clusters[" + i + "]";
      Map<String, Node> fields = mapping(items.get(i), field, Set.of("name", "endpoints"));
      if (fields == null) {
        continue;
      }
      String name = required(fields, items.get(i), field, "name");
      if (name != null) {
        String earlier = names.putIfAbsent(name, field);
        if (earlier != null) {
          problem(field + ".name", fields.get("name"), "'" + name + "' is listed twice (also "
              + earlier + ")");
        } else if (name.equals(COLLECTOR_CLUSTER)) {
          problem(field + ".name", fields.get("name"), "'" + COLLECTOR_CLUSTER
              + "' is the name of the collector's cluster; choose another");
        }
      }
      List<Endpoint> endpoints = new ArrayList<>();
      Node list = fields.get("endpoints");
      if (list == null) {
        problem(field + ".endpoints", items.get(i), "missing; expected [\"host:port\", ...]");
      } else {
        List<Node> values = sequence(list, field + ".endpoints");
        if (values != null && values.isEmpty()) {
          problem(field + ".endpoints", list, "empty; at least one host:port");
        }
        for (int j = 0; values != null && j < values.size(); j++) {
          Endpoint endpoint = endpoint(values.get(j), field + ".endpoints[" + j + "]");
          if (endpoint != null) {
            endpoints.add(endpoint);
          }
        }
      }
      if (name != null) {
        clusters.add(new Cluster(name, endpoints));
      }
    }
    return clusters;
  }

  private List<Route> routes(Node node, Node parent, List<Cluster> clusters) {
    List<Route> routes = new ArrayList<>();
    if (node == null) {
      problem("routes", parent, "missing; expected a list of {host, prefix, cluster, operation}");
      return routes;
    }
    List<Node> items = sequence(node, "routes");
    if (items == null) {
      return routes;
    }
    if (items.isEmpty()) {
      problem("routes", node, "empty; at least one route");
    }
    Set<String> known = new java.util.HashSet<>();
    clusters.forEach(cluster -> known.add(cluster.name()));
    Map<List<String>, String> matches = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      String field = "routes[" + i + "]";
      Map<String, Node> fields = mapping(items.get(i), field,
          Set.of("host", "prefix", "cluster", "operation"));
      if (fields == null) {
        continue;
      }
      String host = fields.containsKey("host") ? text(fields.get("host"), field + ".host") : "*";
      String prefix = required(fields, items.get(i), field, "prefix");
      if (prefix != null && !prefix.startsWith("/")) {
        problem(field + ".prefix", fields.get("prefix"), "'" + prefix
            + "' does not start with '/'");
        prefix = null;
      }
      String cluster = required(fields, items.get(i), field, "cluster");
      if (cluster != null && !known.contains(cluster)) {
        problem(field + ".cluster", fields.get("cluster"), "'" + cluster
            + "' is not listed under clusters");
      }
      String operation = required(fields, items.get(i), field, "operation");
      if (host != null && prefix != null) {
        String earlier = matches.putIfAbsent(List.of(host, prefix), field);
        if (earlier != null) {
          problem(field + ".prefix", fields.get("prefix"), "host '" + host + "' and prefix '"
              + prefix + "' are already matched by " + earlier + ", so this route never matches");
        }
      }
      if (host != null && prefix != null && cluster != null && operation != null) {
        routes.add(new Route(host, prefix, cluster, operation));
      }
    }
    return routes;
  }

  private Endpoint endpoint(Node node, String field) {
    String value = text(node, field);
    if (value == null) {
      return null;
    }
    int colon = value.lastIndexOf(':');
    String host = colon < 0 ? "" : value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      host = ""; // an IPv6 address must be in brackets to be told from its port
    }
    int port = -1;
    try {
      port = colon < 0 ? -1 : Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      // reported below
    }
    if (host.isEmpty() || port < 1 || port > 65535) {
      problem(field, node, "'" + value + "' is not host:port (a port from 1 to 65535;"
          + " an IPv6 address in brackets)");
      return null;
    }
    return new Endpoint(host, port);
  }

  private int port(Node node, String field) {
    String value = text(node, field);
    if (value == null) {
      return -1;
    }
    try {
      int port = Integer.parseInt(value);
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problem(field, node, "'" + value + "' is not a port; expected a number from 1 to 65535");
    return -1;
  }

  private String required(Map<String, Node> fields, Node parent, String field, String name) {
    Node node = fields.get(name);
    if (node == null) {
      problem(field + "." + name, parent, "missing");
      return null;
    }
    return text(node, field + "." + name);
  }

  /** A scalar's text; a problem when it is missing, empty or not a scalar. */
  private String text(Node node, String field) {
    if (!(node instanceof ScalarNode scalar) || scalar.getTag().getValue().endsWith(":null")) {
      problem(field, node, "expected a value, found " + describe(node));
      return null;
    }
    if (scalar.getValue().isBlank()) {
      problem(field, node, "empty");
      return null;
    }
    return scalar.getValue().strip();
  }

  private Map<String, Node> mapping(Node node, String field, Set<String> allowed) {
    if (!(node instanceof MappingNode mapping)) {
      problem(field, node, "expected a mapping of " + String.join(", ", sorted(allowed))
          + ", found " + describe(node));
      return null;
    }
    Map<String, Node> fields = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      String key = tuple.getKeyNode() instanceof ScalarNode scalar ? scalar.getValue() : "?";
      String name = field.equals("the document") ? key : field + "." + key;
      if (!allowed.contains(key)) {
        problem(name, tuple.getKeyNode(), "unknown field; expected "
            + String.join(", ", sorted(allowed)));
      } else if (fields.containsKey(key)) {
        problem(name, tuple.getKeyNode(), "given twice");
      } else {
        fields.put(key, tuple.getValueNode());
      }
    }
    return fields;
  }

  private List<Node> sequence(Node node, String field) {
    if (!(node instanceof SequenceNode sequence)) {
      problem(field, node, "expected a list, found " + describe(node));
      return null;
    }
    return sequence.getValue();
  }

  private static List<String> sorted(Set<String> names) {
    return names.stream().sorted().toList();
  }

  private static String describe(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    if (node instanceof ScalarNode scalar) {
      return scalar.getTag().getValue().endsWith(":null") ? "nothing" : "'" + scalar.getValue()
          + "'";
    }
    return "nothing";
  }

  private void problem(String field, Node node, String message) {
    problems.add(field + ": " + message + (node == null ? ""
        : " (line " + (node.getStartMark().getLine() + 1) + ")"));
  }
}
