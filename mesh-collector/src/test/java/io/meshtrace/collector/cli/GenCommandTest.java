package io.meshtrace.collector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code meshtrace gen} refuses what it cannot run with, naming the option; no server here. */
class GenCommandTest {
  record Result(int exitCode, String out, String err) {}

  static Result gen(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] command = new String[args.length + 1];
    command[0] = "gen";
    System.arraycopy(args, 0, command, 1, args.length);
    int exitCode = MeshtraceCommand.run(command, env, new PrintWriter(out, true),
        new PrintWriter(err, true));
    return new Result(exitCode, out.toString(), err.toString());
  }

  @Test
  void invalidOptionsAreUsageErrorsNamingTheOption() {
    Result negative = gen(Map.of(), "--rate", "-5");
    assertThat(negative.exitCode()).isEqualTo(2);
    assertThat(negative.err()).contains("invalid setting gen-rate: --rate is -5.0 but must be "
        + "a number of traces per second above 0");

    Result both = gen(Map.of(), "--duration", "30s", "--traces", "10");
    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(both.err()).contains("--traces cannot be combined with --duration");

    Result protocol = gen(Map.of(), "--protocol", "jaeger-thrift");
    assertThat(protocol.exitCode()).isEqualTo(2);
    assertThat(protocol.err()).contains("--protocol 'jaeger-thrift' is not one of zipkin-json, "
        + "zipkin-proto, otlp-http, otlp-grpc");

    Result services = gen(Map.of(), "--services", "0");
    assertThat(services.exitCode()).isEqualTo(2);
    assertThat(services.err()).contains("--services is 0 but must be between 1 and 500");

    Result rate = gen(Map.of(), "--error-rate", "1.5");
    assertThat(rate.exitCode()).isEqualTo(2);
    assertThat(rate.err()).contains("--error-rate is 1.5 but must be a fraction in [0,1]");

    Result start = gen(Map.of(), "--start-time", "yesterday");
    assertThat(start.exitCode()).isEqualTo(2);
    assertThat(start.err()).contains("--start-time 'yesterday' is not an ISO-8601 instant");

    Result duration = gen(Map.of(), "--duration", "soon");
    assertThat(duration.exitCode()).isEqualTo(2);
    assertThat(duration.err()).contains("'soon' is not a duration");

    Result endpoint = gen(Map.of(), "--endpoint", "localhost:9411");
    assertThat(endpoint.exitCode()).isEqualTo(2);
    assertThat(endpoint.err()).contains("--endpoint 'localhost:9411' is not an http:// or "
        + "https:// URL with a host");

    Result notANumber = gen(Map.of(), "--traces", "many");
    assertThat(notANumber.exitCode()).isEqualTo(2);
    assertThat(notANumber.err()).contains("--traces");
  }

  @Test
  void settingsFromTheEnvironmentUseTheGenNamesAndAreReportedAsSuch() {
    Result result = gen(Map.of("MESHTRACE_GEN_RATE", "0"));
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("invalid setting gen-rate: --rate is 0.0")
        .contains("(set by environment variable MESHTRACE_GEN_RATE)");
  }

  @Test
  void anUnreachableEndpointIsASendFailure() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    for (String protocol : new String[] {"zipkin-json", "otlp-grpc"}) {
      Result result = gen(Map.of(), "--traces", "3", "--rate", "100", "--protocol", protocol,
          "--endpoint", "http://127.0.0.1:" + port);
      assertThat(result.exitCode()).as(protocol).isEqualTo(1);
      assertThat(result.err()).as(protocol).contains("gen: cannot send to http://127.0.0.1:"
          + port).contains("onnection refused").contains("is meshtrace running?");
    }
  }
}
