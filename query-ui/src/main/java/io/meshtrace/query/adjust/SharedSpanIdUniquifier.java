package io.meshtrace.query.adjust;

import com.google.protobuf.ByteString;
import io.meshtrace.model.SpanIds;
import io.meshtrace.model.TraceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gives the server half of a Zipkin shared span its own ID, as Jaeger's
 * DeduplicateClientServerSpanIDs adjuster does. Zipkin instrumentation (Envoy among it) reports
 * a call's client and server halves with one span ID; Jaeger's model and UI need unique IDs.
 * A SERVER span whose ID a CLIENT span also has gets the lowest ID not used in the trace, and
 * becomes the child of the client half (its old ID is now its parent); spans that named the
 * shared ID as their parent now name the server half, which is the span that called them.
 */
public final class SharedSpanIdUniquifier implements TraceAdjuster {
  static final String TOO_MANY_SPANS =
      "cannot assign unique span ID, too many spans in the trace";

  @Override
  public TraceSpans adjust(TraceSpans trace) {
    Set<Long> usedIds = new HashSet<>();
    Set<Long> clientIds = new HashSet<>();
    for (TraceSpans.Entry entry : trace.spans()) {
      long id = SpanIds.fromBytes(entry.span().getSpanId());
      usedIds.add(id);
      if (entry.span().getKind() == Span.SpanKind.SPAN_KIND_CLIENT) {
        clientIds.add(id);
      }
    }
    Map<ByteString, ByteString> oldToNew = new HashMap<>();
    List<TraceSpans.Entry> spans = new ArrayList<>(trace.spans().size());
    long lastAssigned = 0;
    for (TraceSpans.Entry entry : trace.spans()) {
      Span span = entry.span();
      if (span.getKind() == Span.SpanKind.SPAN_KIND_SERVER
          && clientIds.contains(SpanIds.fromBytes(span.getSpanId()))) {
        long fresh = nextUnused(lastAssigned, usedIds);
        if (fresh == 0) {
          span = SpanWarnings.add(span, TOO_MANY_SPANS);
        } else {
          lastAssigned = fresh;
          usedIds.add(fresh);
          ByteString newId = SpanIds.toBytes(fresh);
          oldToNew.put(span.getSpanId(), newId);
          span = span.toBuilder().setParentSpanId(span.getSpanId()).setSpanId(newId).build();
        }
      }
      spans.add(entry.with(span));
    }
    if (oldToNew.isEmpty()) {
      return trace;
    }
    for (int i = 0; i < spans.size(); i++) {
      Span span = spans.get(i).span();
      ByteString newParent = oldToNew.get(span.getParentSpanId());
      if (newParent != null && !span.getSpanId().equals(newParent)) {
        spans.set(i, spans.get(i).with(span.toBuilder().setParentSpanId(newParent).build()));
      }
    }
    return new TraceSpans(spans);
  }

  /** The next ID after {@code after} that no span uses; 0 when the ID space is exhausted. */
  private static long nextUnused(long after, Set<Long> used) {
    long id = after + 1;
    while (id != 0 && used.contains(id)) {
      id++;
    }
    return id;
  }
}
