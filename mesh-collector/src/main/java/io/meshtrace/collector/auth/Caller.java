package io.meshtrace.collector.auth;

import io.meshtrace.tenant.Tenant;
import java.util.Set;

/**
 * Who a request authenticated as. Holds no secret, so it may be logged and shown.
 *
 * @param name the token's or user's name in the credentials file, or the JWT's
 *     {@code preferred_username} (else {@code sub})
 * @param roles what it may do
 * @param tenant the tenant it is bound to, which wins over the tenant header; null when unbound
 * @param scheme how it authenticated: {@code token}, {@code basic} or {@code oidc}
 */
public record Caller(String name, Set<Role> roles, Tenant tenant, String scheme) {
  public Caller {
    roles = Set.copyOf(roles);
  }

  public boolean has(Role role) {
    return roles.contains(role);
  }
}
