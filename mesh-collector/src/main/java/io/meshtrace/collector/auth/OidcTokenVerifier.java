package io.meshtrace.collector.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.meshtrace.tenant.Tenant;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Bearer JWTs of an OpenID Connect provider: signed with RS256 or ES256 by a key of the
 * provider's JWK Set ({@link SigningKeys}), issued by the configured issuer for the configured
 * audience, within {@code exp} and {@code nbf} give or take the clock skew. The roles come from
 * a configurable claim (names other than read, write, admin are ignored: providers put many
 * roles in tokens), the tenant from another. Signature checks with a public key take
 * microseconds, so they run where the request is.
 */
final class OidcTokenVerifier {
  /** What a provider's settings say. */
  record Settings(String issuer, String audience, String jwksUrl, String rolesClaim,
      String tenantClaim, Duration clockSkew, Duration refetchInterval) {}

  private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256,
      JWSAlgorithm.ES256);

  private final Settings settings;
  private final Clock clock;
  private final SigningKeys keys;

  OidcTokenVerifier(Vertx vertx, Settings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.keys = new SigningKeys(vertx, settings.issuer(), settings.jwksUrl(),
        settings.refetchInterval(), clock);
  }

  /** Whether a bearer token has a JWT's shape (three dot-separated parts), unlike a plain one. */
  static boolean looksLikeJwt(String token) {
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    return first > 0 && second > first + 1 && token.indexOf('.', second + 1) < 0
        && second < token.length() - 1;
  }

  /** Fetches the keys once at start-up; a provider that is down is not fatal (logged). */
  Future<Void> start() {
    return keys.fetch().<Void>mapEmpty().otherwiseEmpty();
  }

  Future<Void> close() {
    return keys.close();
  }

  /**
   * The caller a JWT says, once verified.
   *
   * @return fails with an {@link AuthenticationFailedException} saying what is wrong
   */
  Future<Caller> verify(String token) {
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(token);
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      return refuse("the bearer token is not a valid JWT");
    }
    JWSAlgorithm algorithm = jwt.getHeader().getAlgorithm();
    if (!ALGORITHMS.contains(algorithm)) {
      return refuse("the JWT is signed with " + algorithm + "; accepted are RS256 and ES256");
    }
    String kid = jwt.getHeader().getKeyID();
    Future<JWK> key = kid != null ? keys.key(kid) : Future.succeededFuture(onlyKey(algorithm));
    return key.compose(jwk -> {
      if (jwk == null) {
        return refuse(kid == null ? "the JWT names no key (kid) and the provider has several"
            : "the JWT is signed with a key the provider does not list (kid " + kid + ")");
      }
      if (!verifies(jwt, jwk, algorithm)) {
        return refuse("the JWT's signature does not verify");
      }
      String problem = checkClaims(claims);
      if (problem != null) {
        return refuse(problem);
      }
      return caller(claims);
    });
  }

  private JWK onlyKey(JWSAlgorithm algorithm) {
    List<JWK> candidates = keys.cached().stream()
        .filter(jwk -> algorithm == JWSAlgorithm.RS256 ? jwk instanceof RSAKey
            : jwk instanceof ECKey)
        .toList();
    return candidates.size() == 1 ? candidates.get(0) : null;
  }

  private static boolean verifies(SignedJWT jwt, JWK jwk, JWSAlgorithm algorithm) {
    if (jwk.getAlgorithm() != null && !jwk.getAlgorithm().equals(algorithm)) {
      return false;
    }
    try {
      JWSVerifier verifier;
      if (algorithm == JWSAlgorithm.RS256 && jwk instanceof RSAKey rsa) {
        verifier = new RSASSAVerifier(rsa);
      } else if (algorithm == JWSAlgorithm.ES256 && jwk instanceof ECKey ec
          && Curve.P_256.equals(ec.getCurve())) {
        verifier = new ECDSAVerifier(ec);
      } else {
        return false;
      }
      return jwt.verify(verifier);
    } catch (JOSEException e) {
      return false;
    }
  }

  /** The problem with the claims, or null. */
  private String checkClaims(JWTClaimsSet claims) {
    if (!settings.issuer().equals(claims.getIssuer())) {
      return "the JWT's issuer is not " + settings.issuer();
    }
    List<String> audience = claims.getAudience();
    if (audience == null || !audience.contains(settings.audience())) {
      return "the JWT is not for audience " + settings.audience();
    }
    long now = clock.millis();
    long skew = settings.clockSkew().toMillis();
    Date expiry = claims.getExpirationTime();
    if (expiry == null) {
      return "the JWT has no expiry (exp)";
    }
    if (now > expiry.getTime() + skew) {
      return "the JWT has expired";
    }
    Date notBefore = claims.getNotBeforeTime();
    if (notBefore != null && now + skew < notBefore.getTime()) {
      return "the JWT is not valid yet (nbf)";
    }
    return null;
  }

  private Future<Caller> caller(JWTClaimsSet claims) {
    Set<Role> roles = EnumSet.noneOf(Role.class);
    Object rolesClaim = claim(claims.getClaims(), settings.rolesClaim());
    if (rolesClaim instanceof List<?> list) {
      list.forEach(value -> addRole(roles, value));
    } else if (rolesClaim instanceof String text) {
      for (String label : text.split("[\\s,]+")) {
        addRole(roles, label);
      }
    }
    Tenant tenant = null;
    if (settings.tenantClaim() != null) {
      Object value = claim(claims.getClaims(), settings.tenantClaim());
      if (value != null) {
        if (!(value instanceof String id) || !Tenant.isValid(id)) {
          return refuse("the JWT's " + settings.tenantClaim() + " claim is not a tenant ID");
        }
        tenant = Tenant.of(id);
      }
    }
    Object username = claims.getClaim("preferred_username");
    String name = username instanceof String text && !text.isEmpty() ? text
        : claims.getSubject() != null ? claims.getSubject() : "(no subject)";
    return Future.succeededFuture(new Caller(name, roles, tenant, "oidc"));
  }

  private static void addRole(Set<Role> roles, Object value) {
    Role role = value instanceof String label ? Role.of(label) : null;
    if (role != null) {
      roles.add(role);
    }
  }

  /** A claim by its name, else by a dotted path into nested objects (realm_access.roles). */
  private static Object claim(Map<String, Object> claims, String path) {
    if (claims.containsKey(path)) {
      return claims.get(path); // namespaced claims are URLs, dots and all
    }
    Object current = claims;
    for (String part : path.split("\\.")) {
      if (!(current instanceof Map<?, ?> map)) {
        return null;
      }
      current = map.get(part);
    }
    return current;
  }

  private static <T> Future<T> refuse(String message) {
    return Future.failedFuture(new AuthenticationFailedException(Refusal.invalid(message)));
  }
}
