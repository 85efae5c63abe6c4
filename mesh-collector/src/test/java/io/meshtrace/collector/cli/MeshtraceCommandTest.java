package io.meshtrace.collector.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.collector.config.InvalidConfigException;
import io.meshtrace.collector.config.MeshtraceConfig;
import io.meshtrace.collector.config.Mode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MeshtraceCommandTest {
  @TempDir
  Path dir;

  @Test
  void defaultsMatchTheDocumentedPorts() {
    MeshtraceConfig config = MeshtraceCommand.parseConfig(new String[] {"all-in-one"}, Map.of());
    assertThat(config.mode()).isEqualTo(Mode.ALL_IN_ONE);
    assertThat(config.listeners().bind()).isEqualTo("0.0.0.0");
    assertThat(config.listeners().zipkinPort()).isEqualTo(9411);
    assertThat(config.listeners().otlpGrpcPort()).isEqualTo(4317);
    assertThat(config.listeners().otlpHttpPort()).isEqualTo(4318);
    assertThat(config.listeners().jaegerCompactPort()).isEqualTo(6831);
    assertThat(config.listeners().jaegerBinaryPort()).isEqualTo(6832);
    assertThat(config.listeners().jaegerHttpPort()).isEqualTo(14268);
    assertThat(config.listeners().queryPort()).isEqualTo(16686);
    assertThat(config.listeners().adminPort()).isEqualTo(14269);
    assertThat(config.storage().dataDir()).isEqualTo(Path.of("./meshtrace-data"));
    assertThat(config.storage().pgUrl()).isNull();
    assertThat(config.storage().retentionDays()).isEqualTo(7);
    assertThat(config.ingest().maxRequestBytes()).isEqualTo(16L << 20);
    assertThat(config.listeners().samplingHttpPort()).isEqualTo(5778);
    assertThat(config.listeners().samplingGrpcPort()).isEqualTo(14250);
    assertThat(config.sampling().strategiesFile()).isNull();
    assertThat(config.sampling().reloadInterval()).isEqualTo(java.time.Duration.ofSeconds(10));
    assertThat(config.sampling().defaultProbability()).isEqualTo(0.001);
  }

  @Test
  void theControlPlaneCommandRunsSamplingOnly() throws IOException {
    Path file = dir.resolve("cp.yaml");
    Files.writeString(file, "sampling-strategies: /etc/meshtrace/strategies.json\n"
        + "sampling-strategies-reload-interval: 1m\n");
    MeshtraceConfig config = MeshtraceCommand.parseConfig(new String[] {"control-plane",
        "--config", file.toString(), "--sampling-http-port", "0"},
        Map.of("MESHTRACE_SAMPLING_DEFAULT_PROBABILITY", "0.5"));
    assertThat(config.mode()).isEqualTo(Mode.CONTROL_PLANE);
    assertThat(config.mode().runsSampling()).isTrue();
    assertThat(config.mode().runsZipkin()).isFalse();
    assertThat(config.listeners().samplingHttpPort()).isZero();
    assertThat(config.sampling().strategiesFile()).isEqualTo(Path.of("/etc/meshtrace/strategies.json"));
    assertThat(config.sampling().reloadInterval()).isEqualTo(java.time.Duration.ofMinutes(1));
    assertThat(config.sampling().defaultProbability()).isEqualTo(0.5);
    // The Zipkin port is not the control plane's, so sharing it is no conflict.
    assertThat(MeshtraceCommand.parseConfig(new String[] {"control-plane", "--zipkin-port",
        "5778"}, Map.of()).listeners().samplingHttpPort()).isEqualTo(5778);
    assertThatThrownBy(() -> MeshtraceCommand.parseConfig(new String[] {"all-in-one",
        "--sampling-grpc-port", "4317"}, Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("otlp-grpc-port").hasMessageContaining("same as")
        .hasMessageContaining("4317");
  }

  @Test
  void invalidSamplingSettingsStopStartUpNamingThem() throws IOException {
    Result negative = run(Map.of(), "control-plane",
        "--sampling-strategies-reload-interval", "-1s");
    assertThat(negative.exitCode).isEqualTo(2);
    assertThat(negative.err).contains("invalid setting sampling-strategies-reload-interval: "
        + "is -1s but must not be negative");
    Result probability = run(Map.of("MESHTRACE_SAMPLING_DEFAULT_PROBABILITY", "1.5"),
        "all-in-one");
    assertThat(probability.exitCode).isEqualTo(2);
    assertThat(probability.err).contains("invalid setting sampling-default-probability: is 1.5 "
        + "but a probability is in [0,1]")
        .contains("(set by environment variable MESHTRACE_SAMPLING_DEFAULT_PROBABILITY)");
    Result port = run(Map.of(), "control-plane", "--sampling-http-port", "-3");
    assertThat(port.exitCode).isEqualTo(2);
    assertThat(port.err).contains("invalid setting sampling-http-port: is -3");
    Result target = run(Map.of(), "control-plane", "--adaptive-target-samples-per-second", "0");
    assertThat(target.exitCode).isEqualTo(2);
    assertThat(target.err).contains("invalid setting adaptive-target-samples-per-second: is 0.0 "
        + "but must be a number above 0");
    Result adaptive = run(Map.of(), "control-plane", "--adaptive-sampling", "maybe");
    assertThat(adaptive.exitCode).isEqualTo(2);
  }

  @Test
  void aMissingOrBrokenStrategiesFileStopsStartUpNamingTheSetting() throws IOException {
    Path missing = dir.resolve("missing.json");
    Result result = run(Map.of(), "control-plane", "--sampling-strategies", missing.toString());
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.err).contains("invalid setting sampling-strategies: " + missing
        + ": cannot read " + missing + ": no such file");
    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, """
        {"service_strategies": [{"service": "a", "type": "probabilistic", "param": 2}]}""");
    Result invalid = run(Map.of("MESHTRACE_SAMPLING_STRATEGIES", broken.toString()),
        "all-in-one");
    assertThat(invalid.exitCode).isEqualTo(2);
    assertThat(invalid.err).contains("invalid setting sampling-strategies: " + broken
        + ": service_strategies[0].param: probability 2 is outside [0,1] (line 1, column 76)")
        .contains("(set by environment variable MESHTRACE_SAMPLING_STRATEGIES)");
  }

  @Test
  void indexedTagKeysDefaultToEnvoysRequestIdAndCanBeEmptiedOrListed() {
    assertThat(MeshtraceCommand.parseConfig(new String[] {"all-in-one"}, Map.of())
        .storage().indexedTagKeys()).containsExactly("guid:x-request-id");
    assertThat(MeshtraceCommand.parseConfig(
        new String[] {"all-in-one", "--indexed-tag-keys="}, Map.of()).storage().indexedTagKeys()).isEmpty();
    assertThat(MeshtraceCommand.parseConfig(new String[] {"all-in-one"},
        Map.of("MESHTRACE_INDEXED_TAG_KEYS", "guid:x-request-id, http.url")).storage().indexedTagKeys())
        .containsExactly("guid:x-request-id", "http.url");
    Result result = run(Map.of(), "all-in-one", "--indexed-tag-keys", "k".repeat(300));
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.err).contains("indexed-tag-keys").contains("not an attribute key");
  }

  @Test
  void flagsWinOverEnvironmentWhichWinsOverTheFile() throws IOException {
    Path file = dir.resolve("meshtrace.yaml");
    Files.writeString(file, """
        zipkin-port: 1001
        query-port: 1002
        admin-port: 1003
        max-request-bytes: 2MiB
        """);
    Map<String, String> env = Map.of("MESHTRACE_QUERY_PORT", "2002", "MESHTRACE_ADMIN_PORT", "2003",
        "PATH", "/bin");
    MeshtraceConfig config = MeshtraceCommand.parseConfig(
        new String[] {"collector", "--config", file.toString(), "--admin-port", "3003"}, env);
    assertThat(config.mode()).isEqualTo(Mode.COLLECTOR);
    assertThat(config.listeners().zipkinPort()).isEqualTo(1001);
    assertThat(config.listeners().queryPort()).isEqualTo(2002);
    assertThat(config.listeners().adminPort()).isEqualTo(3003);
    assertThat(config.ingest().maxRequestBytes()).isEqualTo(2L << 20);
  }

  @Test
  void theConfigFileCanComeFromTheEnvironment() throws IOException {
    Path file = dir.resolve("c.yaml");
    Files.writeString(file, "pg-url: postgresql://u:p@db:5432/traces\n");
    MeshtraceConfig config = MeshtraceCommand.parseConfig(new String[] {"query"},
        Map.of("MESHTRACE_CONFIG", file.toString()));
    assertThat(config.storage().pgUrl()).isEqualTo("postgresql://u:p@db:5432/traces");
    assertThat(config.storage().embedded()).isFalse();
  }

  @Test
  void unknownEnvironmentVariableStopsStartUpNamingIt() {
    Result result = run(Map.of("MESHTRACE_ZIPKN_PORT", "1"), "all-in-one");
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.err).contains("MESHTRACE_ZIPKN_PORT").contains("unknown environment variable")
        .contains("MESHTRACE_ZIPKIN_PORT").doesNotContain("enableServiceLinks");
  }

  @Test
  void kubernetesServiceLinkVariablesGetTheirCauseNamed() {
    Result result = run(Map.of("MESHTRACE_PORT_9411_TCP_ADDR", "10.0.0.7"), "all-in-one");
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.err).contains("MESHTRACE_PORT_9411_TCP_ADDR")
        .contains("set enableServiceLinks: false");
  }

  @Test
  void unknownFileKeyStopsStartUpNamingIt() throws IOException {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "zipkin-port: 9411\nretention: 3\n");
    Result result = run(Map.of(), "all-in-one", "--config", file.toString());
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.err).contains("invalid setting retention").contains("unknown setting in");
  }

  @Test
  void invalidValueFromTheEnvironmentNamesTheVariable() {
    Result result = run(Map.of("MESHTRACE_ZIPKIN_PORT", "abc"), "all-in-one");
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.err).contains("--zipkin-port").contains("abc")
        .contains("set by environment variable MESHTRACE_ZIPKIN_PORT");
  }

  @Test
  void outOfRangeValueFromTheFileNamesTheKey() throws IOException {
    Path file = dir.resolve("range.yaml");
    Files.writeString(file, "admin-port: 70000\n");
    Result result = run(Map.of(), "all-in-one", "--config", file.toString());
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.err).contains("invalid setting admin-port: is 70000")
        .contains("'admin-port' in " + file);
  }

  @Test
  void twoListenersOnOnePortAreRefused() {
    assertThatThrownBy(() -> MeshtraceCommand.parseConfig(
        new String[] {"all-in-one", "--zipkin-port", "7000", "--query-port", "7000"}, Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("query-port").hasMessageContaining("same as zipkin-port");
  }

  @Test
  void jaegerPortsAreOnUnlessMinusOneAndTheirUdpPortsShareNumbersOnlyWithTcpOnes() {
    MeshtraceConfig off = MeshtraceCommand.parseConfig(new String[] {"collector",
        "--jaeger-compact-port", "-1", "--jaeger-binary-port=-1"},
        Map.of("MESHTRACE_JAEGER_HTTP_PORT", "-1"));
    assertThat(off.listeners().jaegerCompactPort()).isEqualTo(-1);
    assertThat(off.listeners().jaegerBinaryPort()).isEqualTo(-1);
    assertThat(off.listeners().jaegerHttpPort()).isEqualTo(-1);
    Result below = run(Map.of(), "collector", "--jaeger-http-port", "-2");
    assertThat(below.exitCode).isEqualTo(2);
    assertThat(below.err).contains("invalid setting jaeger-http-port: is -2")
        .contains("-1 to turn the listener off");
    // -1 is for the Jaeger ports only.
    assertThat(run(Map.of(), "collector", "--otlp-http-port", "-1").err)
        .contains("invalid setting otlp-http-port: is -1");

    // The HTTP port is TCP, like the other listeners.
    assertThatThrownBy(() -> MeshtraceCommand.parseConfig(new String[] {"collector",
        "--jaeger-http-port", "4318"}, Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("jaeger-http-port").hasMessageContaining("same as otlp-http-port");
    // The UDP ports may share a number with a TCP listener, not with each other.
    assertThat(MeshtraceCommand.parseConfig(new String[] {"all-in-one", "--jaeger-compact-port",
        "9411", "--jaeger-binary-port", "14268"}, Map.of()).listeners().jaegerCompactPort())
        .isEqualTo(9411);
    assertThatThrownBy(() -> MeshtraceCommand.parseConfig(new String[] {"collector",
        "--jaeger-binary-port", "6831"}, Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("jaeger-binary-port").hasMessageContaining("same UDP port as "
            + "jaeger-compact-port");
    // The sampling gRPC port now runs in collector too (Jaeger's PostSpans).
    assertThatThrownBy(() -> MeshtraceCommand.parseConfig(new String[] {"collector",
        "--sampling-grpc-port", "4317"}, Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("sampling-grpc-port").hasMessageContaining("same as otlp-grpc-port");
    // The query command ingests nothing: no Jaeger port of its own to clash with.
    assertThat(MeshtraceCommand.parseConfig(new String[] {"query", "--jaeger-http-port",
        "16686"}, Map.of()).listeners().queryPort()).isEqualTo(16686);
  }

  @Test
  void malformedYamlIsReported() throws IOException {
    Path file = dir.resolve("broken.yaml");
    Files.writeString(file, "zipkin-port: [1,\n");
    Result result = run(Map.of(), "all-in-one", "--config", file.toString());
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.err).contains("not valid YAML");
  }

  /** The YAML tags that crashed doctor's reader when fuzzed crashed start-up here too. */
  @Test
  void yamlWhoseTagsCannotBeConstructedIsReported() throws IOException {
    for (String yaml : java.util.List.of("zipkin-port: !!binary A\n",
        "zipkin-port: !!binary {a: b}\n")) {
      Path file = dir.resolve("tags.yaml");
      Files.writeString(file, yaml);
      Result result = run(Map.of(), "all-in-one", "--config", file.toString());
      assertThat(result.exitCode).as(yaml).isEqualTo(2);
      assertThat(result.err).as(yaml).contains("not valid YAML");
    }
  }

  @Test
  void invalidPgUrlAndByteSizesAreRefused() {
    assertThatThrownBy(() -> MeshtraceCommand.parseConfig(
        new String[] {"all-in-one", "--pg-url", "mysql://x"}, Map.of()))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("pg-url");
    assertThatThrownBy(() -> MeshtraceCommand.parseConfig(
        new String[] {"all-in-one", "--max-request-bytes", "lots"}, Map.of()))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--max-request-bytes").hasMessageContaining("not a byte size");
  }

  @Test
  void maxClockSkewAdjustmentIsAGoDurationOrSecondsAndOffByDefault() throws IOException {
    assertThat(MeshtraceCommand.parseConfig(new String[] {"query"}, Map.of())
        .query().maxClockSkewAdjustment()).isEqualTo(java.time.Duration.ZERO);
    assertThat(MeshtraceCommand.parseConfig(new String[] {"query",
        "--max-clock-skew-adjustment", "1.5s"}, Map.of()).query().maxClockSkewAdjustment())
        .isEqualTo(java.time.Duration.ofMillis(1500));
    assertThat(MeshtraceCommand.parseConfig(new String[] {"query"},
        Map.of("MESHTRACE_MAX_CLOCK_SKEW_ADJUSTMENT", "2")).query().maxClockSkewAdjustment())
        .isEqualTo(java.time.Duration.ofSeconds(2));
    Path file = dir.resolve("skew.yaml");
    Files.writeString(file, "max-clock-skew-adjustment: 1m30s\n");
    assertThat(MeshtraceCommand.parseConfig(new String[] {"query", "--config", file.toString()},
        Map.of()).query().maxClockSkewAdjustment()).isEqualTo(java.time.Duration.ofSeconds(90));
  }

  @Test
  void autocompleteKeysAreACommaSeparatedListAndNoneByDefault() throws IOException {
    assertThat(MeshtraceCommand.parseConfig(new String[] {"query"}, Map.of())
        .query().autocompleteKeys()).isEmpty();
    assertThat(MeshtraceCommand.parseConfig(new String[] {"query",
        "--autocomplete-keys", "env, http.method"}, Map.of()).query().autocompleteKeys())
        .containsExactly("env", "http.method");
    assertThat(MeshtraceCommand.parseConfig(new String[] {"query"},
        Map.of("MESHTRACE_AUTOCOMPLETE_KEYS", "region")).query().autocompleteKeys())
        .containsExactly("region");
    Path file = dir.resolve("autocomplete.yaml");
    Files.writeString(file, "autocomplete-keys: env,cluster\n");
    assertThat(MeshtraceCommand.parseConfig(new String[] {"query", "--config", file.toString()},
        Map.of()).query().autocompleteKeys()).containsExactly("env", "cluster");
  }

  @Test
  void hourlyDependencyLinksAreOnUnlessTurnedOff() {
    assertThat(MeshtraceCommand.parseConfig(new String[] {"query"}, Map.of())
        .query().hourlyDependencyLinks()).isTrue();
    assertThat(MeshtraceCommand.parseConfig(new String[] {"all-in-one",
        "--hourly-dependency-links", "false"}, Map.of()).query().hourlyDependencyLinks())
        .isFalse();
    assertThat(MeshtraceCommand.parseConfig(new String[] {"query"},
        Map.of("MESHTRACE_HOURLY_DEPENDENCY_LINKS", "false")).query().hourlyDependencyLinks())
        .isFalse();
    Result unparseable = run(Map.of(), "all-in-one", "--hourly-dependency-links", "sometimes");
    assertThat(unparseable.exitCode).isEqualTo(2);
    assertThat(unparseable.err).contains("hourly-dependency-links").contains("sometimes");
  }

  @Test
  void invalidAutocompleteKeysStopStartUpNamingThem() {
    Result twice = run(Map.of(), "all-in-one", "--autocomplete-keys", "env,env");
    assertThat(twice.exitCode).isEqualTo(2);
    assertThat(twice.err).contains("invalid setting autocomplete-keys: names a key twice: env,env");
    Result tooLong = run(Map.of(), "all-in-one", "--autocomplete-keys", "k".repeat(300));
    assertThat(tooLong.exitCode).isEqualTo(2);
    assertThat(tooLong.err).contains("invalid setting autocomplete-keys").contains("not a tag key");
  }

  @Test
  void invalidMaxClockSkewAdjustmentStopsStartUpNamingIt() {
    Result unparseable = run(Map.of("MESHTRACE_MAX_CLOCK_SKEW_ADJUSTMENT", "soon"), "all-in-one");
    assertThat(unparseable.exitCode).isEqualTo(2);
    assertThat(unparseable.err).contains("--max-clock-skew-adjustment").contains("soon")
        .contains("not a duration");
    Result negative = run(Map.of(), "all-in-one", "--max-clock-skew-adjustment", "-1s");
    assertThat(negative.exitCode).isEqualTo(2);
    assertThat(negative.err).contains("invalid setting max-clock-skew-adjustment: is -1s")
        .contains("must not be negative");
  }

  @Test
  void thePgUrlsPasswordIsNeverPrintedWithTheConfiguration() {
    MeshtraceConfig config = MeshtraceCommand.parseConfig(new String[] {"all-in-one",
        "--pg-url", "postgresql://meshtrace:s3cr3t-pw@db.example:5432/traces"}, Map.of());
    assertThat(config.storage().pgUrl()).contains("s3cr3t-pw");
    assertThat(config.toString()).doesNotContain("s3cr3t-pw")
        .contains("postgresql://(credentials)@db.example:5432/traces");
    MeshtraceConfig fromEnvironment = MeshtraceCommand.parseConfig(new String[] {"query"},
        Map.of("MESHTRACE_PG_URL", "postgres://meshtrace:s3cr3t-pw@db/traces"));
    assertThat(fromEnvironment.toString()).doesNotContain("s3cr3t-pw");
  }

  @Test
  void pgUrlTlsSettingsAreCheckedNamingThemWithoutPrintingThePassword() {
    Result mode = run(Map.of(), "all-in-one",
        "--pg-url", "postgresql://meshtrace:s3cr3t-pw@db:5432/traces?sslmode=verify-everything");
    assertThat(mode.exitCode).isEqualTo(2);
    assertThat(mode.err).contains("invalid setting pg-url: sslmode 'verify-everything' is not "
        + "one of disable, allow, prefer, require, verify-ca, verify-full")
        .doesNotContain("s3cr3t-pw");
    Result noCa = run(Map.of("MESHTRACE_PG_URL",
        "postgresql://meshtrace:s3cr3t-pw@db/traces?sslmode=verify-full"), "collector");
    assertThat(noCa.exitCode).isEqualTo(2);
    assertThat(noCa.err).contains("invalid setting pg-url: sslmode=verify-full needs the CA")
        .contains("(set by environment variable MESHTRACE_PG_URL)").doesNotContain("s3cr3t-pw");
    Result missingRootCert = run(Map.of(), "collector", "--pg-url",
        "postgresql://meshtrace:s3cr3t-pw@db/traces?sslmode=verify-ca&sslrootcert=/no/ca.crt");
    assertThat(missingRootCert.exitCode).isEqualTo(2);
    assertThat(missingRootCert.err)
        .contains("invalid setting pg-url: sslrootcert /no/ca.crt does not exist")
        .doesNotContain("s3cr3t-pw");
    Result missingCaFile = run(Map.of(), "collector", "--pg-url",
        "postgresql://meshtrace:s3cr3t-pw@db/traces?sslmode=verify-full",
        "--pg-ca-file", "/no/ca.crt");
    assertThat(missingCaFile.exitCode).isEqualTo(2);
    assertThat(missingCaFile.err)
        .contains("invalid setting pg-ca-file: --pg-ca-file /no/ca.crt does not exist")
        .doesNotContain("s3cr3t-pw");
    Result embedded = run(Map.of(), "all-in-one", "--pg-ca-file", "/etc/hostname");
    assertThat(embedded.err).contains("invalid setting pg-ca-file: is only for a server given "
        + "by pg-url");
  }

  @Test
  void anInvalidPgUrlIsReportedWithoutItsPassword() {
    // Unencoded / and + in a password (openssl rand -base64): not a URL libpq reads either.
    for (String url : new String[] {"postgresql://meshtrace:s3cr3t/pw+x@db:5432/traces",
        "postgresql://meshtrace:s3cr3t-pw@db:5432/traces?s3cr3t-pw", "mysql://u:s3cr3t-pw@db"}) {
      Result result = run(Map.of(), "all-in-one", "--pg-url", url);
      assertThat(result.exitCode).as(url).isEqualTo(2);
      assertThat(result.err).as(url).contains("invalid setting pg-url")
          .doesNotContain("s3cr3t");
    }
  }

  @Test
  void neitherHelpNorAUsageErrorPrintsThePgUrlFromTheEnvironmentOrConfigFile() throws Exception {
    Path file = dir.resolve("meshtrace.yaml");
    Files.writeString(file, "pg-url: postgresql://meshtrace:s3cr3t-file@db/traces\n");
    Map<String, String> env = Map.of("MESHTRACE_PG_URL",
        "postgresql://meshtrace:s3cr3t-env@db/traces");
    Result help = run(env, "all-in-one", "--help");
    assertThat(help.out + help.err).doesNotContain("s3cr3t");
    Result usage = run(env, "all-in-one", "--zipkin-port", "not-a-port");
    assertThat(usage.exitCode).isEqualTo(2);
    assertThat(usage.out + usage.err).doesNotContain("s3cr3t");
    Result fromFile = run(Map.of(), "collector", "--config", file.toString(), "--help");
    assertThat(fromFile.out + fromFile.err).doesNotContain("s3cr3t");
    Result badYaml = run(Map.of(), "collector", "--config", writeBadYaml());
    assertThat(badYaml.exitCode).isEqualTo(2);
    assertThat(badYaml.err).contains("not valid YAML").doesNotContain("s3cr3t");
    Path quoted = dir.resolve("quoted.yaml");
    Files.writeString(quoted, "pg-url: \"postgresql://meshtrace:s3cr3t-file@db/traces\n");
    Result unterminated = run(Map.of(), "collector", "--config", quoted.toString());
    assertThat(unterminated.err).contains("not valid YAML").doesNotContain("s3cr3t");
  }

  private String writeBadYaml() throws IOException {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "pg-url: postgresql://meshtrace:s3cr3t-file@db/traces\n"
        + "zipkin-port: [9411\n");
    return file.toString();
  }

  @Test
  void faultSettingsAreCheckedNamingThem() {
    Result zero = run(Map.of(), "all-in-one", "--storage-write-timeout", "0s");
    assertThat(zero.exitCode).isEqualTo(2);
    assertThat(zero.err).contains("invalid setting storage-write-timeout: is 0s")
        .contains("at least 1ms");
    Result drain = run(Map.of(), "all-in-one", "--shutdown-drain", "30s");
    assertThat(drain.exitCode).isEqualTo(2);
    assertThat(drain.err).contains("invalid setting shutdown-timeout: is 25s")
        .contains("longer than shutdown-drain (30s)");
    Result pools = run(Map.of(), "all-in-one", "--pg-write-pool-size", "2");
    assertThat(pools.exitCode).isEqualTo(2);
    assertThat(pools.err).contains("writer-concurrency").contains("less than pg-write-pool-size");
  }

  @Test
  void helpListsEveryFlag() {
    Result result = run(Map.of(), "all-in-one", "--help");
    assertThat(result.exitCode).isZero();
    for (String flag : new String[] {"--config", "--bind", "--zipkin-port", "--query-port",
        "--admin-port", "--ports-file", "--data-dir", "--pg-url", "--pg-pool-size",
        "--writer-concurrency", "--max-batch-spans", "--retention-days", "--partitions-ahead",
        "--max-request-bytes", "--max-decompressed-bytes", "--http-event-loops",
        "--otlp-grpc-port", "--otlp-http-port", "--jaeger-compact-port", "--jaeger-binary-port",
        "--jaeger-http-port", "--jaeger-udp-sockets", "--jaeger-udp-queue-packets",
        "--jaeger-udp-max-packet-bytes", "--jaeger-udp-socket-buffer-bytes",
        "--max-clock-skew-adjustment", "--autocomplete-keys", "--sampling-http-port", "--sampling-grpc-port",
        "--sampling-strategies", "--sampling-strategies-reload-interval",
        "--sampling-default-probability", "--admin-token", "--adaptive-sampling",
        "--adaptive-target-samples-per-second", "--xds-port", "--xds-node-cluster",
        "--gateway-routes"}) {
      assertThat(result.out).contains(flag);
    }
    Result root = run(Map.of(), "--help");
    assertThat(root.out).contains("all-in-one").contains("collector").contains("query")
        .contains("control-plane").contains("MESHTRACE_");
  }

  @Test
  void xdsSettings() throws IOException {
    MeshtraceConfig defaults = MeshtraceCommand.parseConfig(new String[] {"all-in-one"}, Map.of());
    assertThat(defaults.xds().port()).isEqualTo(18000);
    assertThat(defaults.xds().nodeCluster()).isEqualTo("edge-gateway");
    assertThat(defaults.xds().gatewayRoutes()).isNull();
    assertThat(defaults.runsXds()).isFalse();
    Path file = dir.resolve("cp.yaml");
    Files.writeString(file, "gateway-routes: /etc/meshtrace/gateway-routes.yaml\n");
    MeshtraceConfig config = MeshtraceCommand.parseConfig(new String[] {"control-plane",
        "--config", file.toString(), "--xds-port", "0"},
        Map.of("MESHTRACE_XDS_NODE_CLUSTER", "ingress"));
    assertThat(config.xds().port()).isZero();
    assertThat(config.xds().nodeCluster()).isEqualTo("ingress");
    assertThat(config.xds().gatewayRoutes()).isEqualTo(Path.of("/etc/meshtrace/gateway-routes.yaml"));
    assertThat(config.runsXds()).isTrue();
    // The collector runs no control plane, so no xDS server either.
    assertThat(MeshtraceCommand.parseConfig(new String[] {"collector", "--gateway-routes",
        "x.yaml"}, Map.of()).runsXds()).isFalse();
    assertThatThrownBy(() -> MeshtraceCommand.parseConfig(new String[] {"control-plane",
        "--gateway-routes", "x.yaml", "--xds-port", "14250"}, Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("xds-port").hasMessageContaining("same as sampling-grpc-port");
    // Without routes there is no xDS listener, so its port conflicts with nothing.
    assertThat(MeshtraceCommand.parseConfig(new String[] {"control-plane", "--xds-port",
        "14250"}, Map.of()).xds().port()).isEqualTo(14250);

    Result port = run(Map.of(), "control-plane", "--xds-port", "70000");
    assertThat(port.exitCode).isEqualTo(2);
    assertThat(port.err).contains("invalid setting xds-port: is 70000");
    Result cluster = run(Map.of("MESHTRACE_XDS_NODE_CLUSTER", " "), "control-plane");
    assertThat(cluster.exitCode).isEqualTo(2);
    assertThat(cluster.err).contains("invalid setting xds-node-cluster: must be the Envoy node "
        + "cluster to configure").contains("MESHTRACE_XDS_NODE_CLUSTER");
  }

  @Test
  void aMissingOrBrokenGatewayRoutesFileStopsStartUpNamingTheSetting() throws IOException {
    Path missing = dir.resolve("missing.yaml");
    Result result = run(Map.of(), "control-plane", "--gateway-routes", missing.toString());
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.err).contains("invalid setting gateway-routes: " + missing
        + ": cannot read " + missing + ": no such file");
    Path broken = dir.resolve("broken.yaml");
    Files.writeString(broken, """
        listener: {port: 10000}
        routes:
          - {prefix: /shop, cluster: shop}
        clusters: []
        """);
    Result invalid = run(Map.of(), "all-in-one", "--gateway-routes", broken.toString());
    assertThat(invalid.exitCode).isEqualTo(2);
    assertThat(invalid.err).contains("invalid setting gateway-routes: " + broken
        + ": routes[0].cluster: 'shop' is not listed under clusters (line 3); "
        + "routes[0].operation: missing (line 3)");
  }

  record Result(int exitCode, String out, String err) {}

  private static Result run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = MeshtraceCommand.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }
}
