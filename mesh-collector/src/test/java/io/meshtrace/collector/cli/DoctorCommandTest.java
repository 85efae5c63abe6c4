package io.meshtrace.collector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code meshtrace doctor} as a user runs it on the real fixtures: files, stdin, exit codes. */
class DoctorCommandTest {
  static final Path FIXTURES = Path.of("..", "..", "shared", "fixtures").toAbsolutePath()
      .normalize();
  static final String MESHTRACE = "meshtrace.observability.svc.cluster.local:9411";

  @TempDir
  Path dir;

  @Test
  void aBootstrapPointingElsewhereIsAnErrorWithExitCodeOne() {
    Path golden = fixture("istio/bootstrap_tracing_zipkin_golden.json");

    Result result = run(null, "doctor", golden.toString(), "--expect-collector", MESHTRACE);

    assertThat(result.exitCode).isEqualTo(1);
    assertThat(result.err).isEmpty();
    assertThat(result.out).startsWith("Read: Envoy bootstrap configuration, snake_case keys\n"
        + "Expected collector: " + MESHTRACE + "\n")
        .contains("  bootstrap: envoy.tracers.zipkin (zipkin)\n"
            + "    collector cluster: zipkin → localhost:6000\n"
            + "    path: /api/v2/spans\n"
            + "    encoding: HTTP_JSON\n"
            + "    128-bit trace IDs: yes\n"
            + "    shared span context: no\n")
        .contains("  ERROR [collector-address] The bootstrap's tracer sends to cluster 'zipkin' "
            + "at localhost:6000, not the expected collector " + MESHTRACE + ".\n"
            + "    fix: Point the provider at meshtrace in meshConfig.extensionProviders: "
            + "zipkin: {service: meshtrace.observability.svc.cluster.local, port: 9411}\n"
            + "    at: tracing.http.typed_config\n")
        .endsWith("1 error, 0 warnings, 1 note: spans from this proxy do not reach the "
            + "collector as configured.\n");

    assertThat(run(null, "doctor", golden.toString(), "--expect-collector", "localhost:6000")
        .exitCode).isZero();
  }

  @Test
  void readsStandardInputAndWarningsAloneExitZero() throws IOException {
    String dump = Files.readString(fixture("istio/sidecar_configdump_hcm_random_sampling_1.json"));

    Result result = run(dump, "doctor", "--expect-collector", MESHTRACE);

    assertThat(result.exitCode).isZero();
    assertThat(result.out).startsWith("Read: Envoy admin /config_dump, snake_case keys\n")
        .contains("  0.0.0.0_9080: tracer bootstrap, random 1%, client 100%, overall 100%, "
            + "8 custom tags\n")
        .contains("  WARNING [tracer-not-shown] ")
        .endsWith("0 errors, 1 warning, 2 notes.\n");
    assertThat(run(dump, "doctor", "-").out).isEqualTo(run(dump, "doctor").out);
  }

  @Test
  void jsonForScripts() {
    Result result = run(null, "doctor", "--json", "--expect-collector", MESHTRACE,
        fixture("istio/waypoint_configdump_hcm_random_sampling_100.json").toString());

    assertThat(result.exitCode).isEqualTo(1);
    JsonObject json = new JsonObject(result.out);
    assertThat(json.getJsonObject("input").getString("kind")).isEqualTo("config_dump");
    assertThat(json.getString("expectedCollector")).isEqualTo(MESHTRACE);
    assertThat(json.getJsonArray("findings").getJsonObject(0).getString("code"))
        .isEqualTo("no-tracer");
    assertThat(json.getJsonObject("summary").getInteger("errors")).isEqualTo(1);
    assertThat(json.getJsonArray("listeners").stream().map(l -> ((JsonObject) l)
        .getString("listener"))).contains("main_internal");
  }

  @Test
  void envoyYamlBootstrap() {
    Result result = run(null, "doctor", "--expect-collector", "zipkin:9411",
        fixture("envoy/zipkin_envoy-front-proxy.yaml").toString());

    assertThat(result.exitCode).isZero();
    assertThat(result.out).contains("WARNING [shared-span-context]")
        .contains("WARNING [trace-id-64bit]").endsWith("0 errors, 2 warnings, 2 notes.\n");
  }

  @Test
  void unreadableInputIsExitCodeTwoWithWhatWasExpected() throws IOException {
    Result garbage = run("<html>502 Bad Gateway</html>", "doctor");
    assertThat(garbage.exitCode).isEqualTo(2);
    assertThat(garbage.out).isEmpty();
    assertThat(garbage.err).startsWith("cannot check standard input: the input is a single "
        + "value, not an object or array; expected one of: istioctl proxy-config bootstrap");

    Result truncated = run(null, "doctor", write("dump.json", "{\"configs\": [").toString());
    assertThat(truncated.exitCode).isEqualTo(2);
    assertThat(truncated.err).contains("the input is not valid JSON: ");

    Result empty = run("", "doctor");
    assertThat(empty.exitCode).isEqualTo(2);
    assertThat(empty.err).contains("the input is empty");

    Result missing = run(null, "doctor", dir.resolve("nope.json").toString());
    assertThat(missing.exitCode).isEqualTo(2);
    assertThat(missing.err).startsWith("cannot read " + dir.resolve("nope.json")
        + ": NoSuchFileException");

    Result badOption = run("{}", "doctor", "--expect-collector", "meshtrace");
    assertThat(badOption.exitCode).isEqualTo(2);
    assertThat(badOption.err).startsWith("invalid option --expect-collector: 'meshtrace' is not "
        + "host:port");
  }

  private Path fixture(String relative) {
    Path file = FIXTURES.resolve(relative);
    assertThat(file).as("fixture (the shared/ folder must sit next to the repository)")
        .isRegularFile();
    return file;
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  private record Result(int exitCode, String out, String err) {}

  private static synchronized Result run(String stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    InputStream previous = DoctorCommand.stdin;
    DoctorCommand.stdin = new ByteArrayInputStream(
        (stdin == null ? "" : stdin).getBytes(StandardCharsets.UTF_8));
    try {
      int exitCode = MeshtraceCommand.run(args, Map.of(), new PrintWriter(out, true),
          new PrintWriter(err, true));
      return new Result(exitCode, out.toString(), err.toString());
    } finally {
      DoctorCommand.stdin = previous;
    }
  }
}
