package io.meshtrace.query.adjust;

import static io.meshtrace.query.adjust.Spans.host;
import static io.meshtrace.query.adjust.Spans.on;
import static io.meshtrace.query.adjust.Spans.span;
import static io.meshtrace.query.adjust.Spans.startMicros;
import static io.meshtrace.query.adjust.Spans.trace;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.model.TraceSpans;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClockSkewAdjusterTest {
  final Resource frontendHost = host("frontend", "node-a");
  final Resource backendHost = host("backend", "node-b");

  /** Parent 0..1000 µs on node-a; child on node-b claims to start 500 µs before its parent. */
  TraceSpans skewed() {
    return trace(
        on(frontendHost, span(1, null, Span.SpanKind.SPAN_KIND_CLIENT, 10_000, 1_000)),
        on(backendHost, span(2, 1L, Span.SpanKind.SPAN_KIND_SERVER, 9_500, 600)
            .toBuilder().addEvents(Span.Event.newBuilder().setName("got it")
                .setTimeUnixNano(9_600_000)).build()),
        // Same host as the child: it moves with it, though it fits its own parent.
        on(backendHost, span(3, 2L, Span.SpanKind.SPAN_KIND_CLIENT, 9_600, 100)));
  }

  @Test
  void childOnAnotherHostIsCentredInItsParentWithAWarning() {
    TraceSpans adjusted = new ClockSkewAdjuster(Duration.ofSeconds(1)).adjust(skewed());
    // Latency (1000 - 600) / 2 = 200 µs: the child moves from 9500 to 10200, by 700 µs.
    assertThat(adjusted.spans()).extracting(Spans::startMicros)
        .containsExactly(10_000L, 10_200L, 10_300L);
    Span child = adjusted.spans().get(1).span();
    assertThat(child.getEndTimeUnixNano()).isEqualTo(10_800_000L);
    assertThat(child.getEvents(0).getTimeUnixNano()).isEqualTo(10_300_000L);
    assertThat(SpanWarnings.of(child))
        .containsExactly("This span's timestamps were adjusted by 700µs");
    assertThat(SpanWarnings.of(adjusted.spans().get(2).span()))
        .containsExactly("This span's timestamps were adjusted by 700µs");
    assertThat(SpanWarnings.of(adjusted.spans().get(0).span())).isEmpty();
  }

  @Test
  void shiftsBeyondTheMaximumAreNotAppliedButReported() {
    TraceSpans adjusted = new ClockSkewAdjuster(Duration.ofMillis(0).plusNanos(500_000))
        .adjust(skewed());
    assertThat(adjusted.spans()).extracting(Spans::startMicros)
        .containsExactly(10_000L, 9_500L, 9_600L);
    assertThat(SpanWarnings.of(adjusted.spans().get(1).span())).containsExactly(
        "max clock skew adjustment delta of 500µs exceeded; not applying calculated delta of 700µs");
  }

  @Test
  void zeroDisablesAdjustmentAsInJaeger() {
    TraceSpans adjusted = new ClockSkewAdjuster(Duration.ZERO).adjust(skewed());
    assertThat(adjusted.spans()).extracting(Spans::startMicros)
        .containsExactly(10_000L, 9_500L, 9_600L);
    assertThat(SpanWarnings.of(adjusted.spans().get(1).span())).containsExactly(
        "clock skew adjustment disabled; not applying calculated delta of 700µs");
  }

  @Test
  void childrenThatFitOrShareTheHostAreLeftAlone() {
    TraceSpans fits = trace(
        on(frontendHost, span(1, null, Span.SpanKind.SPAN_KIND_SERVER, 0, 1_000)),
        on(backendHost, span(2, 1L, Span.SpanKind.SPAN_KIND_SERVER, 100, 500)),
        // Same host as its parent: never compared, even though it starts earlier.
        on(frontendHost, span(3, 1L, Span.SpanKind.SPAN_KIND_INTERNAL, -50, 10)));
    assertThat(new ClockSkewAdjuster(Duration.ofSeconds(1)).adjust(fits)).isEqualTo(fits);
  }

  @Test
  void longerChildOnlyStopsStartingBeforeItsParent() {
    TraceSpans async = trace(
        on(frontendHost, span(1, null, Span.SpanKind.SPAN_KIND_PRODUCER, 1_000, 100)),
        on(backendHost, span(2, 1L, Span.SpanKind.SPAN_KIND_CONSUMER, 900, 5_000)));
    TraceSpans adjusted = new ClockSkewAdjuster(Duration.ofSeconds(1)).adjust(async);
    assertThat(startMicros(adjusted.spans().get(1))).isEqualTo(1_000L);
  }

  @Test
  void missingParentsAndDuplicateIdsAreReported() {
    TraceSpans odd = trace(
        on(frontendHost, span(1, 99L, Span.SpanKind.SPAN_KIND_SERVER, 0, 1_000)),
        on(backendHost, span(1, null, Span.SpanKind.SPAN_KIND_SERVER, 0, 1_000)));
    TraceSpans adjusted = new ClockSkewAdjuster(Duration.ofSeconds(1)).adjust(odd);
    assertThat(adjusted.spans()).extracting(e -> SpanWarnings.of(e.span())).containsExactly(
        List.of("parent span ID=0000000000000063 is not in the trace; skipping clock skew adjustment"),
        List.of("duplicate span IDs; skipping clock skew adjustment"));
  }

  @Test
  void deepChainsDoNotOverflowTheStack() {
    TraceSpans.Entry[] chain = new TraceSpans.Entry[20_000];
    for (int i = 0; i < chain.length; i++) {
      chain[i] = on(i % 2 == 0 ? frontendHost : backendHost,
          span(i + 1, i == 0 ? null : (long) i, Span.SpanKind.SPAN_KIND_INTERNAL, i, 100_000 - i));
    }
    TraceSpans adjusted = new ClockSkewAdjuster(Duration.ofSeconds(1)).adjust(trace(chain));
    assertThat(adjusted.spans()).hasSize(20_000);
  }
}
