package io.meshtrace.examples.generator;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How spans are sent, and where to by default (meshtrace's ports on this machine). */
public enum Protocol {
  ZIPKIN_JSON("zipkin-json", "http://localhost:9411", "/api/v2/spans"),
  ZIPKIN_PROTO("zipkin-proto", "http://localhost:9411", "/api/v2/spans"),
  OTLP_HTTP("otlp-http", "http://localhost:4318", "/v1/traces"),
  OTLP_GRPC("otlp-grpc", "http://localhost:4317", "");

  private final String label;
  private final String defaultBase;
  private final String path;

  Protocol(String label, String defaultBase, String path) {
    this.label = label;
    this.defaultBase = defaultBase;
    this.path = path;
  }

  /** The name on the command line: {@code zipkin-json}, ... */
  public String label() {
    return label;
  }

  @Override
  public String toString() {
    return label;
  }

  public static Protocol parse(String text) {
    for (Protocol protocol : values()) {
      if (protocol.label.equals(text.trim().toLowerCase(Locale.ROOT))) {
        return protocol;
      }
    }
    throw new InvalidOptionException("protocol", "'" + text + "' is not one of " + labels());
  }

  public static String labels() {
    return Arrays.stream(values()).map(Protocol::label).collect(Collectors.joining(", "));
  }

  /**
   * The URL to send to: {@code given}, with the protocol's path added when it has none (so
   * {@code http://meshtrace:9411} works), or meshtrace's default port on localhost.
   */
  public URI endpoint(String given) {
    String text = given == null || given.isBlank() ? defaultBase : given.trim();
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new InvalidOptionException("endpoint", "'" + text + "' is not a URL: "
          + e.getMessage());
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null) {
      throw new InvalidOptionException("endpoint", "'" + text
          + "' is not an http:// or https:// URL with a host");
    }
    if (this == OTLP_GRPC && "https".equals(uri.getScheme())) {
      throw new InvalidOptionException("endpoint", "'" + text + "': otlp-grpc is sent in "
          + "plain text (h2c) only");
    }
    if ((uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/"))
        && !path.isEmpty()) {
      uri = uri.resolve(path);
    }
    return uri;
  }
}
