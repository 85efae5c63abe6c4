package io.meshtrace.collector.auth;

import io.meshtrace.controlplane.StrictUtf8;
import io.meshtrace.controlplane.file.FollowedFile;
import io.meshtrace.controlplane.file.UnusableFileException;
import io.meshtrace.tenant.Tenant;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
 * Reads and checks a credentials file ({@code --auth-file}):
 *
 * <pre>
 * tokens:
 *   - name: grafana            # optional, for logs and /api/me
 *     token: "at least 16 characters"
 *     roles: [read]
 *     tenant: team-a           # optional
 * users:
 *   - name: alice
 *     password: "$2y$10$..."   # bcrypt: htpasswd -nbBC 10 '' PASSWORD | cut -d: -f2
 *     roles: [read, admin]
 * </pre>
 *
 * <p>Read as SnakeYAML's node tree so that every problem names its field and line, all of a
 * file's problems at once. No message quotes the file's text (SnakeYAML's own messages do,
 * with a snippet of the line: only their problem and position are used), so a token never
 * reaches a log through a typo next to it.
 */
public final class CredentialsFile {
  /** Shorter tokens can be guessed; 16 random characters cannot. */
  static final int MIN_TOKEN_LENGTH = 16;
  private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]?\\$\\d\\d\\$[./A-Za-z0-9]{53}");

  private final List<String> problems = new ArrayList<>();

  private CredentialsFile() {}

  /** Reads {@code file}; blocks on the disk. */
  public static Credentials load(Path file) throws InvalidCredentialsFileException {
    try {
      return parse(FollowedFile.read(file));
    } catch (UnusableFileException e) {
      throw new InvalidCredentialsFileException(List.of(e.problem()));
    }
  }

  public static Credentials parse(byte[] content) throws InvalidCredentialsFileException {
    String text;
    try {
      text = StrictUtf8.decode(content);
    } catch (CharacterCodingException e) {
      throw new InvalidCredentialsFileException(List.of("not UTF-8 text"));
    }
    Node root;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setCodePointLimit(4 << 20);
      root = new Yaml(options).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      throw new InvalidCredentialsFileException(List.of("not valid YAML: "
          + (e.getProblem() == null ? e.getContext() : e.getProblem())
          + " (line " + (e.getProblemMark().getLine() + 1) + ", column "
          + (e.getProblemMark().getColumn() + 1) + ")"));
    } catch (RuntimeException e) {
      throw new InvalidCredentialsFileException(List.of("not valid YAML"));
    }
    if (root == null) {
      throw new InvalidCredentialsFileException(List.of("the file is empty; expected tokens "
          + "and/or users"));
    }
    CredentialsFile reader = new CredentialsFile();
    Credentials credentials = reader.document(root);
    if (!reader.problems.isEmpty()) {
      throw new InvalidCredentialsFileException(reader.problems);
    }
    return credentials;
  }

  private Credentials document(Node root) {
    Map<String, Node> fields = mapping(root, "the document", Set.of("tokens", "users"));
    if (fields == null) {
      return null;
    }
    Map<String, Caller> tokens = new HashMap<>();
    Map<String, Credentials.User> users = new HashMap<>();
    if (fields.containsKey("tokens")) {
      tokens(fields.get("tokens"), tokens);
    }
    if (fields.containsKey("users")) {
      users(fields.get("users"), users);
    }
    if (problems.isEmpty() && tokens.isEmpty() && users.isEmpty()) {
      problem("the document", root, "has no tokens and no users, so nobody could log in");
    }
    return new Credentials(tokens, users);
  }

  private void tokens(Node node, Map<String, Caller> tokens) {
    List<Node> items = sequence(node, "tokens");
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; items != null && i < items.size(); i++) {
      String field = "tokens[" + i + "]";
      Node item = items.get(i);
      Map<String, Node> entry = mapping(item, field, Set.of("name", "token", "roles", "tenant"));
      if (entry == null) {
        continue;
      }
      String token = required(entry, item, field, "token");
      if (token != null && token.length() < MIN_TOKEN_LENGTH) {
        problem(field + ".token", entry.get("token"), "is " + token.length()
            + " characters; use at least " + MIN_TOKEN_LENGTH + " random ones (openssl rand "
            + "-hex 32)");
        token = null;
      }
      String name = entry.containsKey("name") ? text(entry.get("name"), field + ".name")
          : "token " + (i + 1);
      Set<Role> roles = roles(entry, item, field);
      Tenant tenant = tenant(entry, field);
      if (token == null || name == null || roles == null) {
        continue;
      }
      String digest = Credentials.digest(token);
      String earlier = seen.putIfAbsent(digest, field + " (line " + line(item) + ")");
      if (earlier != null) {
        problem(field + ".token", entry.get("token"), "the same token as " + earlier);
        continue;
      }
      tokens.put(digest, new Caller(name, roles, tenant, "token"));
    }
  }

  private void users(Node node, Map<String, Credentials.User> users) {
    List<Node> items = sequence(node, "users");
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; items != null && i < items.size(); i++) {
      String field = "users[" + i + "]";
      Node item = items.get(i);
      Map<String, Node> entry = mapping(item, field, Set.of("name", "password", "roles",
          "tenant"));
      if (entry == null) {
        continue;
      }
      String name = required(entry, item, field, "name");
      if (name != null && name.contains(":")) {
        problem(field + ".name", entry.get("name"), "must not contain ':' (basic "
            + "authentication separates the name from the password with it)");
        name = null;
      }
      String hash = required(entry, item, field, "password");
      if (hash != null && !BCRYPT.matcher(hash).matches()) {
        problem(field + ".password", entry.get("password"), "is not a bcrypt hash ($2a$, $2b$ "
            + "or $2y$, cost, then 53 characters); make one with: htpasswd -nbBC 10 '' "
            + "PASSWORD | cut -d: -f2");
        hash = null;
      }
      Set<Role> roles = roles(entry, item, field);
      Tenant tenant = tenant(entry, field);
      if (name == null || hash == null || roles == null) {
        continue;
      }
      String earlier = seen.putIfAbsent(name, field + " (line " + line(item) + ")");
      if (earlier != null) {
        problem(field + ".name", entry.get("name"), "'" + name + "' is listed twice (also "
            + earlier + ")");
        continue;
      }
      users.put(name, new Credentials.User(hash, new Caller(name, roles, tenant, "basic")));
    }
  }

  private Set<Role> roles(Map<String, Node> entry, Node item, String field) {
    Node node = entry.get("roles");
    if (node == null) {
      problem(field + ".roles", item, "missing; a list of " + Role.labels());
      return null;
    }
    List<Node> values = sequence(node, field + ".roles");
    if (values == null) {
      return null;
    }
    if (values.isEmpty()) {
      problem(field + ".roles", node, "empty; at least one of " + Role.labels());
      return null;
    }
    Set<Role> roles = EnumSet.noneOf(Role.class);
    boolean valid = true;
    for (int j = 0; j < values.size(); j++) {
      String label = text(values.get(j), field + ".roles[" + j + "]");
      Role role = label == null ? null : Role.of(label);
      if (label != null && role == null) {
        problem(field + ".roles[" + j + "]", values.get(j), "unknown role '" + label
            + "'; expected " + Role.labels());
      }
      if (role == null) {
        valid = false;
      } else {
        roles.add(role);
      }
    }
    return valid ? roles : null;
  }

  private Tenant tenant(Map<String, Node> entry, String field) {
    if (!entry.containsKey("tenant")) {
      return null;
    }
    String id = text(entry.get("tenant"), field + ".tenant");
    if (id == null) {
      return null;
    }
    if (!Tenant.isValid(id)) {
      problem(field + ".tenant", entry.get("tenant"), "'" + id + "' is not a tenant ID: 1 to "
          + Tenant.MAX_LENGTH + " letters, digits, '-', '_' or '.'");
      return null;
    }
    return Tenant.of(id);
  }

  private String required(Map<String, Node> fields, Node parent, String field, String name) {
    if (!fields.containsKey(name)) {
      problem(field + "." + name, parent, "missing");
      return null;
    }
    return text(fields.get(name), field + "." + name);
  }

  private String text(Node node, String field) {
    if (!(node instanceof ScalarNode scalar)) {
      problem(field, node, "expected a value, found " + describe(node));
      return null;
    }
    if (scalar.getValue().isEmpty()) {
      problem(field, node, "empty");
      return null;
    }
    return scalar.getValue();
  }

  private Map<String, Node> mapping(Node node, String field, Set<String> allowed) {
    if (!(node instanceof MappingNode mapping)) {
      problem(field, node, "expected a mapping of " + String.join(", ", new TreeSet<>(allowed))
          + ", found " + describe(node));
      return null;
    }
    Map<String, Node> fields = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      String key = tuple.getKeyNode() instanceof ScalarNode scalar ? scalar.getValue() : "?";
      String name = field.equals("the document") ? key : field + "." + key;
      if (!allowed.contains(key)) {
        problem(name, tuple.getKeyNode(), "unknown field; expected "
            + String.join(", ", new TreeSet<>(allowed)));
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

  /** What a node is, never what it says (it may be a token). */
  private static String describe(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    return node == null ? "nothing" : "a value";
  }

  private static int line(Node node) {
    return node.getStartMark().getLine() + 1;
  }

  private void problem(String field, Node node, String message) {
    problems.add(field + ": " + message + (node == null ? "" : " (line " + line(node) + ")"));
  }
}
