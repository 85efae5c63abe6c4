package io.meshtrace.collector.auth;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OIDC provider's signing keys (its JWK Set), fetched with Vert.x's client, so that no
 * event loop ever waits on the provider, and cached. A token signed with a key not in the cache
 * causes a fetch (the provider rotated its keys), at most once per refetch interval so that
 * tokens with made-up key IDs cannot turn meshtrace into a load generator against the
 * provider; requests that need a fetch while one is under way wait for that one.
 *
 * <p>Without a configured JWKS URL the issuer's discovery document
 * ({@code /.well-known/openid-configuration}) names it.
 */
final class SigningKeys {
  private static final Logger LOG = LoggerFactory.getLogger(SigningKeys.class);
  private static final long TIMEOUT_MILLIS = 10_000;
  private static final int MAX_BODY_BYTES = 1 << 20;

  private final HttpClient client;
  private final String issuer;
  private final Duration refetchInterval;
  private final Clock clock;
  private volatile String jwksUrl;
  private volatile JWKSet keys = new JWKSet();
  // Guarded by this.
  private Future<JWKSet> fetching;
  private long lastFetchMillis = Long.MIN_VALUE;

  /** @param jwksUrl null: from the issuer's discovery document */
  SigningKeys(Vertx vertx, String issuer, String jwksUrl, Duration refetchInterval, Clock clock) {
    this.client = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout((int) TIMEOUT_MILLIS).setKeepAlive(true));
    this.issuer = issuer;
    this.jwksUrl = jwksUrl;
    this.refetchInterval = refetchInterval;
    this.clock = clock;
  }

  /**
   * The key of that ID, fetching the set again if it is unknown and the refetch interval
   * allows.
   *
   * @return null when no such key is known
   */
  Future<JWK> key(String kid) {
    JWK known = keys.getKeyByKeyId(kid);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    Future<JWKSet> refreshed = refetch();
    return refreshed == null ? Future.succeededFuture(null)
        : refreshed.map(set -> set.getKeyByKeyId(kid)).otherwise((JWK) null);
  }

  /** The keys cached now (for tokens without a key ID). */
  List<JWK> cached() {
    return keys.getKeys();
  }

  /** Fetches the set now; a failure keeps the keys cached (and is logged). */
  Future<JWKSet> fetch() {
    synchronized (this) {
      if (fetching != null) {
        return fetching;
      }
      lastFetchMillis = clock.millis();
      Promise<JWKSet> done = Promise.promise();
      fetching = done.future();
      url().compose(this::get).map(body -> {
        try {
          return JWKSet.parse(body.toString());
        } catch (java.text.ParseException e) {
          throw new IllegalStateException("not a JWK Set: " + e.getMessage());
        }
      }).onComplete(outcome -> {
        synchronized (this) {
          fetching = null;
        }
        if (outcome.succeeded()) {
          keys = outcome.result();
          LOG.info("OIDC signing keys fetched from {}: {} keys", jwksUrl,
              outcome.result().getKeys().size());
          done.complete(outcome.result());
        } else {
          LOG.warn("Cannot fetch the OIDC signing keys ({}); keeping the {} cached: {}",
              jwksUrl == null ? "discovery of " + issuer : jwksUrl, keys.getKeys().size(),
              outcome.cause().getMessage());
          done.fail(outcome.cause());
        }
      });
      return fetching;
    }
  }

  /** A fetch if the interval since the last allows one, else null. */
  private Future<JWKSet> refetch() {
    synchronized (this) {
      if (fetching != null) {
        return fetching;
      }
      if (lastFetchMillis != Long.MIN_VALUE
          && clock.millis() - lastFetchMillis < refetchInterval.toMillis()) {
        return null;
      }
    }
    return fetch();
  }

  private Future<String> url() {
    String known = jwksUrl;
    if (known != null) {
      return Future.succeededFuture(known);
    }
    String discovery = issuer.replaceAll("/+$", "") + "/.well-known/openid-configuration";
    return get(discovery).map(body -> {
      String uri;
      try {
        uri = new JsonObject(body).getString("jwks_uri");
      } catch (RuntimeException e) {
        throw new IllegalStateException(discovery + " is not a discovery document");
      }
      if (uri == null) {
        throw new IllegalStateException(discovery + " names no jwks_uri");
      }
      jwksUrl = uri;
      return uri;
    });
  }

  private Future<Buffer> get(String url) {
    return client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
            .setTimeout(TIMEOUT_MILLIS).putHeader("Accept", "application/json"))
        .compose(request -> request.send())
        .compose(response -> {
          if (response.statusCode() != 200) {
            return Future.failedFuture(url + " answered " + response.statusCode());
          }
          String length = response.getHeader("Content-Length");
          if (length != null && length.length() > 9) {
            return Future.failedFuture(url + " sent more than " + MAX_BODY_BYTES + " bytes");
          }
          return response.body();
        })
        .compose(body -> body.length() > MAX_BODY_BYTES
            ? Future.failedFuture(url + " sent more than " + MAX_BODY_BYTES + " bytes")
            : Future.succeededFuture(body));
  }

  Future<Void> close() {
    return client.close();
  }
}
