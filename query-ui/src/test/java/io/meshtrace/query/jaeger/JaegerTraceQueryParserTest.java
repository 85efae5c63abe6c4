package io.meshtrace.query.jaeger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.model.TraceId;
import io.meshtrace.query.BadQueryParameterException;
import io.meshtrace.storage.TraceQuery;
import io.vertx.core.MultiMap;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JaegerTraceQueryParserTest {
  static final Instant NOW = Instant.parse("2025-01-01T00:10:00Z");
  final JaegerTraceQueryParser parser =
      new JaegerTraceQueryParser(Clock.fixed(NOW, ZoneOffset.UTC));

  static MultiMap params(String... pairs) {
    MultiMap params = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < pairs.length; i += 2) {
      params.add(pairs[i], pairs[i + 1]);
    }
    return params;
  }

  @Test
  void defaultsAreTheLastHourAndTwentyTraces() {
    JaegerTraceSearch search = parser.parse(params());
    assertThat(search.byIds()).isFalse();
    assertThat(search.raw()).isFalse();
    assertThat(search.query()).isEqualTo(new TraceQuery(null, null, null, Map.of(), null, null,
        NOW.minusSeconds(3600), NOW, 20));
  }

  @Test
  void everyCriterionReachesTheStorageQuery() {
    JaegerTraceSearch search = parser.parse(params("service", "shop", "operation", "GET /",
        "tag", "a:b:c", "tag", "span.kind:server", "tags", "{\"a\":\"x\",\"k\":\"v\"}",
        "minDuration", "1.5ms", "maxDuration", "2s", "start", "1735689600000000",
        "end", "1735689600500000", "limit", "7", "lookback", "2d", "raw", "true"));
    assertThat(search.raw()).isTrue();
    // tags override tag for the same key; span.kind becomes the kind criterion.
    assertThat(search.query()).isEqualTo(new TraceQuery("shop", "GET /", 2,
        Map.of("a", "x", "k", "v"), 1500L, 2_000_000L, Instant.parse("2025-01-01T00:00:00Z"),
        Instant.parse("2025-01-01T00:00:00.5Z"), 7));
  }

  @Test
  void traceIdsWinAndRepeatsCollapse() {
    JaegerTraceSearch search = parser.parse(params("traceID", "abc", "traceID",
        "0000000000000000000000000000ABC", "traceID", "ff", "service", "ignored"));
    assertThat(search.byIds()).isTrue();
    assertThat(search.query()).isNull();
    assertThat(search.traceIds()).containsExactly(TraceId.fromHex("abc"), TraceId.fromHex("ff"));
  }

  @Test
  void errorsNameTheParameter() {
    assertThatThrownBy(() -> parser.parse(params("maxDuration", "1x")))
        .isInstanceOf(BadQueryParameterException.class)
        .hasMessage("unable to parse param 'maxDuration': "
            + "time: unknown unit \"x\" in duration \"1x\"");
    assertThatThrownBy(() -> parser.parse(params("tags", "{\"a\":[\"b\"]}")))
        .hasMessageContaining("'tags'").hasMessageContaining("'a' is not a string");
  }

  /**
   * Found by HttpApisFuzzTest: a start after 2262 (here in 5737, after the default end) made
   * the message overflow ChronoUnit's nanoseconds, and the search answered 500.
   */
  @Test
  void aStartFarAheadIsRefusedWithItsValue() {
    assertThatThrownBy(() -> parser.parse(params("start", "118900704840416816")))
        .isInstanceOf(BadQueryParameterException.class)
        .hasMessageContaining("start 118900704840416816 is after end");
    assertThat(parser.parse(params("start", "253402300799000000", "end", "253402300799000000"))
        .query().start()).isEqualTo(Instant.parse("9999-12-31T23:59:59Z"));
  }
}
