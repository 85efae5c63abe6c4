package io.meshtrace.model;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A trace's spans flattened out of their ResourceSpans, each with its resource and scope. */
public record TraceSpans(List<Entry> spans) {

  public record Entry(Span span, Resource resource, InstrumentationScope scope) {
    /** The same span, changed (by an adjuster), under the same resource and scope. */
    public Entry with(Span changed) {
      return new Entry(changed, resource, scope);
    }
  }

  /** Start time, ties broken by span ID (unsigned), so every reader sees the same order. */
  public static final Comparator<Entry> START_THEN_ID = Comparator
      .comparingLong((Entry e) -> e.span().getStartTimeUnixNano())
      .thenComparing(e -> e.span().getSpanId(), ByteString.unsignedLexicographicalComparator());

  public TraceSpans {
    spans = List.copyOf(spans);
  }

  /** In start-time order, ties broken by span ID, so every reader sees the same order. */
  public static TraceSpans of(List<ResourceSpans> trace) {
    List<Entry> entries = new ArrayList<>();
    for (ResourceSpans resourceSpans : trace) {
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        for (Span span : scopeSpans.getSpansList()) {
          entries.add(new Entry(span, resourceSpans.getResource(), scopeSpans.getScope()));
        }
      }
    }
    entries.sort(START_THEN_ID);
    return new TraceSpans(entries);
  }
}
