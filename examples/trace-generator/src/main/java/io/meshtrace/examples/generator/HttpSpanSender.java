package io.meshtrace.examples.generator;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import zipkin2.codec.SpanBytesEncoder;

/** Zipkin v2 (JSON, proto3) and OTLP/HTTP protobuf over the JDK's HTTP/1.1 client. */
final class HttpSpanSender implements SpanSender {
  private static final int EXCERPT = 300;

  private final Protocol protocol;
  private final URI endpoint;
  private final RetryPolicy retries;
  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  HttpSpanSender(Protocol protocol, URI endpoint, RetryPolicy retries) {
    this.protocol = protocol;
    this.endpoint = endpoint;
    this.retries = retries;
  }

  @Override
  public URI endpoint() {
    return endpoint;
  }

  @Override
  public Delivery send(List<GeneratedTrace> traces) throws SendFailure, InterruptedException {
    byte[] body = switch (protocol) {
      case ZIPKIN_JSON -> SpanBytesEncoder.JSON_V2.encodeList(ZipkinSpans.of(traces));
      case ZIPKIN_PROTO -> SpanBytesEncoder.PROTO3.encodeList(ZipkinSpans.of(traces));
      case OTLP_HTTP -> OtlpSpans.of(traces).toByteArray();
      case OTLP_GRPC -> throw new IllegalStateException("not an HTTP protocol");
    };
    HttpRequest request = HttpRequest.newBuilder(endpoint)
        .timeout(Duration.ofSeconds(60))
        .header("Content-Type", protocol == Protocol.ZIPKIN_JSON ? "application/json"
            : "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    for (int retry = 0; ; retry++) {
      HttpResponse<byte[]> response;
      try {
        response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
      } catch (IOException e) {
        throw new SendFailure("cannot send to " + endpoint + ": " + describe(e)
            + " (is meshtrace running? java -jar meshtrace.jar all-in-one)", retry);
      }
      int status = response.statusCode();
      if (status / 100 == 2) {
        if (protocol == Protocol.OTLP_HTTP) {
          OtlpSpans.checkPartialSuccess(response.body(), "POST " + endpoint, retry);
        }
        return new Delivery(body.length, retry);
      }
      if ((status == 429 || status == 503) && retry < retries.maxRetries()) {
        Thread.sleep(retries.delay(retry, retryAfter(response.headers())).toMillis());
        continue;
      }
      throw new SendFailure("POST " + endpoint + " answered " + status
          + (retry > 0 ? " after " + retry + " retries" : "") + ": "
          + excerpt(response), retry);
    }
  }

  /** The body as text, or the message of an OTLP google.rpc.Status. */
  private static String excerpt(HttpResponse<byte[]> response) {
    byte[] body = response.body();
    if (body.length == 0) {
      return "(empty body)";
    }
    String contentType = response.headers().firstValue("Content-Type").orElse("");
    String text;
    if (contentType.startsWith("application/x-protobuf")) {
      try {
        text = com.google.rpc.Status.parseFrom(body).getMessage();
      } catch (InvalidProtocolBufferException e) {
        text = "(" + body.length + " bytes of protobuf)";
      }
    } else {
      text = new String(body, StandardCharsets.UTF_8).strip();
    }
    return text.length() > EXCERPT ? text.substring(0, EXCERPT) + "..." : text;
  }

  /** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
  static Duration retryAfter(HttpHeaders headers) {
    String value = headers.firstValue("Retry-After").orElse(null);
    if (value == null) {
      return null;
    }
    try {
      return Duration.ofSeconds(Long.parseLong(value.trim()));
    } catch (NumberFormatException notSeconds) {
      try {
        return Duration.between(ZonedDateTime.now(),
            ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME));
      } catch (DateTimeParseException neither) {
        return null;
      }
    }
  }

  static String describe(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof java.net.ConnectException) {
        // the JDK client's has no message, only a ClosedChannelException as cause
        return "connection refused" + (c.getMessage() == null ? "" : " (" + c.getMessage() + ")");
      }
    }
    Throwable cause = e;
    while (cause.getMessage() == null && cause.getCause() != null) {
      cause = cause.getCause();
    }
    String message = cause.getMessage();
    return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  @Override
  public void close() {
    // The JDK client's threads end with it; HttpClient.close() is Java 21.
  }
}
