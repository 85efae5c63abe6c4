package io.meshtrace.collector.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * HTTP/1.1 requests written byte for byte, for what the JDK's client refuses to send: request
 * targets with invalid percent-encoding, raw control characters, any query a fuzzer makes. One
 * connection per request ({@code Connection: close}), read to its end within a deadline.
 */
public final class RawHttp {
  /** A status and the body as text (a malformed answer has status -1). */
  public record Answer(int status, String body) {}

  private RawHttp() {}

  public static Answer get(int port, String target, Duration deadline) throws IOException {
    return send(port, "GET", target, null, null, deadline);
  }

  /** {@code extra} headers are name, value pairs sent after the content type. */
  public static Answer send(int port, String method, String target, String contentType,
      byte[] body, Duration deadline, String... extra) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), (int) deadline.toMillis());
      socket.setSoTimeout((int) deadline.toMillis());
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      head.write((method + " ").getBytes(StandardCharsets.ISO_8859_1));
      head.write(target.getBytes(StandardCharsets.UTF_8));
      StringBuilder headers = new StringBuilder(" HTTP/1.1\r\nHost: 127.0.0.1:" + port
          + "\r\nConnection: close\r\n");
      if (contentType != null) {
        headers.append("Content-Type: ").append(contentType).append("\r\n");
      }
      for (int i = 0; i + 1 < extra.length; i += 2) {
        headers.append(extra[i]).append(": ").append(extra[i + 1]).append("\r\n");
      }
      if (body != null) {
        headers.append("Content-Length: ").append(body.length).append("\r\n");
      }
      head.write(headers.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
      OutputStream out = socket.getOutputStream();
      out.write(head.toByteArray());
      if (body != null) {
        out.write(body);
      }
      out.flush();
      long until = System.nanoTime() + deadline.toNanos();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      for (int read; (read = in.read(buffer)) >= 0; ) {
        answer.write(buffer, 0, read);
        if (System.nanoTime() > until) {
          throw new java.net.SocketTimeoutException("answer not complete within " + deadline);
        }
      }
      return parse(answer.toString(StandardCharsets.UTF_8));
    }
  }

  private static Answer parse(String answer) {
    // Netty answers a request line it refuses (414, 431) in HTTP/1.0.
    if (!(answer.startsWith("HTTP/1.1 ") || answer.startsWith("HTTP/1.0 "))
        || answer.length() < 12) {
      return new Answer(-1, answer);
    }
    int status;
    try {
      status = Integer.parseInt(answer.substring(9, 12));
    } catch (NumberFormatException e) {
      return new Answer(-1, answer);
    }
    int bodyStart = answer.indexOf("\r\n\r\n");
    return new Answer(status, bodyStart < 0 ? "" : answer.substring(bodyStart + 4));
  }
}
