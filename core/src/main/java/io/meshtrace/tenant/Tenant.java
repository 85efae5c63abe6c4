package io.meshtrace.tenant;

import java.util.regex.Pattern;

/**
 * A tenant's ID, as a credential names it or the tenant header carries it (Grafana Tempo's and
 * Mimir's {@code X-Scope-OrgID}, Jaeger's tenant header).
 *
 * @param id letters, digits and {@code - _ .}, at most {@value #MAX_LENGTH} characters; empty
 *     only for {@link #DEFAULT}
 */
public record Tenant(String id) {
  public static final int MAX_LENGTH = 64;
  /** What every request acts for when tenancy is off. */
  public static final Tenant DEFAULT = new Tenant("");

  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_.-]{1," + MAX_LENGTH + "}");

  public Tenant {
    if (id == null || (!id.isEmpty() && !VALID.matcher(id).matches())) {
      throw new IllegalArgumentException(describeInvalid(id));
    }
  }

  /** A tenant from outside (a header, a credential file, a token's claim), checked. */
  public static Tenant of(String id) {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("a tenant must not be empty");
    }
    return new Tenant(id);
  }

  public static boolean isValid(String id) {
    return id != null && VALID.matcher(id).matches();
  }

  public boolean isDefault() {
    return id.isEmpty();
  }

  private static String describeInvalid(String id) {
    return "invalid tenant " + (id == null ? "null" : "'" + id + "'") + ": use 1 to "
        + MAX_LENGTH + " letters, digits, '-', '_' or '.'";
  }

  @Override
  public String toString() {
    return isDefault() ? "(default tenant)" : id;
  }
}
