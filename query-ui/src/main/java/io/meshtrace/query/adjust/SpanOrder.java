package io.meshtrace.query.adjust;

import io.meshtrace.model.TraceSpans;
import java.util.ArrayList;
import java.util.List;

/**
 * Spans by start time, then by span ID (unsigned), so that every read of a trace lists spans,
 * and therefore the Jaeger processes {@code p1..} numbered by first appearance, the same way.
 * Runs last: clock skew moves start times.
 */
public final class SpanOrder implements TraceAdjuster {
  @Override
  public TraceSpans adjust(TraceSpans trace) {
    List<TraceSpans.Entry> spans = new ArrayList<>(trace.spans());
    spans.sort(TraceSpans.START_THEN_ID);
    return new TraceSpans(spans);
  }
}
