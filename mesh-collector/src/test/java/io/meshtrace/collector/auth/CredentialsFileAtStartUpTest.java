package io.meshtrace.collector.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.collector.config.InvalidConfigException;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A credentials file that cannot be used stops start-up before anything starts, with a message
 * naming the setting, the file, the field and its line, and never the token next to the mistake.
 */
class CredentialsFileAtStartUpTest {
  static final String TOKEN = "secret-token-5e7d9c1b3a";

  @TempDir
  Path dir;

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      bad YAML             | 'tokens:\\n  - token: secret-token-5e7d9c1b3a\\n    roles: [read\\n' | not valid YAML
      unknown role         | 'tokens:\\n  - token: secret-token-5e7d9c1b3a\\n    roles: [read, god]\\n' | tokens[0].roles[1]: unknown role 'god'; expected read, write, admin (line 3)
      not a bcrypt hash    | 'users:\\n  - name: alice\\n    password: hunter2\\n    roles: [read]\\n' | users[0].password: is not a bcrypt hash
      duplicate token      | 'tokens:\\n  - token: secret-token-5e7d9c1b3a\\n    roles: [read]\\n  - token: secret-token-5e7d9c1b3a\\n    roles: [write]\\n' | tokens[1].token: the same token as tokens[0] (line 2) (line 4)
      short token          | 'tokens:\\n  - token: short\\n    roles: [read]\\n' | tokens[0].token: is 5 characters; use at least 16
      unknown field        | 'tokens:\\n  - token: secret-token-5e7d9c1b3a\\n    role: [read]\\n' | tokens[0].role: unknown field
      bad tenant           | 'tokens:\\n  - token: secret-token-5e7d9c1b3a\\n    roles: [read]\\n    tenant: a b\\n' | tokens[0].tenant: 'a b' is not a tenant ID: 1 to 64
      empty                | '' | the file is empty
      """)
  void anUnusableFileStopsStartUpNamingFileFieldAndLine(String what, String yaml, String problem)
      throws Exception {
    Path file = dir.resolve("auth.yaml");
    Files.writeString(file, yaml.replace("\\n", "\n"));
    assertThatThrownBy(() -> {
      MeshtraceServer server = TestServers.allInOne("--auth-file", file.toString());
      server.stop();
    })
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("auth-file")
        .hasMessageContaining(file.toString())
        .hasMessageContaining(problem)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TOKEN));
  }

  @Test
  void aMissingFileIsNamed() {
    Path file = dir.resolve("missing.yaml");
    assertThatThrownBy(() -> TestServers.allInOne("--auth-file", file.toString()).stop())
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("invalid setting auth-file")
        .hasMessageContaining("no such file");
  }
}
