package io.meshtrace.collector.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.lifecycle.ComponentStartException;
import io.meshtrace.storage.postgres.TestPostgres;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each command runs its own components; a failed start names the component and undoes it. */
class ServerLifecycleTest {
  @Test
  void eachCommandRunsItsListenersAndNoOthers() throws Exception {
    String database = TestPostgres.freshDatabaseUrl();
    // samplingGrpc in collector: Jaeger's PostSpans, served on the sampling gRPC port.
    Map<String, java.util.List<String>> expected = Map.of(
        "collector", java.util.List.of("zipkin", "otlpGrpc", "otlpHttp", "jaegerCompact",
            "jaegerBinary", "jaegerHttp", "samplingGrpc", "admin"),
        "query", java.util.List.of("zipkin", "query", "admin"),
        "control-plane", java.util.List.of("samplingHttp", "samplingGrpc", "admin"),
        "all-in-one", java.util.List.of("zipkin", "otlpGrpc", "otlpHttp", "jaegerCompact",
            "jaegerBinary", "jaegerHttp", "query", "samplingHttp", "samplingGrpc", "admin"));
    for (Map.Entry<String, java.util.List<String>> command : expected.entrySet()) {
      MeshtraceServer server = TestServers.startOn(database, command.getKey());
      try {
        assertThat(server.ports().keySet()).as(command.getKey())
            .containsExactlyElementsOf(command.getValue());
        assertThat(TestServers.get(TestServers.url(server, "admin", "/readyz")).statusCode())
            .isEqualTo(200);
      } finally {
        server.stop();
      }
    }
  }

  @Test
  void minusOneTurnsEachJaegerListenerOff() throws Exception {
    String database = TestPostgres.freshDatabaseUrl();
    MeshtraceServer server = TestServers.startOn(database, "collector",
        "--jaeger-compact-port", "-1", "--jaeger-http-port", "-1");
    try {
      assertThat(server.ports().keySet()).containsExactly("zipkin", "otlpGrpc", "otlpHttp",
          "jaegerBinary", "samplingGrpc", "admin");
      assertThat(server.ports().get("jaegerBinary")).isPositive();
    } finally {
      server.stop();
    }
    server = TestServers.startOn(database, "all-in-one", "--jaeger-compact-port", "-1",
        "--jaeger-binary-port", "-1", "--jaeger-http-port", "-1");
    try {
      assertThat(server.ports().keySet()).containsExactly("zipkin", "otlpGrpc", "otlpHttp",
          "query", "samplingHttp", "samplingGrpc", "admin");
      assertThat(TestServers.get(TestServers.url(server, "admin", "/readyz")).statusCode())
          .isEqualTo(200);
    } finally {
      server.stop();
    }
  }

  @Test
  void aListenerThatCannotBindStopsStartUpNamingItAndWhatStartedIsStoppedAgain()
      throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ServerSocket free = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int zipkinPort = free.getLocalPort();
      free.close();
      assertThatThrownBy(() -> TestServers.startOn(TestPostgres.freshDatabaseUrl(), "collector",
          "--zipkin-port", Integer.toString(zipkinPort),
          "--otlp-http-port", Integer.toString(taken.getLocalPort())))
          .isInstanceOf(ComponentStartException.class)
          .hasMessageStartingWith("cannot start otlpHttp listener: cannot listen on 127.0.0.1:"
              + taken.getLocalPort());
      // The Zipkin listener had started; it was stopped again, so its port is free.
      try (ServerSocket again = new ServerSocket(zipkinPort, 50,
          InetAddress.getLoopbackAddress())) {
        assertThat(again.getLocalPort()).isEqualTo(zipkinPort);
      }
    }
  }

  @Test
  void aTakenUdpPortStopsStartUpNamingTheJaegerListener() throws Exception {
    try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> TestServers.startOn(TestPostgres.freshDatabaseUrl(), "collector",
          "--jaeger-compact-port", Integer.toString(taken.getLocalPort())))
          .isInstanceOf(ComponentStartException.class)
          .hasMessageStartingWith("cannot start Jaeger agent UDP compact listener: cannot listen "
              + "on UDP 127.0.0.1:" + taken.getLocalPort());
    }
  }
}
