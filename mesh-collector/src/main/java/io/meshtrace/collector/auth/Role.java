package io.meshtrace.collector.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a credential may do. The roles are independent (admin does not imply read): a token for
 * a CI pipeline that changes sampling strategies needs to read no traces.
 */
public enum Role {
  /** The query APIs, the UI's API calls, /metrics, the sampling strategies as served. */
  READ,
  /** Span intake and remote sampling, where --auth-ingest asks for credentials. */
  WRITE,
  /** The sampling admin API's changes and its history. */
  ADMIN;

  /** The name in the credentials file and in tokens: {@code read}, {@code write}, {@code admin}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role of a name, or null when it is none. */
  public static Role of(String label) {
    for (Role role : values()) {
      if (role.label().equals(label)) {
        return role;
      }
    }
    return null;
  }

  /** {@code read, write, admin}, for messages. */
  public static String labels() {
    return Arrays.stream(values()).map(Role::label).collect(Collectors.joining(", "));
  }
}
