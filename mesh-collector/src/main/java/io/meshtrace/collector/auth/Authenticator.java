package io.meshtrace.collector.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Base64;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Who an {@code Authorization} header says the caller is: {@code Bearer} with a token of the
 * credentials file (or the {@code --admin-token}), else, where OIDC is configured, a JWT of its
 * provider; {@code Basic} with a user of the file and their password. Tokens are looked up by
 * their SHA-256 ({@link Credentials}); passwords go through bcrypt on a worker
 * ({@link PasswordVerifier}); nothing presented is ever logged or put in a message.
 */
public final class Authenticator {
  private static final Caller ADMIN_TOKEN_CALLER = new Caller("admin-token", Set.of(Role.ADMIN),
      null, "token");

  private final Supplier<Credentials> credentials;
  /** SHA-256 of the --admin-token, hex, or null. */
  private final byte[] adminToken;
  private final PasswordVerifier passwords;
  private final OidcTokenVerifier oidc;

  /**
   * @param credentials the credentials in force (the followed file's current ones)
   * @param adminToken the {@code --admin-token}, which keeps working as a token with role
   *     admin; null for none
   * @param oidc null when OIDC is off
   */
  private Authenticator(Supplier<Credentials> credentials, String adminToken,
      PasswordVerifier passwords, OidcTokenVerifier oidc) {
    this.credentials = credentials;
    this.adminToken = adminToken == null || adminToken.isEmpty() ? null
        : Credentials.digest(adminToken).getBytes(StandardCharsets.US_ASCII);
    this.passwords = passwords;
    this.oidc = oidc;
  }

  /**
   * @param oidc null when OIDC is off
   */
  public static Authenticator create(Vertx vertx, Supplier<Credentials> credentials,
      String adminToken, OidcTokenVerifier.Settings oidc, Clock clock) {
    return new Authenticator(credentials, adminToken, new PasswordVerifier(vertx, clock),
        oidc == null ? null : new OidcTokenVerifier(vertx, oidc, clock));
  }

  /** Whether basic authentication is accepted at all (there is a credentials file). */
  boolean acceptsBasic() {
    return credentials.get().users() > 0;
  }

  /** Starts what needs starting: the first fetch of the OIDC keys (never fatal). */
  public Future<Void> start() {
    return oidc == null ? Future.succeededFuture() : oidc.start();
  }

  public Future<Void> close() {
    Future<Void> closed = passwords.close();
    return oidc == null ? closed : closed.eventually(oidc::close);
  }

  /**
   * The caller of a request.
   *
   * @param authorization the header, or null
   * @return completes at once unless a password must go through bcrypt or OIDC keys must be
   *     fetched; fails with an {@link AuthenticationFailedException}
   */
  Future<Caller> authenticate(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      return refuse(Refusal.missing("credentials are required"));
    }
    int space = authorization.indexOf(' ');
    String scheme = space < 0 ? authorization : authorization.substring(0, space);
    String value = space < 0 ? "" : authorization.substring(space + 1).trim();
    if (scheme.equalsIgnoreCase("Bearer")) {
      return bearer(value);
    }
    if (scheme.equalsIgnoreCase("Basic")) {
      return basic(value);
    }
    return refuse(Refusal.missing("the Authorization scheme is not Bearer or Basic"));
  }

  private Future<Caller> bearer(String token) {
    if (token.isEmpty()) {
      return refuse(Refusal.missing("the bearer token is empty"));
    }
    Caller known = credentials.get().token(token);
    if (known == null && adminToken != null && MessageDigest.isEqual(
        Credentials.digest(token).getBytes(StandardCharsets.US_ASCII), adminToken)) {
      known = ADMIN_TOKEN_CALLER;
    }
    if (known != null) {
      return Future.succeededFuture(known);
    }
    if (oidc != null && OidcTokenVerifier.looksLikeJwt(token)) {
      return oidc.verify(token);
    }
    return refuse(Refusal.invalid("the bearer token is not known"));
  }

  private Future<Caller> basic(String encoded) {
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return refuse(Refusal.invalid("the basic credentials are not base64"));
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      return refuse(Refusal.invalid("the basic credentials are not user:password"));
    }
    String name = decoded.substring(0, colon);
    String password = decoded.substring(colon + 1);
    Credentials.User user = credentials.get().user(name);
    return passwords.verify(name, password, user).compose(matches -> matches
        ? Future.succeededFuture(user.caller())
        : refuse(Refusal.invalid("the user name or password is not right")));
  }

  private static Future<Caller> refuse(Refusal refusal) {
    return Future.failedFuture(new AuthenticationFailedException(refusal));
  }
}
