package io.meshtrace.collector.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * The guard in front of a real Vert.x server, HTTP/1.1 and HTTP/2: the tenant header it
 * overwrites is what the handler behind it reads, bodies arrive whole after a paused (bcrypt)
 * decision, failures lock a client out, and the credentials file is followed.
 */
class AuthGuardTest {
  static final String TENANT_TOKEN = "tenant-bound-token-0123456789";
  static final String FREE_TOKEN = "unbound-writer-token-0123456789";
  static final String READ_TOKEN = "reader-only-token-0123456789";

  @TempDir
  Path dir;
  private GuardedEcho echo;

  @AfterEach
  void close() {
    if (echo != null) {
      echo.close();
    }
  }

  Path writeFile(String yaml) throws Exception {
    Path file = dir.resolve("auth.yaml");
    Path temp = dir.resolve("auth.yaml.tmp");
    Files.writeString(temp, yaml);
    Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return file;
  }

  Path standardFile() throws Exception {
    return writeFile("""
        tokens:
          - name: team-a-sidecars
            token: %s
            roles: [write]
            tenant: team-a
          - name: free-writer
            token: %s
            roles: [write]
          - name: reader
            token: %s
            roles: [read]
        users:
          - name: alice
            password: "%s"
            roles: [write, read]
            tenant: team-b
        """.formatted(TENANT_TOKEN, FREE_TOKEN, READ_TOKEN, BCrypt.hashpw("alice-password",
        BCrypt.gensalt(4))));
  }

  static Map<String, String> bearer(String token, String... more) {
    Map<String, String> headers = new java.util.HashMap<>(Map.of("authorization",
        "Bearer " + token));
    for (int i = 0; i + 1 < more.length; i += 2) {
      headers.put(more[i], more[i + 1]);
    }
    return headers;
  }

  static Map<String, String> basic(String user, String password, String... more) {
    Map<String, String> headers = new java.util.HashMap<>(Map.of("authorization", "Basic "
        + Base64.getEncoder().encodeToString((user + ":" + password)
            .getBytes(StandardCharsets.UTF_8))));
    for (int i = 0; i + 1 < more.length; i += 2) {
      headers.put(more[i], more[i + 1]);
    }
    return headers;
  }

  @ParameterizedTest
  @EnumSource(value = HttpVersion.class, names = {"HTTP_1_1", "HTTP_2"})
  void aTenantBoundCredentialOverwritesTheTenantHeader(HttpVersion version) throws Exception {
    echo = new GuardedEcho("otlpHttp", GuardedEcho.config(standardFile(), true, 10));
    Buffer body = Buffer.buffer("{}");
    GuardedEcho.Echo bound = echo.send(version, HttpMethod.POST, "/v1/traces",
        bearer(TENANT_TOKEN, "x-scope-orgid", "team-z"), body);
    assertThat(bound.status()).isEqualTo(200);
    assertThat(bound.tenant()).isEqualTo("team-a");
    GuardedEcho.Echo noHeader = echo.send(version, HttpMethod.POST, "/v1/traces",
        bearer(TENANT_TOKEN), body);
    assertThat(noHeader.tenant()).isEqualTo("team-a");
    // An unbound credential leaves the header as the client sent it.
    GuardedEcho.Echo unbound = echo.send(version, HttpMethod.POST, "/v1/traces",
        bearer(FREE_TOKEN, "x-scope-orgid", "team-z"), body);
    assertThat(unbound.tenant()).isEqualTo("team-z");
    // Basic: decided on a worker (bcrypt), the request paused meanwhile.
    GuardedEcho.Echo user = echo.send(version, HttpMethod.POST, "/v1/traces",
        basic("alice", "alice-password", "x-scope-orgid", "team-z"), body);
    assertThat(user.status()).isEqualTo(200);
    assertThat(user.tenant()).isEqualTo("team-b");
  }

  @ParameterizedTest
  @EnumSource(value = HttpVersion.class, names = {"HTTP_1_1", "HTTP_2"})
  void largeBodiesArriveWholeAfterAPausedDecision(HttpVersion version) throws Exception {
    echo = new GuardedEcho("otlpHttp", GuardedEcho.config(standardFile(), true, 10));
    byte[] bytes = new byte[12 * 1024 * 1024 + 17];
    new java.util.Random(1).nextBytes(bytes);
    for (int i = 0; i < 3; i++) {
      // The first is checked by bcrypt on a worker, the next ones come from its cache.
      GuardedEcho.Echo answer = echo.send(version, HttpMethod.POST, "/v1/traces",
          basic("alice", "alice-password"), Buffer.buffer(bytes));
      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.bodyBytes()).isEqualTo(bytes.length);
    }
    GuardedEcho.Echo token = echo.send(version, HttpMethod.POST, "/v1/traces",
        bearer(FREE_TOKEN), Buffer.buffer(bytes));
    assertThat(token.bodyBytes()).isEqualTo(bytes.length);
    // A refused large body does not wedge the connection: the next request is answered.
    GuardedEcho.Echo refused = echo.send(version, HttpMethod.POST, "/v1/traces",
        basic("alice", "wrong-password"), Buffer.buffer(bytes));
    assertThat(refused.status()).isEqualTo(401);
    assertThat(echo.send(version, HttpMethod.POST, "/v1/traces", bearer(FREE_TOKEN),
        Buffer.buffer("x")).bodyBytes()).isEqualTo(1);
  }

  @Test
  void refusalsSayWhyWithTheRightStatusAndChallenge() throws Exception {
    echo = new GuardedEcho("query", GuardedEcho.config(standardFile(), false, 10));
    GuardedEcho.Echo none = echo.send(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/services",
        Map.of(), null);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.headers().getAll("WWW-Authenticate")).containsExactly(
        "Bearer realm=\"meshtrace\"", "Basic realm=\"meshtrace\", charset=\"UTF-8\"");
    assertThat(none.body()).contains("credentials are required");
    // The UI's calls get no Basic challenge, which would open the browser's own dialog.
    assertThat(echo.send(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/services",
        Map.of("X-Requested-With", "XMLHttpRequest"), null).headers().getAll("WWW-Authenticate"))
        .containsExactly("Bearer realm=\"meshtrace\"");
    GuardedEcho.Echo wrongRole = echo.send(HttpVersion.HTTP_1_1, HttpMethod.GET,
        "/api/services", bearer(FREE_TOKEN), null);
    assertThat(wrongRole.status()).isEqualTo(403);
    assertThat(wrongRole.body()).contains("free-writer lacks role read");
    GuardedEcho.Echo me = echo.send(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/me",
        bearer(READ_TOKEN), null);
    assertThat(me.status()).isEqualTo(200);
    assertThat(me.body()).contains("\"name\":\"reader\"").contains("\"roles\":[\"read\"]");
    // Pages and assets are open; a dot segment does not get around the history's rule.
    assertThat(echo.send(HttpVersion.HTTP_1_1, HttpMethod.GET, "/search", Map.of(), null)
        .status()).isEqualTo(200);
    assertThat(echo.send(HttpVersion.HTTP_1_1, HttpMethod.GET,
        "/api/sampling/strategies/../history", bearer(READ_TOKEN), null).status())
        .isEqualTo(403);
    assertThat(echo.send(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/sampling/%68istory",
        bearer(READ_TOKEN), null).status()).isEqualTo(403);
    // Nor around the objectives' admin API's, whose GET /api/slo is a read.
    assertThat(echo.send(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/slo", bearer(READ_TOKEN),
        null).status()).isEqualTo(200);
    assertThat(echo.send(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/slo/x/../%68istory",
        bearer(READ_TOKEN), null).status()).isEqualTo(403);
    assertThat(echo.send(HttpVersion.HTTP_1_1, HttpMethod.DELETE, "/api/./slo/objectives/x",
        bearer(READ_TOKEN), null).status()).isEqualTo(403);
    assertThat(echo.observer.refusals).contains("query:missing_credentials",
        "query:missing_role");
  }

  @Test
  void afterTooManyFailuresAClientGets429WithoutItsCredentialsBeingChecked() throws Exception {
    echo = new GuardedEcho("query", GuardedEcho.config(standardFile(), false, 3));
    for (int i = 0; i < 3; i++) {
      assertThat(echo.send(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/services",
          bearer("guess-" + i + "-0123456789abcdef"), null).status()).isEqualTo(401);
    }
    GuardedEcho.Echo limited = echo.send(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/services",
        bearer(READ_TOKEN), null);
    assertThat(limited.status()).isEqualTo(429);
    assertThat(Long.parseLong(limited.headers().get("Retry-After"))).isBetween(1L, 60L);
    assertThat(echo.send(HttpVersion.HTTP_2, HttpMethod.GET, "/api/services",
        basic("alice", "alice-password"), null).status()).isEqualTo(429);
    assertThat(echo.observer.refusals).contains("query:rate_limited");
    // Open endpoints stay open.
    assertThat(echo.send(HttpVersion.HTTP_1_1, HttpMethod.GET, "/search", Map.of(), null)
        .status()).isEqualTo(200);
  }

  @Test
  void theCredentialsFileIsFollowedAndABrokenEditKeepsTheLastGoodOne() throws Exception {
    String oldToken = "old-token-0123456789abcdef";
    String newToken = "new-token-0123456789abcdef";
    Path file = writeFile("tokens:\n  - token: " + oldToken + "\n    roles: [read]\n");
    echo = new GuardedEcho("query", GuardedEcho.config(file, false, 1000));
    assertThat(status(oldToken)).isEqualTo(200);
    assertThat(status(newToken)).isEqualTo(401);
    writeFile("tokens:\n  - token: " + newToken + "\n    roles: [read]\n");
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (status(newToken) != 200 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(status(newToken)).isEqualTo(200);
    assertThat(status(oldToken)).isEqualTo(401);
    int failedBefore = echo.observer.failedLoads.get();
    writeFile("tokens:\n  - token: [unclosed\n");
    deadline = System.nanoTime() + 10_000_000_000L;
    while (echo.observer.failedLoads.get() == failedBefore && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(echo.observer.failedLoads.get()).isGreaterThan(failedBefore);
    assertThat(status(newToken)).isEqualTo(200);
  }

  private int status(String token) throws Exception {
    return echo.send(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/services", bearer(token), null)
        .status();
  }
}
