package io.meshtrace.collector.tenant;

import io.meshtrace.tenant.RequestTenant;
import io.meshtrace.tenant.Tenant;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.grpc.server.GrpcServerRequest;

/**
 * A request's tenant as the tenant header names it, with tenancy on. The listener's {@link
 * TenantGuard} has refused every request without a valid one before a receiver or query API
 * asks, and a credential bound to a tenant has overwritten the header before that guard ran,
 * so the header is settled here.
 */
public final class HeaderTenant implements RequestTenant {
  private final String header;

  /** @param header the header's name, lower case (HTTP/2 and gRPC carry names so) */
  public HeaderTenant(String header) {
    this.header = header;
  }

  public String header() {
    return header;
  }

  @Override
  public Tenant of(HttpServerRequest request) {
    return of(request.headers());
  }

  @Override
  public Tenant of(GrpcServerRequest<?, ?> call) {
    return of(call.headers());
  }

  /** @throws IllegalArgumentException when the header is missing or names no valid tenant */
  private Tenant of(MultiMap headers) {
    String id = headers.get(header);
    if (id == null) {
      throw new IllegalArgumentException("missing tenant header " + header);
    }
    return Tenant.of(id);
  }
}
