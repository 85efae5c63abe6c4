package io.meshtrace.collector.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The tokens and users of a credentials file. Tokens are held only as their SHA-256: a presented
 * token is hashed and looked up, so that checking it takes the same time whichever token it
 * resembles and however many there are (no comparison per token that could stop early), and
 * the tokens themselves are not kept in memory. Nothing here prints a token, hash or password.
 */
public final class Credentials {
  /** No credentials at all: every protected request is refused. */
  public static final Credentials NONE = new Credentials(Map.of(), Map.of());

  /**
   * A user of the file.
   *
   * @param passwordHash the bcrypt hash; not in {@link #toString()}
   */
  public record User(String passwordHash, Caller caller) {
    @Override
    public String toString() {
      return "User[" + caller + "]";
    }
  }

  private final Map<String, Caller> tokensByDigest;
  private final Map<String, User> users;

  Credentials(Map<String, Caller> tokensByDigest, Map<String, User> users) {
    this.tokensByDigest = Map.copyOf(tokensByDigest);
    this.users = Map.copyOf(users);
  }

  /** Who a presented bearer token belongs to, or null. */
  public Caller token(String presented) {
    return tokensByDigest.get(digest(presented));
  }

  /** The user of that name, or null. */
  public User user(String name) {
    return users.get(name);
  }

  public int tokens() {
    return tokensByDigest.size();
  }

  public int users() {
    return users.size();
  }

  /** SHA-256 of a token's UTF-8, in hex: the key tokens are stored and looked up under. */
  static String digest(String token) {
    return HexFormat.of().formatHex(sha256(token.getBytes(StandardCharsets.UTF_8)));
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "Credentials[" + tokens() + " tokens, " + users() + " users]";
  }
}
