package io.meshtrace.collector.auth;

import io.meshtrace.collector.config.AuthConfig;
import io.meshtrace.lifecycle.Component;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.time.Clock;
import java.time.Duration;

/**
 * Authentication for a process: the followed credentials file, OIDC, the failure limiter, and a
 * {@link #guard} for each listener. Started before any listener, so that the first request is
 * checked against the file's content; with neither a file nor OIDC configured, guards hand
 * every request on untouched.
 */
public final class Authentication implements Component {
  private final AuthConfig config;
  private final FollowedCredentials file;
  private final Authenticator authenticator;
  private final FailureLimiter limiter;
  private final AuthObserver observer;

  /**
   * @param adminToken the sampling admin API's {@code --admin-token}, accepted as a token with
   *     role admin; null for none
   * @param reloadInterval how often the credentials file is re-read besides its file watch
   */
  public Authentication(Vertx vertx, AuthConfig config, String adminToken,
      Duration reloadInterval, AuthObserver observer) {
    this.config = config;
    this.observer = observer;
    this.file = config.file() == null ? null
        : new FollowedCredentials(vertx, config.file(), reloadInterval, observer);
    // Nothing to check without a file or OIDC: no bcrypt pool, no HTTP client.
    this.authenticator = !config.enabled() ? null : Authenticator.create(vertx,
        file == null ? () -> Credentials.NONE : file::current, adminToken,
        config.oidc() ? new OidcTokenVerifier.Settings(config.oidcIssuer(),
            config.oidcAudience(), config.oidcJwksUrl(), config.oidcRolesClaim(),
            config.oidcTenantClaim(), config.oidcClockSkew(), config.oidcJwksRefetchInterval())
            : null, Clock.systemUTC());
    this.limiter = new FailureLimiter(config.maxFailures(), config.failureWindow(),
        Clock.systemUTC());
  }

  @Override
  public String name() {
    return "authentication";
  }

  /**
   * Loads the credentials file (an unusable one fails with an UnusableFileException) and
   * fetches the OIDC keys once (a provider that is down is logged, not fatal: keys are fetched
   * again when a token needs them).
   */
  @Override
  public Future<Void> start() {
    if (authenticator == null) {
      return Future.succeededFuture();
    }
    Future<Void> loaded = file == null ? Future.succeededFuture() : file.start();
    return loaded.compose(v -> authenticator.start());
  }

  @Override
  public Future<Void> stop() {
    Future<Void> closed = authenticator == null ? Future.succeededFuture()
        : authenticator.close();
    return file == null ? closed : closed.eventually(file::stop);
  }

  /**
   * The handler that checks a listener's requests before {@code next} sees them.
   *
   * @param listener the listener's {@code --ports-file} name, which decides its rules
   * @param tenantHeader the header a tenant-bound caller's tenant is written to
   */
  public Handler<HttpServerRequest> guard(String listener, Handler<HttpServerRequest> next,
      String tenantHeader) {
    observer.listenerGuarded(listener);
    return new AuthGuard(listener, EndpointAccess.forListener(listener), next, this,
        tenantHeader);
  }

  /** Whether anything is protected: a credentials file or OIDC. */
  boolean enabled() {
    return config.enabled();
  }

  boolean ingest() {
    return config.ingest();
  }

  Authenticator authenticator() {
    return authenticator;
  }

  FailureLimiter limiter() {
    return limiter;
  }

  AuthObserver observer() {
    return observer;
  }
}
