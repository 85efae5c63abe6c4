package io.meshtrace.collector.config;

import io.meshtrace.time.GoDuration;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Who may call the listeners: credentials from a file ({@code --auth-file}: tokens and users
 * with bcrypt passwords, each with roles and maybe a tenant), and bearer JWTs from an OpenID
 * Connect provider. With either configured, reads and admin writes need credentials, and ingest
 * too with {@code --auth-ingest true}; with neither, every listener is open as before. Which
 * endpoint needs which role: mesh-collector/README.md.
 *
 * <p>Holds no secret: the file's content is read by the server, never kept here.
 *
 * @param file the credentials file, followed as it changes; null for none
 * @param ingest whether span intake and remote sampling need credentials (role {@code write})
 * @param oidcIssuer the {@code iss} every accepted JWT carries; null turns OIDC off
 * @param oidcAudience what a JWT's {@code aud} must contain; needed with an issuer
 * @param oidcJwksUrl where the signing keys are; null: the {@code jwks_uri} of the issuer's
 *     {@code /.well-known/openid-configuration}
 * @param oidcRolesClaim the claim with the roles (a list, or a space-separated string), a dotted
 *     path for nested claims ({@code realm_access.roles})
 * @param oidcTenantClaim the claim with the tenant the token is bound to; null for none
 * @param oidcClockSkew leeway on {@code exp} and {@code nbf}
 * @param oidcJwksRefetchInterval the least time between two fetches of the keys caused by a
 *     token signed with an unknown key, so that made-up key IDs cannot make meshtrace hammer
 *     the provider
 * @param maxFailures failed authentications a client may have within {@code failureWindow}
 *     before it is answered 429 without its credentials being checked
 * @param failureWindow how long failures are remembered per client
 */
public record AuthConfig(Path file, boolean ingest, String oidcIssuer, String oidcAudience,
    String oidcJwksUrl, String oidcRolesClaim, String oidcTenantClaim, Duration oidcClockSkew,
    Duration oidcJwksRefetchInterval, int maxFailures, Duration failureWindow) {

  public static final Setting<Path> AUTH_FILE = Setting.path("auth-file", "FILE", null,
      "Credentials file (YAML: tokens with token, roles, tenant; users with name, a bcrypt "
          + "password, roles, tenant), followed as it changes; a change that breaks it keeps "
          + "the last good credentials. With it (or --oidc-issuer), reads and admin writes need "
          + "credentials. Default: none, every listener open.");
  public static final Setting<Boolean> AUTH_INGEST = Setting.bool("auth-ingest", false,
      "Whether span intake and remote sampling need credentials too (role write). Envoy's "
          + "Zipkin tracer cannot send any: protect sidecar traffic with mTLS or a network "
          + "policy instead.");
  public static final Setting<String> OIDC_ISSUER = Setting.text("oidc-issuer", "URL", null,
      "OpenID Connect issuer whose bearer JWTs (RS256, ES256) are accepted; needs "
          + "--oidc-audience. Default: none, no JWTs.");
  public static final Setting<String> OIDC_AUDIENCE = Setting.text("oidc-audience", "AUD", null,
      "What an accepted JWT's aud claim must contain (the client ID meshtrace is registered "
          + "as).");
  public static final Setting<String> OIDC_JWKS_URL = Setting.text("oidc-jwks-url", "URL", null,
      "Where the provider's signing keys are (a JWK Set). Default: the jwks_uri of the "
          + "issuer's /.well-known/openid-configuration.");
  public static final Setting<String> OIDC_ROLES_CLAIM = Setting.text("oidc-roles-claim",
      "CLAIM", "roles", "The JWT claim listing the caller's roles (read, write, admin; others "
          + "are ignored); a dotted path for nested claims, such as realm_access.roles.");
  public static final Setting<String> OIDC_TENANT_CLAIM = Setting.text("oidc-tenant-claim",
      "CLAIM", null, "The JWT claim naming the tenant the caller is bound to, which then wins "
          + "over the tenant header. Default: none.");
  public static final Setting<Duration> OIDC_CLOCK_SKEW = Setting.duration("oidc-clock-skew",
      "60s", "Leeway on a JWT's exp and nbf for clocks that disagree.");
  public static final Setting<Duration> OIDC_JWKS_REFETCH_INTERVAL = Setting.duration(
      "oidc-jwks-refetch-interval", "30s", "The least time between two fetches of the signing "
          + "keys caused by a JWT signed with a key not seen yet (key rotation).");
  public static final Setting<Integer> AUTH_MAX_FAILURES = Setting.integer("auth-max-failures",
      "N", 10, "Failed authentications a client address may have within "
          + "--auth-failure-window; past them it gets 429 without its credentials being "
          + "checked.");
  public static final Setting<Duration> AUTH_FAILURE_WINDOW = Setting.duration(
      "auth-failure-window", "1m", "How long failed authentications count against a client "
          + "address.");

  public static final List<Setting<?>> SETTINGS = List.of(AUTH_FILE, AUTH_INGEST, OIDC_ISSUER,
      OIDC_AUDIENCE, OIDC_JWKS_URL, OIDC_ROLES_CLAIM, OIDC_TENANT_CLAIM, OIDC_CLOCK_SKEW,
      OIDC_JWKS_REFETCH_INTERVAL, AUTH_MAX_FAILURES, AUTH_FAILURE_WINDOW);

  public AuthConfig {
    if (oidcIssuer != null) {
      checkHttpUrl(OIDC_ISSUER, oidcIssuer);
      if (oidcAudience == null) {
        throw new InvalidConfigException(OIDC_AUDIENCE.name(), "is needed with "
            + OIDC_ISSUER.flag() + ": without it a token the provider issued for any other "
            + "application would be accepted");
      }
    } else {
      for (Setting<String> needsIssuer : List.of(OIDC_AUDIENCE, OIDC_JWKS_URL)) {
        String value = needsIssuer == OIDC_AUDIENCE ? oidcAudience : oidcJwksUrl;
        if (value != null) {
          throw new InvalidConfigException(needsIssuer.name(), "is set but "
              + OIDC_ISSUER.flag() + " is not; OIDC needs the issuer");
        }
      }
    }
    if (oidcJwksUrl != null) {
      checkHttpUrl(OIDC_JWKS_URL, oidcJwksUrl);
    }
    if (oidcRolesClaim == null) {
      throw new InvalidConfigException(OIDC_ROLES_CLAIM.name(), "must not be empty");
    }
    if (ingest && file == null && oidcIssuer == null) {
      throw new InvalidConfigException(AUTH_INGEST.name(), "is true, but there are no "
          + "credentials to check: give " + AUTH_FILE.flag() + " or " + OIDC_ISSUER.flag());
    }
    if (oidcClockSkew.isNegative()) {
      throw new InvalidConfigException(OIDC_CLOCK_SKEW.name(), "is "
          + GoDuration.format(oidcClockSkew) + " but must not be negative");
    }
    if (oidcJwksRefetchInterval.isNegative()) {
      throw new InvalidConfigException(OIDC_JWKS_REFETCH_INTERVAL.name(), "is "
          + GoDuration.format(oidcJwksRefetchInterval) + " but must not be negative");
    }
    if (maxFailures < 1) {
      throw new InvalidConfigException(AUTH_MAX_FAILURES.name(), "is " + maxFailures
          + " but must be at least 1");
    }
    if (failureWindow.isNegative() || failureWindow.isZero()) {
      throw new InvalidConfigException(AUTH_FAILURE_WINDOW.name(), "is "
          + GoDuration.format(failureWindow) + " but must be longer than 0s");
    }
  }

  public static AuthConfig from(SettingValues values) {
    return new AuthConfig(values.get(AUTH_FILE), values.get(AUTH_INGEST),
        values.get(OIDC_ISSUER), values.get(OIDC_AUDIENCE), values.get(OIDC_JWKS_URL),
        values.get(OIDC_ROLES_CLAIM), values.get(OIDC_TENANT_CLAIM),
        values.get(OIDC_CLOCK_SKEW), values.get(OIDC_JWKS_REFETCH_INTERVAL),
        values.get(AUTH_MAX_FAILURES), values.get(AUTH_FAILURE_WINDOW));
  }

  /** Whether any listener checks credentials: a credentials file or OIDC is configured. */
  public boolean enabled() {
    return file != null || oidcIssuer != null;
  }

  public boolean oidc() {
    return oidcIssuer != null;
  }

  private static void checkHttpUrl(Setting<String> setting, String value) {
    try {
      URI uri = new URI(value);
      if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))
          || uri.getHost() == null) {
        throw new InvalidConfigException(setting.name(), "'" + value
            + "' is not an http(s) URL");
      }
    } catch (URISyntaxException e) {
      throw new InvalidConfigException(setting.name(), "'" + value + "' is not a URL: "
          + e.getReason());
    }
  }
}
