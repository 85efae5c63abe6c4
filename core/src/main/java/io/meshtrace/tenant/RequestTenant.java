package io.meshtrace.tenant;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.grpc.server.GrpcServerRequest;

/**
 * The tenant a request acts for. Receivers and query APIs ask it; they never read a tenant
 * header themselves, so that a request cannot name a tenant its credential is not bound to.
 * When a listener's guard lets a request through, its tenant is settled: {@link #of} does not
 * fail.
 */
@FunctionalInterface
public interface RequestTenant {
  /** Tenancy off: every request acts for the default tenant. */
  RequestTenant NONE = new RequestTenant() {
    @Override
    public Tenant of(HttpServerRequest request) {
      return Tenant.DEFAULT;
    }

    @Override
    public Tenant of(GrpcServerRequest<?, ?> call) {
      return Tenant.DEFAULT;
    }
  };

  Tenant of(HttpServerRequest request);

  /**
   * The tenant of a gRPC call. Vert.x's {@code GrpcServerRequest} does not expose the HTTP/2
   * request it came in, but its headers are that request's, as the listener's guards left them;
   * an implementation that reads headers answers from them as it does for the request.
   */
  default Tenant of(GrpcServerRequest<?, ?> call) {
    throw new UnsupportedOperationException(getClass().getName()
        + " cannot tell the tenant of a gRPC call");
  }
}
