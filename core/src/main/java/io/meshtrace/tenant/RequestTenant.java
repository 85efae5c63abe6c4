package io.meshtrace.tenant;

import io.vertx.core.http.HttpServerRequest;

/**
 * The tenant a request acts for. Receivers and query APIs ask it; they never read a tenant
 * header themselves, so that a request cannot name a tenant its credential is not bound to.
 * When a listener's guard lets a request through, its tenant is settled: {@link #of} does not
 * fail.
 */
@FunctionalInterface
public interface RequestTenant {
  /** Tenancy off: every request acts for the default tenant. */
  RequestTenant NONE = request -> Tenant.DEFAULT;

  Tenant of(HttpServerRequest request);
}
