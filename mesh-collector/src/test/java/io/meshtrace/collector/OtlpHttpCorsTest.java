package io.meshtrace.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Browser SDKs may send OTLP/HTTP from the configured origins only. Requests go over a plain
 * socket: Java's HTTP client refuses to set {@code Origin}, which is what a browser sends.
 */
class OtlpHttpCorsTest {
  static final String ORIGIN = "https://shop.example.com";
  static MeshtraceServer withCors;
  static MeshtraceServer withoutCors;

  @BeforeAll
  static void start() throws Exception {
    withCors = TestServers.allInOne("--otlp-http-cors-origins", ORIGIN + ",https://admin.example.com");
    withoutCors = TestServers.allInOne();
  }

  @AfterAll
  static void stop() {
    withCors.stop();
    withoutCors.stop();
  }

  record Response(int status, Map<String, String> headers) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  static Response send(MeshtraceServer server, String method, String origin, String... headers)
      throws IOException {
    byte[] body = method.equals("POST")
        ? OtlpPayloads.trace(OtlpPayloads.randomTraceId(), 1, "browser").toByteArray() : new byte[0];
    StringBuilder request = new StringBuilder(method + " /v1/traces HTTP/1.1\r\n")
        .append("Host: 127.0.0.1\r\nConnection: close\r\nOrigin: ").append(origin).append("\r\n")
        .append("Content-Length: ").append(body.length).append("\r\n");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    }
    request.append("\r\n");
    try (Socket socket = new Socket("127.0.0.1", server.ports().get("otlpHttp"))) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String text = all.toString(StandardCharsets.ISO_8859_1);
      String head = text.substring(0, text.indexOf("\r\n\r\n"));
      String[] lines = head.split("\r\n");
      Map<String, String> parsed = new TreeMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        parsed.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim());
      }
      return new Response(Integer.parseInt(lines[0].split(" ")[1]), parsed);
    }
  }

  @Test
  void preflightAndPostFromAnAllowedOrigin() throws IOException {
    Response preflight = send(withCors, "OPTIONS", ORIGIN,
        "Access-Control-Request-Method", "POST",
        "Access-Control-Request-Headers", "content-type");
    assertThat(preflight.status()).isBetween(200, 204);
    assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
    assertThat(preflight.header("Access-Control-Allow-Methods")).contains("POST");
    assertThat(preflight.header("Access-Control-Allow-Headers").toLowerCase(Locale.ROOT))
        .contains("content-type");

    Response post = send(withCors, "POST", ORIGIN, "Content-Type", "application/x-protobuf");
    assertThat(post.status()).isEqualTo(200);
    assertThat(post.header("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
  }

  @Test
  void anotherOriginIsRefused() throws IOException {
    Response preflight = send(withCors, "OPTIONS", "https://evil.example.net",
        "Access-Control-Request-Method", "POST");
    assertThat(preflight.status()).isEqualTo(403);
    assertThat(preflight.header("Access-Control-Allow-Origin")).isNull();
    Response post = send(withCors, "POST", "https://evil.example.net",
        "Content-Type", "application/x-protobuf");
    assertThat(post.status()).isEqualTo(403);
  }

  @Test
  void withoutConfigurationThereIsNoCors() throws IOException {
    Response post = send(withoutCors, "POST", ORIGIN, "Content-Type", "application/x-protobuf");
    assertThat(post.status()).isEqualTo(200);
    assertThat(post.header("Access-Control-Allow-Origin")).isNull();
  }
}
