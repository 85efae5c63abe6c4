package io.meshtrace.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.vertx.core.Vertx;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Past {@code --max-connections} a listener closes a new connection as it opens, and counts it;
 * HTTP/2 connections are told {@code --max-concurrent-streams} in the server's settings.
 */
class ConnectionLimitTest {
  static MeshtraceServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServers.allInOne("--max-connections", "2", "--max-concurrent-streams", "7");
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @Test
  void aConnectionPastTheLimitIsClosedAndCountedAndOneClosingMakesRoom() throws Exception {
    int port = server.ports().get("zipkin");
    double refusedBefore = refused("zipkin");
    try (Socket first = new Socket("127.0.0.1", port);
        Socket second = new Socket("127.0.0.1", port)) {
      assertThat(postEmptyList(first)).startsWith("HTTP/1.1 202");
      assertThat(postEmptyList(second)).startsWith("HTTP/1.1 202");
      assertThat(open("zipkin")).isEqualTo(2);
      try (Socket third = new Socket("127.0.0.1", port)) {
        third.setSoTimeout(10_000);
        assertThat(closedByServer(third)).isTrue();
      }
      assertThat(refused("zipkin")).isEqualTo(refusedBefore + 1);
      // Still served on the connections it took.
      assertThat(postEmptyList(first)).startsWith("HTTP/1.1 202");
    }
    awaitOpen("zipkin", 0);
    try (Socket again = new Socket("127.0.0.1", port)) {
      assertThat(postEmptyList(again)).startsWith("HTTP/1.1 202");
    }
    // Another listener counts its own connections.
    assertThat(refused("otlpHttp")).isZero();
  }

  @Test
  void http2ConnectionsAreToldTheStreamLimit() throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    try {
      HttpClientConnection connection = client.connect(new HttpConnectOptions()
          .setHost("127.0.0.1").setPort(server.ports().get("otlpGrpc"))).await();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      Http2Settings settings = connection.remoteSettings();
      while (settings.getMaxConcurrentStreams() == Http2Settings.DEFAULT_MAX_CONCURRENT_STREAMS
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
        settings = connection.remoteSettings();
      }
      assertThat(settings.getMaxConcurrentStreams()).isEqualTo(7);
      connection.close().await();
    } finally {
      client.close().await();
      vertx.close().await();
    }
  }

  /** Sends {@code []} to the Zipkin intake on a kept-alive connection; the answer's head. */
  private static String postEmptyList(Socket socket) throws IOException {
    socket.setSoTimeout(10_000);
    OutputStream out = socket.getOutputStream();
    out.write(("POST /api/v2/spans HTTP/1.1\r\nHost: meshtrace\r\n"
        + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n[]")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    int b;
    while ((b = in.read()) != -1) {
      head.append((char) b);
      if (head.toString().endsWith("\r\n\r\n")) {
        break;
      }
    }
    return head.toString();
  }

  /** Whether the server closes the connection without answering a request sent on it. */
  private static boolean closedByServer(Socket socket) throws IOException {
    try {
      socket.getOutputStream().write(("POST /api/v2/spans HTTP/1.1\r\nHost: meshtrace\r\n"
          + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n[]")
          .getBytes(StandardCharsets.US_ASCII));
      return socket.getInputStream().read() == -1;
    } catch (IOException reset) {
      return true; // a reset is a close too
    }
  }

  private static double refused(String listener) {
    return server.metrics().get("meshtrace.connections.refused").tag("listener", listener)
        .functionCounter().count();
  }

  private static double open(String listener) {
    return server.metrics().get("meshtrace.connections.open").tag("listener", listener)
        .gauge().value();
  }

  private static void awaitOpen(String listener, int connections) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (open(listener) != connections) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(listener + " has " + open(listener) + " connections open");
      }
      Thread.sleep(10);
    }
  }
}
