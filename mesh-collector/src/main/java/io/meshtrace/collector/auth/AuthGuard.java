package io.meshtrace.collector.auth;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener's gate, before its router or gRPC server sees a request: which {@link Access} the
 * endpoint asks for ({@link EndpointAccess}), who the caller is ({@link Authenticator}), whether
 * it has the role; refusals are answered here (401, 403, 429, or their gRPC statuses), and
 * counted. A caller bound to a tenant has the tenant header overwritten with its tenant before
 * the request is handed on, so that whatever reads the header later acts for the credential's
 * tenant, never for one the client named.
 *
 * <p>When the decision has to wait (bcrypt on a worker, a fetch of the OIDC keys), the request
 * is paused so that no byte of its body is lost, and resumed on its own context right before it
 * is handed on: resuming only schedules the delivery of what was buffered, so the handler it is
 * handed to has set its body handlers by then (and may pause it again itself).
 */
final class AuthGuard implements Handler<HttpServerRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(AuthGuard.class);
  static final String WHO_AM_I = "/api/me";

  private final String listener;
  private final EndpointAccess rules;
  private final Handler<HttpServerRequest> next;
  private final Authentication authentication;
  private final String tenantHeader;
  private final boolean answersWhoAmI;

  AuthGuard(String listener, EndpointAccess rules, Handler<HttpServerRequest> next,
      Authentication authentication, String tenantHeader) {
    this.listener = listener;
    this.rules = rules;
    this.next = next;
    this.authentication = authentication;
    this.tenantHeader = tenantHeader;
    this.answersWhoAmI = listener.equals("query");
  }

  @Override
  public void handle(HttpServerRequest request) {
    String path = EndpointAccess.normalize(request.path());
    boolean whoAmI = answersWhoAmI && path.equals(WHO_AM_I) && request.method() == HttpMethod.GET;
    if (!authentication.enabled()) {
      if (whoAmI) {
        Answers.authenticationOff(request);
      } else {
        next.handle(request);
      }
      return;
    }
    Access access = rules.of(request.method(), path);
    if (access == Access.OPEN || (access == Access.INGEST && !authentication.ingest())) {
      next.handle(request);
      return;
    }
    String client = clientOf(request);
    long retryAfter = authentication.limiter().retryAfterSeconds(client);
    if (retryAfter > 0) {
      refuse(request, new Refusal(Refusal.Reason.RATE_LIMITED, "too many failed "
          + "authentications from this address; try again in " + retryAfter + " s"), retryAfter,
          false);
      return;
    }
    Future<Caller> caller = authentication.authenticator().authenticate(
        request.getHeader("Authorization"));
    if (caller.isComplete()) {
      decide(request, access, whoAmI, client, caller, false);
      return;
    }
    request.pause();
    Context context = Vertx.currentContext();
    caller.onComplete(outcome -> context.runOnContext(v ->
        decide(request, access, whoAmI, client, outcome, true)));
  }

  private void decide(HttpServerRequest request, Access access, boolean whoAmI, String client,
      AsyncResult<Caller> outcome, boolean paused) {
    if (outcome.failed()) {
      Refusal refusal;
      if (outcome.cause() instanceof AuthenticationFailedException failed) {
        refusal = failed.refusal();
      } else {
        LOG.warn("Authentication failed unexpectedly on the {} listener: {}", listener,
            outcome.cause().toString());
        refusal = Refusal.invalid("the credentials could not be checked");
      }
      if (refusal.reason() == Refusal.Reason.INVALID_CREDENTIALS) {
        authentication.limiter().failed(client);
      }
      refuse(request, refusal, 1, paused);
      return;
    }
    Caller caller = outcome.result();
    if (!caller.has(access.role())) {
      refuse(request, new Refusal(Refusal.Reason.MISSING_ROLE, caller.name() + " lacks role "
          + access.role().label() + ", which " + request.method() + " " + request.path()
          + " needs"), 0, paused);
      return;
    }
    if (caller.tenant() != null) {
      request.headers().set(tenantHeader, caller.tenant().id());
    }
    if (whoAmI) {
      Answers.caller(request, caller);
      if (paused) {
        request.resume();
      }
      return;
    }
    if (paused) {
      request.resume();
    }
    next.handle(request);
  }

  private void refuse(HttpServerRequest request, Refusal refusal, long retryAfter,
      boolean paused) {
    authentication.observer().refused(listener, refusal.reason());
    Answers.refuse(request, refusal, authentication.authenticator().acceptsBasic(), retryAfter);
    if (paused) {
      request.resume(); // the rest of the body is read and dropped, freeing the connection
    }
  }

  private static String clientOf(HttpServerRequest request) {
    SocketAddress address = request.remoteAddress();
    return address == null || address.host() == null ? "unknown" : address.host();
  }
}
