package io.meshtrace.collector.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.meshtrace.collector.config.AuthConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bearer JWTs against a provider played by a real local HTTP server (discovery document and JWK
 * Set), tokens signed with keys made by the test: RS256 and ES256 accepted with their roles and
 * tenant; expired, early, wrong issuer, wrong audience, bad signature, HS256 refused; a key
 * rotation is picked up by fetching the set again, at most once per interval.
 */
class OidcAuthTest {
  static final String AUDIENCE = "meshtrace-ui";

  private final Vertx provider = Vertx.vertx();
  private final List<JWK> published = new CopyOnWriteArrayList<>();
  private final AtomicInteger jwksFetches = new AtomicInteger();
  private HttpServer providerServer;
  private String issuer;
  private RSAKey rsa;
  private ECKey ec;
  private GuardedEcho echo;

  @BeforeEach
  void startProvider() throws Exception {
    rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    published.add(rsa.toPublicJWK());
    published.add(ec.toPublicJWK());
    providerServer = provider.createHttpServer().requestHandler(request -> {
      if (request.path().equals("/.well-known/openid-configuration")) {
        request.response().putHeader("content-type", "application/json").end(new JsonObject()
            .put("issuer", issuer).put("jwks_uri", issuer + "/keys").encode());
      } else if (request.path().equals("/keys")) {
        jwksFetches.incrementAndGet();
        request.response().putHeader("content-type", "application/json")
            .end(new JWKSet(List.copyOf(published)).toString());
      } else {
        request.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").await(30, TimeUnit.SECONDS);
    issuer = "http://127.0.0.1:" + providerServer.actualPort();
  }

  void startGuard(Duration refetchInterval) throws Exception {
    // No --oidc-jwks-url: the key set's address comes from the discovery document.
    echo = new GuardedEcho("query", new AuthConfig(null, false, issuer, AUDIENCE, null,
        "realm_access.roles", "org", Duration.ofSeconds(30), refetchInterval, 1000,
        Duration.ofMinutes(1)));
  }

  @AfterEach
  void stop() {
    if (echo != null) {
      echo.close();
    }
    provider.close().await();
  }

  JWTClaimsSet.Builder claims() {
    long now = System.currentTimeMillis();
    return new JWTClaimsSet.Builder().issuer(issuer).audience(List.of(AUDIENCE, "other"))
        .subject("u-123").claim("preferred_username", "carol")
        .claim("realm_access", Map.of("roles", List.of("read", "offline_access")))
        .claim("org", "team-c")
        .issueTime(new Date(now)).expirationTime(new Date(now + 300_000));
  }

  static String sign(JWSSigner signer, JWSAlgorithm algorithm, String kid, JWTClaimsSet claims)
      throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(kid).build(), claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  String rs256(JWTClaimsSet claims) throws Exception {
    return sign(new RSASSASigner(rsa), JWSAlgorithm.RS256, rsa.getKeyID(), claims);
  }

  GuardedEcho.Echo get(String path, String token) throws Exception {
    return echo.send(HttpVersion.HTTP_1_1, HttpMethod.GET, path, token == null ? Map.of()
        : Map.of("authorization", "Bearer " + token, "x-scope-orgid", "team-z"), null);
  }

  @Test
  void validTokensAreAcceptedWithTheirRolesAndTenant() throws Exception {
    startGuard(Duration.ofSeconds(30));
    GuardedEcho.Echo rs = get("/api/services", rs256(claims().build()));
    assertThat(rs.status()).isEqualTo(200);
    assertThat(rs.tenant()).isEqualTo("team-c");
    String es = sign(new ECDSASigner(ec), JWSAlgorithm.ES256, ec.getKeyID(), claims().build());
    assertThat(get("/api/services", es).status()).isEqualTo(200);
    GuardedEcho.Echo me = get("/api/me", es);
    assertThat(me.body()).contains("\"name\":\"carol\"").contains("\"roles\":[\"read\"]")
        .contains("\"tenant\":\"team-c\"").contains("\"scheme\":\"oidc\"");
    // Authenticated, but the token's roles do not include admin.
    assertThat(get("/api/sampling/history", es).status()).isEqualTo(403);
    // Within the clock skew (30s) of exp and nbf.
    long now = System.currentTimeMillis();
    assertThat(get("/api/services", rs256(claims().expirationTime(new Date(now - 10_000))
        .build())).status()).isEqualTo(200);
    assertThat(get("/api/services", rs256(claims().notBeforeTime(new Date(now + 10_000))
        .build())).status()).isEqualTo(200);
  }

  @Test
  void invalidTokensAreRefused() throws Exception {
    startGuard(Duration.ofSeconds(30));
    long now = System.currentTimeMillis();
    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put("expired", rs256(claims().expirationTime(new Date(now - 120_000)).build()));
    cases.put("not yet valid", rs256(claims().notBeforeTime(new Date(now + 120_000)).build()));
    cases.put("no expiry", rs256(claims().expirationTime(null).build()));
    cases.put("wrong issuer", rs256(claims().issuer("https://evil.example").build()));
    cases.put("wrong audience", rs256(claims().audience("another-app").build()));
    RSAKey impostor = new RSAKeyGenerator(2048).keyID(rsa.getKeyID()).generate();
    cases.put("bad signature", sign(new RSASSASigner(impostor), JWSAlgorithm.RS256,
        rsa.getKeyID(), claims().build()));
    cases.put("HS256", sign(new MACSigner(new byte[32]), JWSAlgorithm.HS256, rsa.getKeyID(),
        claims().build()));
    cases.put("not a JWT", "abc.def.ghi");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      GuardedEcho.Echo answer = get("/api/services", c.getValue());
      assertThat(answer.status()).as(c.getKey()).isEqualTo(401);
      assertThat(answer.headers().get("WWW-Authenticate")).as(c.getKey())
          .isEqualTo("Bearer realm=\"meshtrace\"");
    }
    assertThat(get("/api/services", rs256(claims().claim("org", "not a tenant!").build()))
        .status()).isEqualTo(401);
  }

  @Test
  void anUnknownKeyIdFetchesTheKeysAgainAtMostOncePerInterval() throws Exception {
    startGuard(Duration.ofSeconds(1));
    assertThat(get("/api/services", rs256(claims().build())).status()).isEqualTo(200);
    int fetches = jwksFetches.get();
    assertThat(fetches).isEqualTo(1);
    // The provider rotates: a new key, published after meshtrace cached the set.
    RSAKey rotated = new RSAKeyGenerator(2048).keyID("rsa-2").generate();
    published.add(rotated.toPublicJWK());
    Thread.sleep(1100);
    String signedWithNew = sign(new RSASSASigner(rotated), JWSAlgorithm.RS256, "rsa-2",
        claims().build());
    assertThat(get("/api/services", signedWithNew).status()).isEqualTo(200);
    assertThat(jwksFetches.get()).isEqualTo(fetches + 1);
    // Made-up key IDs in a burst: at most one more fetch within the interval.
    RSAKey unknown = new RSAKeyGenerator(2048).keyID("nope").generate();
    for (int i = 0; i < 20; i++) {
      assertThat(get("/api/services", sign(new RSASSASigner(unknown), JWSAlgorithm.RS256,
          "nope-" + i, claims().build())).status()).isEqualTo(401);
    }
    assertThat(jwksFetches.get()).isLessThanOrEqualTo(fetches + 2);
  }
}
