package io.meshtrace.controlplane.slo;

import java.util.List;

/**
 * Span kinds as objectives name them ({@code server}, ...) and OTLP numbers them: the names
 * are OTLP's {@code SPAN_KIND_*} without the prefix, lower-cased, so that they read as Jaeger's
 * SPM API's {@code spanKind} parameter does.
 */
public final class SpanKinds {
  /** The names by OTLP number: 0 unspecified, 1 internal, 2 server, 3 client, ... */
  public static final List<String> NAMES = List.of("unspecified", "internal", "server", "client",
      "producer", "consumer");
  public static final int SERVER = 2;

  private SpanKinds() {}

  /** The OTLP number of a name, or -1 for none. */
  public static int number(String name) {
    return NAMES.indexOf(name);
  }

  public static String name(int number) {
    return NAMES.get(number);
  }
}
