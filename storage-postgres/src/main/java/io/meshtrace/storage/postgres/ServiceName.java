package io.meshtrace.storage.postgres;

/**
 * A service as the {@code services} dictionary keys it: a name is one per tenant.
 *
 * @param tenant the tenant's ID, {@code ""} for the default tenant
 */
record ServiceName(String tenant, String name) {
  /**
   * One string for maps keyed by text (the attribute splitter's services): the name alone for
   * the default tenant, as before tenants; else tenant and name around a NUL, which a stored name
   * never holds ({@link SpanRowMapper#cleanName}).
   */
  String key() {
    return tenant.isEmpty() ? name : tenant + '\0' + name;
  }
}
