package io.meshtrace.collector.fuzz;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Random;

/**
 * Request targets for every endpoint of the query APIs (Jaeger v1, v3, Zipkin v2), each with a
 * random selection of its own parameters (and some it does not know), repeated or not, whose
 * values are plausible ones, edge values and hostile text: NUL, invalid percent-encoding and
 * UTF-8, encoded surrogates, huge and negative numbers and durations, odd times, JSON that is
 * not an object of strings, SQL, very long text. Values are written into the target as they
 * are, so that whatever a client could put on the request line reaches the server.
 */
public final class FuzzedQueries {
  /** An endpoint: its path (with {} for a path parameter) and its parameters. */
  record Endpoint(String path, List<String> parameters) {}

  static final List<Endpoint> JAEGER_V1 = List.of(
      new Endpoint("/api/services", List.of()),
      new Endpoint("/api/services/{}/operations", List.of()),
      new Endpoint("/api/operations", List.of("service", "spanKind")),
      new Endpoint("/api/traces", List.of("service", "operation", "tag", "tags", "minDuration",
          "maxDuration", "start", "end", "lookback", "limit", "raw", "traceID")),
      new Endpoint("/api/traces/{}", List.of("raw", "start", "end")),
      new Endpoint("/api/dependencies", List.of("endTs", "lookback", "service")));
  static final List<Endpoint> JAEGER_V3 = List.of(
      new Endpoint("/api/v3/services", List.of()),
      new Endpoint("/api/v3/operations", List.of("service", "spanKind", "span_kind")),
      new Endpoint("/api/v3/traces", List.of("query.serviceName", "query.service_name",
          "query.operationName", "query.operation_name", "query.attributes",
          "query.startTimeMin", "query.start_time_min", "query.startTimeMax",
          "query.start_time_max", "query.durationMin", "query.duration_min",
          "query.durationMax", "query.duration_max", "query.searchDepth", "query.search_depth",
          "query.rawTraces", "query.raw_traces", "query.filter")),
      new Endpoint("/api/v3/traces/{}", List.of("startTime", "start_time", "endTime",
          "end_time", "rawTraces", "raw_traces")));
  static final List<Endpoint> ZIPKIN = List.of(
      new Endpoint("/api/v2/services", List.of()),
      new Endpoint("/api/v2/spans", List.of("serviceName")),
      new Endpoint("/api/v2/remoteServices", List.of("serviceName")),
      new Endpoint("/api/v2/traces", List.of("serviceName", "spanName", "remoteServiceName",
          "annotationQuery", "minDuration", "maxDuration", "endTs", "lookback", "limit")),
      new Endpoint("/api/v2/trace/{}", List.of()),
      new Endpoint("/api/v2/traceMany", List.of("traceIds")),
      new Endpoint("/api/v2/dependencies", List.of("endTs", "lookback")),
      new Endpoint("/api/v2/autocompleteKeys", List.of()),
      new Endpoint("/api/v2/autocompleteValues", List.of("key")));

  private static final String[] HOSTILE = {"%00", "a%00b", "%00%00", "%zz", "%", "%2", "%G0",
      "%C3%28", "%ED%A0%80", "%ED%B0%80", "%F4%90%80%80", "%FF%FE", "%C0%80", "%E2%82",
      "\\u0000", "%5Cu0000", "%5Cud800", "'%3B%20DROP%20TABLE%20spans%3B--", "%27", "%22", "%5C",
      "%25", "+", "%20", "%09", "%0D%0A", "..", "%2F..%2F", "null", "undefined", "NaN",
      "Infinity", "-Infinity", "1e400", "-1e400", "0x10", "-0", "00", "1.5", "-1", "0",
      "9223372036854775807", "9223372036854775808", "-9223372036854775808",
      "-9223372036854775809", "99999999999999999999999999999", "18446744073709551615",
      "2147483648", "-2147483649", "1500", "1501", "100000", "-5ms", "-1h", "1.5h", "0s",
      "9999999h", "2562047h47m16.854775807s", "2562048h", "1ns", "1us", "1%C2%B5s", "1ms",
      "1h30m", "2d", "7d", "1y", "1e9s", ".5s", "5", "true", "false", "TRUE", "t", "yes",
      "%7B%7D", "%5B%5D", "%7B%22k%22%3A%22v%22%7D", "%7B%22k%22%3A1%7D", "%7B%22k%22%3Anull%7D",
      "%7B%22k%22%3A%7B%7D%7D", "%7B%22span.kind%22%3A%22server%22%7D", "%7B", "%7B%22a%22",
      "%7B%22%5Cu0000%22%3A%22v%22%7D", "%7B%22k%22%3A%22%5Cud800%22%7D", "k:v", "k:", ":v",
      ":", "k%00:v", "error:true", "http.status_code:500", "span.kind:client", "k=v", "k",
      "k%3Dv%00", "k%3D", "%3Dv", "and", "k%3Dv%20and%20error", "2026-12-02T05:00:00Z",
      "2026-12-02T05:00:00.123456789Z", "2026-12-02T05:00:00%2B01:00", "0000-01-01T00:00:00Z",
      "9999-12-31T23:59:59Z", "10000-01-01T00:00:00Z", "-1000-01-01T00:00:00Z",
      "2026-13-45T99:99:99Z", "2026-12-02", "1970-01-01T00:00:00Z", "T", "Z",
      "00000000000000000000000000000000", "0000000000000001", "1", "abc", "xyz", "a".repeat(33),
      "f".repeat(32), "f".repeat(16), "a,b", ",", "a,,b", "%2C", "unknown_service", "server",
      "client", "producer", "consumer", "internal", "unspecified", "SPAN_KIND_SERVER", "-",
      "%C3%BCn%C3%AFc%C3%B6de", "%F0%9F%98%80", "%E2%80%AE", "%EF%BF%BD", "%EF%BF%BF"};

  private FuzzedQueries() {}

  /** A target for one endpoint of {@code api}, with names the seeded data uses. */
  static String target(List<Endpoint> api, Random random, List<String> names,
      List<String> traceIds) {
    Endpoint endpoint = api.get(random.nextInt(api.size()));
    StringBuilder target = new StringBuilder(endpoint.path().replace("{}",
        pathValue(random, names, traceIds)));
    int count = endpoint.parameters().isEmpty() ? random.nextInt(2) : random.nextInt(7);
    for (int i = 0; i < count; i++) {
      target.append(i == 0 ? '?' : '&');
      String name = endpoint.parameters().isEmpty() || random.nextInt(8) == 0
          ? value(random, names, traceIds) : endpoint.parameters().get(
              random.nextInt(endpoint.parameters().size()));
      target.append(name);
      if (random.nextInt(12) != 0) { // sometimes a name alone
        target.append('=').append(value(random, names, traceIds));
      }
    }
    if (random.nextInt(20) == 0) {
      target.append('#').append(value(random, names, traceIds));
    }
    return target.toString();
  }

  private static String pathValue(Random random, List<String> names, List<String> traceIds) {
    String value = value(random, names, traceIds);
    return value.isEmpty() ? "x" : value.replace("/", "%2F").replace("?", "%3F")
        .replace("#", "%23");
  }

  /** One value as it goes on the request line. */
  static String value(Random random, List<String> names, List<String> traceIds) {
    return switch (random.nextInt(10)) {
      case 0, 1 -> names.get(random.nextInt(names.size()));
      case 2 -> traceIds.get(random.nextInt(traceIds.size()));
      case 3 -> Long.toString(random.nextLong() >> random.nextInt(64));
      case 4 -> times(random);
      case 5 -> encoded(randomText(random));
      case 6 -> HOSTILE[random.nextInt(HOSTILE.length)] + HOSTILE[random.nextInt(HOSTILE.length)];
      default -> HOSTILE[random.nextInt(HOSTILE.length)];
    };
  }

  private static String times(Random random) {
    long nowMicros = Instant.now().toEpochMilli() * 1000;
    return switch (random.nextInt(4)) {
      case 0 -> Long.toString(nowMicros - random.nextInt(3_600_000) * 1000L);
      case 1 -> Long.toString(nowMicros / 1000);
      case 2 -> Instant.now().minusSeconds(random.nextInt(7200)).toString();
      default -> encoded(Instant.now().plusSeconds(random.nextInt(100)).toString());
    };
  }

  /** Random code points of every plane, incl. controls, NUL and lone surrogates. */
  private static String randomText(Random random) {
    StringBuilder text = new StringBuilder();
    for (int i = 0, n = random.nextInt(random.nextInt(10) == 0 ? 600 : 12); i < n; i++) {
      switch (random.nextInt(6)) {
        case 0 -> text.append((char) random.nextInt(0x20));
        case 1 -> text.append((char) (0xd800 + random.nextInt(0x800)));
        case 2 -> text.appendCodePoint(random.nextInt(0x10ffff + 1));
        default -> text.append((char) (0x20 + random.nextInt(0x5f)));
      }
    }
    return text.toString();
  }

  /** Percent-encoded as UTF-8; Java writes '?' for a lone surrogate. */
  private static String encoded(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }
}
