package io.meshtrace.collector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.collector.cli.MeshtraceCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The authentication settings: defaults, every source, and what cannot start. */
class AuthConfigTest {
  static AuthConfig parse(Map<String, String> env, String... flags) throws Exception {
    String[] args = new String[flags.length + 1];
    args[0] = "all-in-one";
    System.arraycopy(flags, 0, args, 1, flags.length);
    return MeshtraceCommand.parseConfig(args, env).auth();
  }

  @Test
  void offByDefault() throws Exception {
    AuthConfig auth = parse(Map.of());
    assertThat(auth.enabled()).isFalse();
    assertThat(auth.ingest()).isFalse();
    assertThat(auth.oidcRolesClaim()).isEqualTo("roles");
    assertThat(auth.maxFailures()).isEqualTo(10);
    assertThat(auth.failureWindow()).isEqualTo(Duration.ofMinutes(1));
    assertThat(auth.oidcJwksRefetchInterval()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void fromFlagsAndEnvironment() throws Exception {
    AuthConfig auth = parse(Map.of("MESHTRACE_AUTH_FILE", "/etc/meshtrace/auth.yaml",
        "MESHTRACE_OIDC_ISSUER", "https://idp.example/realms/x"), "--auth-ingest", "true",
        "--oidc-audience", "meshtrace", "--oidc-tenant-claim", "org");
    assertThat(auth.file()).isEqualTo(Path.of("/etc/meshtrace/auth.yaml"));
    assertThat(auth.enabled()).isTrue();
    assertThat(auth.ingest()).isTrue();
    assertThat(auth.oidcIssuer()).isEqualTo("https://idp.example/realms/x");
    assertThat(auth.oidcTenantClaim()).isEqualTo("org");
  }

  @Test
  void whatCannotStart() {
    assertThatThrownBy(() -> parse(Map.of(), "--oidc-issuer", "https://idp.example"))
        .hasMessageContaining("invalid setting oidc-audience: is needed with --oidc-issuer");
    assertThatThrownBy(() -> parse(Map.of(), "--oidc-audience", "x"))
        .hasMessageContaining("invalid setting oidc-audience: is set but --oidc-issuer is not");
    assertThatThrownBy(() -> parse(Map.of(), "--oidc-issuer", "ftp://idp", "--oidc-audience",
        "x")).hasMessageContaining("oidc-issuer: 'ftp://idp' is not an http(s) URL");
    assertThatThrownBy(() -> parse(Map.of(), "--auth-ingest", "true"))
        .hasMessageContaining("auth-ingest: is true, but there are no credentials to check");
    assertThatThrownBy(() -> parse(Map.of(), "--auth-max-failures", "0"))
        .hasMessageContaining("auth-max-failures: is 0 but must be at least 1");
  }
}
