package io.meshtrace.controlplane.slo;

import io.meshtrace.controlplane.StrictUtf8;
import io.meshtrace.controlplane.file.FollowedFile;
import io.meshtrace.controlplane.file.UnusableFileException;
import io.meshtrace.metrics.SpanMetricsExport;
import io.meshtrace.tenant.Tenant;
import io.meshtrace.time.GoDuration;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads and checks service level objectives: the {@code --slo} file (YAML, {@code objectives:}
 * a list) and the admin API's bodies (one objective, JSON, which YAML reads too). YAML is read
 * as SnakeYAML's node tree rather than as maps, because nodes keep their line and column: every
 * problem names its field and where it stands, and every problem is reported at once. Scalars
 * are taken as written (YAML 1.1 would make {@code on} a boolean and {@code 1_000} a number).
 *
 * <p>The format is in control-plane/README.md ("Service level objectives").
 */
public final class ObjectivesFile {
  static final Set<String> FIELDS = Set.of("name", "description", "service", "operation",
      "spanKind", "tenant", "indicator", "threshold", "target", "window");
  /** What {@code window} is when not given: Sloth's, Pyrra's and Grafana SLO's usual one. */
  public static final Duration DEFAULT_WINDOW = Duration.ofDays(30);
  /**
   * The longest burn-rate alert window (the workbook's 3d): a window must be longer for the
   * alerts to mean anything.
   */
  static final Duration SHORTEST_WINDOW_EXCLUSIVE = Duration.ofDays(3);
  static final Duration LONGEST_WINDOW = Duration.ofDays(366);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

  private final List<String> problems = new ArrayList<>();

  private ObjectivesFile() {}

  /** Reads {@code file}; blocks on the disk. */
  public static List<Objective> load(Path file) throws InvalidObjectivesException {
    byte[] content;
    try {
      content = FollowedFile.read(file);
    } catch (UnusableFileException e) {
      throw new InvalidObjectivesException(List.of(e.problem()));
    }
    return parse(content);
  }

  public static List<Objective> parse(byte[] content) throws InvalidObjectivesException {
    return parse(utf8(content));
  }

  /** A whole file: {@code objectives:} and its list. */
  public static List<Objective> parse(String text) throws InvalidObjectivesException {
    Node root = compose(text);
    if (root == null) {
      throw new InvalidObjectivesException(List.of(
          "the file is empty; expected objectives: [{name, service, indicator, target, ...}]"));
    }
    ObjectivesFile reader = new ObjectivesFile();
    List<Objective> objectives = reader.document(root);
    if (!reader.problems.isEmpty()) {
      throw new InvalidObjectivesException(reader.problems);
    }
    return objectives;
  }

  /**
   * One objective, as the admin API's body gives it; its fields are named as in the body.
   *
   * @param name the objective's name when the body has none (the path names it)
   */
  public static Objective parseOne(String text, String name) throws InvalidObjectivesException {
    Node root = compose(text);
    ObjectivesFile reader = new ObjectivesFile();
    Objective objective = reader.objective(root, "", name, root);
    if (!reader.problems.isEmpty()) {
      throw new InvalidObjectivesException(reader.problems);
    }
    return objective;
  }

  private static String utf8(byte[] content) throws InvalidObjectivesException {
    try {
      return StrictUtf8.decode(content);
    } catch (CharacterCodingException e) {
      throw new InvalidObjectivesException(List.of("not UTF-8 text"));
    }
  }

  private static Node compose(String text) throws InvalidObjectivesException {
    try {
      LoaderOptions options = new LoaderOptions();
      options.setCodePointLimit(4 << 20);
      options.setAllowDuplicateKeys(true); // reported below, with the line of the second
      return new Yaml(options).compose(new java.io.StringReader(text));
    } catch (MarkedYAMLException e) {
      throw new InvalidObjectivesException(List.of("not valid YAML: "
          + (e.getProblem() == null ? e.getContext() : e.getProblem())
          + " (line " + (e.getProblemMark().getLine() + 1) + ", column "
          + (e.getProblemMark().getColumn() + 1) + ")"));
    } catch (RuntimeException e) {
      // YAMLException, and what SnakeYAML's scanner throws besides (a truncated unicode escape
      // in a quoted key is a NumberFormatException).
      throw new InvalidObjectivesException(List.of("not valid YAML: " + e.getMessage()));
    }
  }

  private List<Objective> document(Node root) {
    Map<String, Node> fields = mapping(root, "", "the document", Set.of("objectives"));
    List<Objective> objectives = new ArrayList<>();
    if (fields == null) {
      return objectives;
    }
    Node list = fields.get("objectives");
    if (list == null) {
      problem("objectives", root, "missing; expected a list of objectives");
      return objectives;
    }
    List<Node> items = sequence(list, "objectives");
    if (items == null) {
      return objectives;
    }
    Map<String, String> names = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      String field = "objectives[" + i + "]";
      Objective objective = objective(items.get(i), field + ".", null, items.get(i));
      if (objective == null) {
        continue;
      }
      String earlier = names.putIfAbsent(objective.name(), field);
      if (earlier != null) {
        Node name = ((MappingNode) items.get(i)).getValue().stream()
            .filter(t -> t.getKeyNode() instanceof ScalarNode s && s.getValue().equals("name"))
            .map(NodeTuple::getValueNode).findFirst().orElse(items.get(i));
        problem(field + ".name", name, "'" + objective.name() + "' is listed twice (also "
            + earlier + ")");
        continue;
      }
      objectives.add(objective);
    }
    return problems.isEmpty() ? List.copyOf(objectives) : null;
  }

  /**
   * @param prefix how the objective's fields are named: {@code objectives[2].}, or nothing
   * @param givenName the name when the mapping has none (the API's path); null if required
   */
  private Objective objective(Node node, String prefix, String givenName, Node at) {
    Map<String, Node> fields = prefix.isEmpty() ? mapping(node, "", "the body", FIELDS)
        : mapping(node, prefix.substring(0, prefix.length() - 1), null, FIELDS);
    if (fields == null) {
      return null;
    }
    int before = problems.size();
    String name = givenName;
    if (fields.containsKey("name")) {
      String written = text(fields.get("name"), prefix + "name");
      if (written != null && givenName != null && !written.equals(givenName)) {
        problem(prefix + "name", fields.get("name"), "the body names '" + written
            + "' but the path names '" + givenName + "'");
      } else if (written != null && !NAME.matcher(written).matches()) {
        problem(prefix + "name", fields.get("name"), "'" + written + "' is not a name: use 1 "
            + "to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or "
            + "digit");
      } else {
        name = written;
      }
    } else if (givenName == null) {
      problem(prefix + "name", at, "missing; every objective needs a unique name");
    }
    String description = fields.containsKey("description")
        ? text(fields.get("description"), prefix + "description") : null;
    String service = required(fields, at, prefix, "service");
    String operation = fields.containsKey("operation")
        ? text(fields.get("operation"), prefix + "operation") : null;
    int spanKind = SpanKinds.SERVER;
    if (fields.containsKey("spanKind")) {
      String kind = text(fields.get("spanKind"), prefix + "spanKind");
      if (kind != null) {
        spanKind = SpanKinds.number(kind);
        if (spanKind < 0) {
          problem(prefix + "spanKind", fields.get("spanKind"), "unknown span kind '" + kind
              + "'; expected one of " + String.join(", ", SpanKinds.NAMES));
        }
      }
    }
    String tenant = null;
    if (fields.containsKey("tenant")) {
      tenant = text(fields.get("tenant"), prefix + "tenant");
      if (tenant != null && !Tenant.isValid(tenant)) {
        problem(prefix + "tenant", fields.get("tenant"), "'" + tenant + "' is not a tenant: use "
            + "1 to " + Tenant.MAX_LENGTH + " letters, digits, '-', '_' or '.'");
      }
    }
    Indicator indicator = indicator(fields, at, prefix);
    BigDecimal threshold = threshold(fields, prefix, indicator);
    BigDecimal target = target(fields, at, prefix);
    Duration window = window(fields, prefix);
    if (problems.size() > before || name == null || indicator == null) {
      return null;
    }
    return new Objective(name, description, service, operation, spanKind, tenant, indicator,
        threshold, target, window);
  }

  private Indicator indicator(Map<String, Node> fields, Node at, String prefix) {
    String value = required(fields, at, prefix, "indicator");
    if (value == null) {
      return null;
    }
    for (Indicator indicator : Indicator.values()) {
      if (indicator.text().equals(value)) {
        return indicator;
      }
    }
    problem(prefix + "indicator", fields.get("indicator"), "unknown indicator '" + value
        + "'; expected availability (calls without an error status) or latency (calls of "
        + "threshold or less)");
    return null;
  }

  private BigDecimal threshold(Map<String, Node> fields, String prefix, Indicator indicator) {
    Node node = fields.get("threshold");
    if (indicator == Indicator.AVAILABILITY && node != null) {
      problem(prefix + "threshold", node, "only latency objectives have a threshold");
      return null;
    }
    if (indicator != Indicator.LATENCY) {
      return null;
    }
    if (node == null) {
      problem(prefix + "threshold", fields.get("indicator"), "missing; a latency objective "
          + "needs the longest duration a good call may take, one of " + bucketBounds());
      return null;
    }
    String value = text(node, prefix + "threshold");
    if (value == null) {
      return null;
    }
    Duration duration;
    try {
      duration = GoDuration.parse(value);
    } catch (IllegalArgumentException e) {
      problem(prefix + "threshold", node, "'" + value + "' is not a duration such as 400ms or "
          + "1.4s");
      return null;
    }
    BigDecimal ms = BigDecimal.valueOf(duration.toNanos()).movePointLeft(6).stripTrailingZeros();
    for (double bound : SpanMetricsExport.bucketBoundsMs()) {
      if (BigDecimal.valueOf(bound).compareTo(ms) == 0) {
        return ms.scale() < 0 ? ms.setScale(0) : ms;
      }
    }
    problem(prefix + "threshold", node, value + " is not a bucket bound of the exported "
        + "histogram " + SpanMetricsExport.DURATION + ", so the PrometheusRule could not count "
        + "the calls under it exactly; use one of " + bucketBounds());
    return null;
  }

  /** The export's bucket bounds as durations: 2ms, 4ms, ..., 1s, 1.4s, ..., 15s. */
  static String bucketBounds() {
    List<String> bounds = new ArrayList<>();
    for (double bound : SpanMetricsExport.bucketBoundsMs()) {
      bounds.add(GoDuration.format(Duration.ofNanos(Math.round(bound * 1_000_000))));
    }
    return String.join(", ", bounds);
  }

  private BigDecimal target(Map<String, Node> fields, Node at, String prefix) {
    String value = required(fields, at, prefix, "target");
    if (value == null) {
      return null;
    }
    String number = value.endsWith("%") ? value.substring(0, value.length() - 1).strip() : value;
    BigDecimal target;
    try {
      target = new BigDecimal(number);
    } catch (NumberFormatException e) {
      problem(prefix + "target", fields.get("target"), "'" + value + "' is not a number; "
          + "expected a percentage such as 99.9");
      return null;
    }
    if (target.signum() <= 0 || target.compareTo(HUNDRED) >= 0) {
      problem(prefix + "target", fields.get("target"), value + " is not a percentage above 0 "
          + "and below 100 (100 would leave no error budget to burn)");
      return null;
    }
    target = target.stripTrailingZeros();
    return target.scale() < 0 ? target.setScale(0) : target;
  }

  private Duration window(Map<String, Node> fields, String prefix) {
    Node node = fields.get("window");
    if (node == null) {
      return DEFAULT_WINDOW;
    }
    String value = text(node, prefix + "window");
    if (value == null) {
      return null;
    }
    Duration window;
    try {
      window = PrometheusDuration.parse(value);
    } catch (IllegalArgumentException e) {
      problem(prefix + "window", node, e.getMessage());
      return null;
    }
    if (window.toMinutes() % 60 != 0) {
      problem(prefix + "window", node, value + " is not a whole number of hours (the window "
          + "is read from hourly rollups)");
    } else if (window.compareTo(SHORTEST_WINDOW_EXCLUSIVE) <= 0) {
      problem(prefix + "window", node, value + " is too short: it must be longer than 3d, the "
          + "longest burn-rate alert window");
    } else if (window.compareTo(LONGEST_WINDOW) > 0) {
      problem(prefix + "window", node, value + " is longer than 366d");
    }
    return window;
  }

  private String required(Map<String, Node> fields, Node parent, String prefix, String name) {
    Node node = fields.get(name);
    if (node == null) {
      problem(prefix + name, parent, "missing");
      return null;
    }
    return text(node, prefix + name);
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

  /**
   * @param field how the mapping's fields are prefixed; empty at the top
   * @param self how the mapping itself is named when it is not one; null for {@code field}
   */
  private Map<String, Node> mapping(Node node, String field, String self, Set<String> allowed) {
    self = self == null ? field : self;
    if (!(node instanceof MappingNode mapping)) {
      problem(self, node, "expected a mapping of " + String.join(", ", sorted(allowed))
          + ", found " + describe(node));
      return null;
    }
    Map<String, Node> fields = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      String key = tuple.getKeyNode() instanceof ScalarNode scalar ? scalar.getValue() : "?";
      String name = field.isEmpty() ? key : field + "." + key;
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
        : " (line " + (node.getStartMark().getLine() + 1) + ", column "
            + (node.getStartMark().getColumn() + 1) + ")"));
  }
}
