package io.meshtrace.collector.tenant;

import io.meshtrace.tenant.Tenant;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;

/**
 * In front of a listener with tenancy on: a request that needs a tenant (span intake, a query;
 * not health, metrics, remote sampling or the UI's pages) and does not name a valid one in the
 * tenant header is answered here, before any receiver or query API sees it: HTTP 401 {@code
 * missing tenant header x-scope-orgid} (as Jaeger's tenancy answers; Tempo's "no org id"), 400
 * for a value that is no tenant; over gRPC a trailers-only answer, UNAUTHENTICATED or
 * INVALID_ARGUMENT with the same message. Browsers' CORS preflights (OPTIONS) carry no custom
 * header and no data, and pass.
 *
 * <p>A guard that resolves credentials runs in front of this one and, for a credential bound to
 * a tenant, overwrites the header with that tenant: this guard then checks what it wrote.
 */
public final class TenantGuard implements Handler<HttpServerRequest> {
  private static final int GRPC_INVALID_ARGUMENT = 3;
  private static final int GRPC_UNAUTHENTICATED = 16;

  private final String header;
  private final Predicate<HttpServerRequest> needsTenant;
  private final Handler<HttpServerRequest> next;

  /**
   * @param header the tenant header's name, lower case
   * @param needsTenant which of the listener's requests act for a tenant
   * @param next the listener's handler
   */
  public TenantGuard(String header, Predicate<HttpServerRequest> needsTenant,
      Handler<HttpServerRequest> next) {
    this.header = header;
    this.needsTenant = needsTenant;
    this.next = next;
  }

  @Override
  public void handle(HttpServerRequest request) {
    if (request.method() == HttpMethod.OPTIONS || !needsTenant.test(request)) {
      next.handle(request);
      return;
    }
    String id = request.getHeader(header);
    if (id == null || id.isEmpty()) {
      refuse(request, 401, GRPC_UNAUTHENTICATED, "missing tenant header " + header);
    } else if (!Tenant.isValid(id)) {
      refuse(request, 400, GRPC_INVALID_ARGUMENT, "invalid tenant in header " + header
          + ": use 1 to " + Tenant.MAX_LENGTH + " letters, digits, '-', '_' or '.'");
    } else {
      next.handle(request);
    }
  }

  private static void refuse(HttpServerRequest request, int httpStatus, int grpcStatus,
      String message) {
    HttpServerResponse response = request.response();
    String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (contentType != null && contentType.startsWith("application/grpc")) {
      // Trailers-only: the status in the one HEADERS frame that ends the stream.
      response.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, contentType)
          .putHeader("grpc-status", Integer.toString(grpcStatus))
          .putHeader("grpc-message", percentEncoded(message))
          .end();
      return;
    }
    if (request.version() != HttpVersion.HTTP_2 && hasBody(request)) {
      // The body is not read: the connection cannot carry another request.
      response.putHeader(HttpHeaders.CONNECTION, "close");
    }
    response.setStatusCode(httpStatus)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Cache-Control", "no-store")
        .end(message + "\n");
  }

  private static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return !request.isEnded() && ((length != null && !length.equals("0"))
        || request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null);
  }

  /** gRPC's percent-encoding of grpc-message (spaces may stay, as in grpc-java). */
  private static String percentEncoded(String message) {
    return URLEncoder.encode(message, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
