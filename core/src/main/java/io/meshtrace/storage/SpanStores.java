package io.meshtrace.storage;

import io.meshtrace.tenant.Tenant;

/**
 * Where the query APIs get a {@link SpanStore}: one per tenant, every read of which sees that
 * tenant's spans only. An API asks for the store of each request's tenant, so no read can forget
 * to filter by it.
 */
@FunctionalInterface
public interface SpanStores {
  /** The store that reads the tenant's spans, and nothing of any other tenant. */
  SpanStore forTenant(Tenant tenant);

  /**
   * A store that holds the default tenant's spans only (tenancy off, tests): asked for any other
   * tenant, it refuses rather than answering with data that is not that tenant's.
   */
  static SpanStores ofDefaultTenant(SpanStore store) {
    return tenant -> {
      if (!tenant.isDefault()) {
        throw new IllegalArgumentException("this store holds the default tenant only, not "
            + tenant);
      }
      return store;
    };
  }
}
