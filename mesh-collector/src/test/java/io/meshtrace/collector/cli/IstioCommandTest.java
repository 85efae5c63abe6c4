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

/** {@code meshtrace istio render} as a user runs it: files, streams, exit codes. */
class IstioCommandTest {
  private static final String STRATEGIES = """
      {"default_strategy": {"type": "probabilistic", "param": 0.02},
       "service_strategies": [
         {"service": "reviews.bookinfo", "type": "probabilistic", "param": 0.5,
          "operation_strategies": [{"operation": "GET /", "type": "probabilistic", "param": 1}]},
         {"service": "edge", "type": "ratelimiting", "param": 10},
         {"service": "ratings.bookinfo"}
       ]}
      """;

  @TempDir
  Path dir;

  @Test
  void writesTheResourcesToTheOutputFileAndWarningsToStderr() throws IOException {
    Path strategies = write("strategies.json", STRATEGIES);
    Path output = dir.resolve("telemetry.yaml");

    Result result = run(Map.of(), "istio", "render", "--strategies", strategies.toString(),
        "--output", output.toString());

    assertThat(result.exitCode).isZero();
    assertThat(result.out).isEmpty();
    String yaml = Files.readString(output);
    assertThat(yaml).startsWith("# Istio Telemetry resources rendered by `meshtrace istio "
        + "render` from " + strategies + ".\n");
    assertThat(yaml.split("\n---\n")).hasSize(4); // header + mesh-default + reviews + ratings
    assertThat(yaml).contains("""
        metadata:
          name: meshtrace-sampling-reviews
          namespace: bookinfo
        """).contains("""
          selector:
            matchLabels:
              app: reviews
          tracing:
          - providers:
            - name: meshtrace-zipkin
            randomSamplingPercentage: 50
        """).contains("""
          name: mesh-default
          namespace: istio-system
        """).contains("randomSamplingPercentage: 2\n")
        // an entry without a type: the default sampling probability, 0.001
        .contains("randomSamplingPercentage: 0.1\n");
    assertThat(result.err.lines()).containsExactly(
        "warning: service_strategies[0].operation_strategies[0]: operation \"GET /\" "
            + "(probabilistic 1) not rendered: Telemetry has one percentage per workload, so "
            + "the operation gets its workload's",
        "warning: service_strategies[1] \"edge\": not rendered: ratelimiting 10 traces/s has "
            + "no Telemetry equivalent (a percentage, not a rate); its workloads keep the "
            + "percentage of their namespace or the mesh (--rate-limit-as-percentage renders "
            + "one)");
  }

  @Test
  void withoutOutputTheYamlGoesToStdoutAndTheOptionsApply() throws IOException {
    Path strategies = write("strategies.json", STRATEGIES);
    Path output = dir.resolve("telemetry.yaml");
    String[] options = {"--namespace", "shop", "--root-namespace", "istio-config",
        "--provider", "meshtrace-otel", "--rate-limit-as-percentage", "5"};
    Result toFile = run(Map.of(), concat(new String[] {"istio", "render", "--strategies",
        strategies.toString(), "--output", output.toString()}, options));
    Result toStdout = run(Map.of("MESHTRACE_SAMPLING_DEFAULT_PROBABILITY", "0.3"),
        concat(new String[] {"istio", "render", "--strategies", strategies.toString()},
            options));

    assertThat(toFile.exitCode).isZero();
    assertThat(toStdout.exitCode).isZero();
    assertThat(toStdout.out).contains("""
          name: meshtrace-sampling-edge
          namespace: shop
        """).contains("name: meshtrace-otel\n")
        .contains("namespace: istio-config\n")
        .contains("# ratelimiting 10 traces/s cannot be a Telemetry percentage: rendered as 5% "
            + "(--rate-limit-as-percentage).\n")
        .doesNotContain("meshtrace-zipkin");
    // The server's setting of the same name says what an entry without a type gets.
    assertThat(toStdout.out).contains("no type, so the default sampling probability 0.3.\n")
        .contains("randomSamplingPercentage: 30\n");
    assertThat(Files.readString(output))
        .isEqualTo(toStdout.out.replace("probability 0.3.", "probability 0.001.")
            .replace("randomSamplingPercentage: 30\n", "randomSamplingPercentage: 0.1\n"));
  }

  @Test
  void anInvalidStrategiesFileExitsTwoWithTheParsersMessage() throws IOException {
    Path strategies = write("bad.json", """
        {"service_strategies": [
          {"service": "a", "type": "probabilistic", "param": 1.5}
        ]}""");
    Path output = dir.resolve("telemetry.yaml");

    Result result = run(Map.of(), "istio", "render", "--strategies", strategies.toString(),
        "--output", output.toString());

    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.err.strip()).isEqualTo("invalid strategies file " + strategies
        + ": service_strategies[0].param: probability 1.5 is outside [0,1] (line 2, column 54)");
    assertThat(result.out).isEmpty();
    assertThat(output).doesNotExist();

    Result missing = run(Map.of(), "istio", "render", "--strategies",
        dir.resolve("none.json").toString());
    assertThat(missing.exitCode).isEqualTo(2);
    assertThat(missing.err.strip()).isEqualTo("invalid strategies file "
        + dir.resolve("none.json") + ": cannot read " + dir.resolve("none.json")
        + ": no such file");
  }

  @Test
  void badUsageExitsTwoNamingTheProblem() throws IOException {
    Result noStrategies = run(Map.of(), "istio", "render");
    assertThat(noStrategies.exitCode).isEqualTo(2);
    assertThat(noStrategies.err).contains("Missing required option: '--strategies=FILE'");

    Path strategies = write("strategies.json", STRATEGIES);
    Result badNamespace = run(Map.of(), "istio", "render", "--strategies",
        strategies.toString(), "--namespace", "Shop");
    assertThat(badNamespace.exitCode).isEqualTo(2);
    assertThat(badNamespace.err.strip()).isEqualTo("invalid option --namespace 'Shop' is not a "
        + "Kubernetes namespace name (lower-case letters, digits and '-', at most 63)");

    Result twoForOneWorkload = run(Map.of(), "istio", "render", "--strategies",
        write("two.json", """
            {"service_strategies": [
              {"service": "reviews", "type": "probabilistic", "param": 0.1},
              {"service": "reviews.default", "type": "probabilistic", "param": 0.2}]}""")
            .toString());
    assertThat(twoForOneWorkload.exitCode).isEqualTo(2);
    assertThat(twoForOneWorkload.err).startsWith("cannot render ")
        .contains("service_strategies[1] \"reviews.default\" and service_strategies[0] "
            + "\"reviews\" both render as Telemetry default/meshtrace-sampling-reviews");
  }

  @Test
  void anOutputThatCannotBeWrittenExitsOne() throws IOException {
    Path strategies = write("strategies.json", STRATEGIES);
    Result result = run(Map.of(), "istio", "render", "--strategies", strategies.toString(),
        "--output", dir.resolve("no/such/dir/t.yaml").toString());
    assertThat(result.exitCode).isEqualTo(1);
    assertThat(result.err).contains("cannot write " + dir.resolve("no/such/dir/t.yaml")
        + ": NoSuchFileException");
  }

  @Test
  void istioAloneShowsItsSubcommands() {
    Result result = run(Map.of(), "istio");
    assertThat(result.exitCode).isZero();
    assertThat(result.out).contains("Usage: meshtrace istio").contains("render");
  }

  private Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }

  private static String[] concat(String[] first, String[] second) {
    String[] all = java.util.Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, all, first.length, second.length);
    return all;
  }

  private record Result(int exitCode, String out, String err) {}

  private static Result run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode = MeshtraceCommand.run(args, env, new PrintWriter(out, true),
        new PrintWriter(err, true));
    return new Result(exitCode, out.toString(), err.toString());
  }
}
