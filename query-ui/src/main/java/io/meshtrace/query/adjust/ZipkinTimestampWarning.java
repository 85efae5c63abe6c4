package io.meshtrace.query.adjust;

import io.meshtrace.model.TraceSpans;
import io.meshtrace.model.ZipkinAttributes;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * A span Zipkin's intake took without a timestamp carries {@code zipkin.timestamp_absent}, so
 * that Zipkin's API gives it back without one; Jaeger's APIs show it as a warning on the span
 * instead of a tag, the way Jaeger tells what it had to make up.
 */
public final class ZipkinTimestampWarning implements TraceAdjuster {
  static final String WARNING = "the span was sent without a timestamp: its start is its first"
      + " annotation's, or when meshtrace received it";

  @Override
  public TraceSpans adjust(TraceSpans trace) {
    List<TraceSpans.Entry> spans = null;
    for (int i = 0; i < trace.spans().size(); i++) {
      TraceSpans.Entry entry = trace.spans().get(i);
      Span changed = withWarning(entry.span());
      if (changed != entry.span()) {
        if (spans == null) {
          spans = new ArrayList<>(trace.spans());
        }
        spans.set(i, entry.with(changed));
      }
    }
    return spans == null ? trace : new TraceSpans(spans);
  }

  private static Span withWarning(Span span) {
    for (int i = 0; i < span.getAttributesCount(); i++) {
      KeyValue attribute = span.getAttributes(i);
      if (attribute.getKey().equals(ZipkinAttributes.TIMESTAMP_ABSENT)) {
        return SpanWarnings.add(span.toBuilder().removeAttributes(i).build(), WARNING);
      }
    }
    return span;
  }
}
