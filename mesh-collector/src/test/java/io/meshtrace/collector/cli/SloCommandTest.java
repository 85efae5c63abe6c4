package io.meshtrace.collector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/** {@code meshtrace slo render} as a user runs it: files, streams, options, exit codes. */
class SloCommandTest {
  static final String SLO = """
      objectives:
        - name: checkout-availability
          service: checkout
          indicator: availability
          target: 99.9
      """;

  @TempDir
  Path dir;

  @Test
  void writesThePrometheusRuleToTheOutputFileOrStdoutTheSameBytes() throws IOException {
    Path slo = write("slo.yaml", SLO);
    Path output = dir.resolve("rule.yaml");

    Result toFile = run(Map.of(), "slo", "render", "--slo", slo.toString(), "--output",
        output.toString(), "--namespace", "monitoring", "--name", "shop-slos", "--label",
        "release=prometheus");
    Result toStdout = run(Map.of(), "slo", "render", "--slo", slo.toString(), "--namespace",
        "monitoring", "--name", "shop-slos", "--label", "release=prometheus");

    assertThat(toFile.exitCode).isZero();
    assertThat(toFile.out).isEmpty();
    assertThat(toFile.err).isEmpty();
    String yaml = Files.readString(output);
    assertThat(toStdout.out).isEqualTo(yaml);
    Map<String, Object> rule = new Yaml().load(yaml);
    assertThat(rule).containsEntry("kind", "PrometheusRule").containsEntry("metadata",
        Map.of("name", "shop-slos", "namespace", "monitoring", "labels",
            Map.of("app.kubernetes.io/managed-by", "meshtrace", "release", "prometheus")));
    assertThat(yaml).contains("traces_span_metrics_calls_total{service_name=\"checkout\"")
        .doesNotContain("_sampled_");
    assertThat(run(Map.of(), "slo", "render", "--slo", slo.toString(), "--sampled").out)
        .contains("traces_span_metrics_sampled_calls_total{service_name=\"checkout\"");
  }

  @Test
  void theServersSloSettingIsTheDefaultFile() throws IOException {
    Path slo = write("slo.yaml", SLO);
    Result result = run(Map.of("MESHTRACE_SLO", slo.toString()), "slo", "render");
    assertThat(result.exitCode).as(result.err).isZero();
    assertThat(result.out).startsWith("# PrometheusRule rendered by `meshtrace slo render` from "
        + slo + ".\n");
  }

  @Test
  void invalidObjectivesOrOptionsExitTwoNamingTheProblem() throws IOException {
    Path slo = write("bad.yaml", SLO.replace("indicator: availability",
        "indicator: latency\n    threshold: 300ms"));
    Path output = dir.resolve("rule.yaml");
    Result bad = run(Map.of(), "slo", "render", "--slo", slo.toString(), "--output",
        output.toString());
    assertThat(bad.exitCode).isEqualTo(2);
    assertThat(bad.err.lines()).containsExactly("invalid objectives file " + slo + ":",
        "  objectives[0].threshold: 300ms is not a bucket bound of the exported histogram "
            + "traces_span_metrics_duration_milliseconds, so the PrometheusRule could not "
            + "count the calls under it exactly; use one of 2ms, 4ms, 6ms, 8ms, 10ms, 50ms, "
            + "100ms, 200ms, 400ms, 800ms, 1s, 1.4s, 2s, 5s, 10s, 15s (line 5, column 16)");
    assertThat(output).doesNotExist();

    Result missing = run(Map.of(), "slo", "render", "--slo", dir.resolve("none.yaml")
        .toString());
    assertThat(missing.exitCode).isEqualTo(2);
    assertThat(missing.err).contains("cannot read " + dir.resolve("none.yaml")
        + ": no such file");
    assertThat(run(Map.of(), "slo", "render").err.strip()).isEqualTo("missing --slo FILE (or "
        + "--from URL): the objectives to render");
    Result badName = run(Map.of(), "slo", "render", "--slo", write("ok.yaml", SLO).toString(),
        "--name", "Shop");
    assertThat(badName.exitCode).isEqualTo(2);
    assertThat(badName.err.strip()).isEqualTo("invalid option --name: 'Shop' is not a "
        + "Kubernetes resource name (lower-case letters, digits, '-' and '.')");
  }

  @Test
  void anOutputThatCannotBeWrittenExitsOne() throws IOException {
    Path slo = write("slo.yaml", SLO);
    Result result = run(Map.of(), "slo", "render", "--slo", slo.toString(), "--output",
        dir.resolve("no/such/dir/rule.yaml").toString());
    assertThat(result.exitCode).isEqualTo(1);
    assertThat(result.err).contains("cannot write " + dir.resolve("no/such/dir/rule.yaml")
        + ": NoSuchFileException");
  }

  /** What a server serves is read in SloEndToEndTest; here, what is refused before asking. */
  @Test
  void fromRefusesWhatCannotBeAServerOrItsCredentials() {
    Result ftp = run(Map.of(), "slo", "render", "--from", "ftp://meshtrace:16686");
    assertThat(ftp.exitCode).isEqualTo(2);
    assertThat(ftp.err.strip()).isEqualTo("invalid --from ftp://meshtrace:16686: give the "
        + "query port's URL, http://HOST:16686");
    Result tenantAlone = run(Map.of(), "slo", "render", "--slo", "x.yaml", "--tenant", "a");
    assertThat(tenantAlone.exitCode).isEqualTo(2);
    assertThat(tenantAlone.err.strip()).isEqualTo("--token-file and --tenant go with --from URL");
    Result noToken = run(Map.of(), "slo", "render", "--from", "http://127.0.0.1:1",
        "--token-file", dir.resolve("missing-token").toString());
    assertThat(noToken.exitCode).isEqualTo(2);
    assertThat(noToken.err).startsWith("cannot read --token-file " + dir.resolve("missing-token"));
    // The server's --slo setting is no conflict: --from replaces it.
    Result fromOverSetting = run(Map.of("MESHTRACE_SLO", "/etc/slo.yaml"), "slo", "render",
        "--from", "http://127.0.0.1:1");
    assertThat(fromOverSetting.exitCode).isEqualTo(3);
    assertThat(fromOverSetting.err).startsWith("cannot read http://127.0.0.1:1/api/slo: ");
  }

  @Test
  void sloAloneShowsItsSubcommands() {
    Result result = run(Map.of(), "slo");
    assertThat(result.exitCode).isZero();
    assertThat(result.out).contains("Usage: meshtrace slo").contains("render");
  }

  private Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }

  record Result(int exitCode, String out, String err) {}

  static Result run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = MeshtraceCommand.run(args, env, new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }
}
