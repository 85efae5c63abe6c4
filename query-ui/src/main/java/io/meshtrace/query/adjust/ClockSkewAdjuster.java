package io.meshtrace.query.adjust;

import com.google.protobuf.ByteString;
import io.meshtrace.model.SpanIds;
import io.meshtrace.model.TraceSpans;
import io.meshtrace.time.GoDuration;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Corrects clock differences between hosts, as Jaeger's clock-skew adjuster does: a child span
 * from another host than its parent that starts before the parent, or ends after it, is shifted
 * so that it sits inside the parent with the network latency split evenly on both sides (when
 * it lasted longer than the parent, only so that it does not start before it). Spans of the
 * same host keep their parent's shift, since they share its clock. Every shift adds a warning;
 * a shift larger than the maximum is not applied and says so; a maximum of zero disables the
 * shifting (Jaeger's default) while still warning about the skew it saw.
 *
 * <p>The host is the resource's {@code host.id}, {@code host.ip} or {@code host.name}, as in
 * Jaeger; failing those, {@code network.local.address}, where meshtrace keeps a Zipkin span's
 * local endpoint IP (Envoy sidecars have no other host attribute). Spans of no known host are
 * always compared with their parent.
 */
public final class ClockSkewAdjuster implements TraceAdjuster {
  static final String DUPLICATE_SPAN_ID = "duplicate span IDs; skipping clock skew adjustment";

  private final long maxDeltaNanos;

  public ClockSkewAdjuster(Duration maxDelta) {
    this.maxDeltaNanos = Objects.requireNonNull(maxDelta).abs().toNanos();
  }

  /** A span of the trace with its host and the spans whose parent it is. */
  private static final class Node {
    final int index;
    final String hostKey;
    final List<Node> children = new ArrayList<>();

    Node(int index, String hostKey) {
      this.index = index;
      this.hostKey = hostKey;
    }
  }

  /** A node to visit, with the host and shift it inherits. */
  private record Visit(Node node, Node parent, String skewHost, long skewDelta) {}

  @Override
  public TraceSpans adjust(TraceSpans trace) {
    List<TraceSpans.Entry> spans = new ArrayList<>(trace.spans());
    Map<ByteString, Node> nodes = new HashMap<>();
    for (int i = 0; i < spans.size(); i++) {
      TraceSpans.Entry entry = spans.get(i);
      if (nodes.containsKey(entry.span().getSpanId())) {
        spans.set(i, entry.with(SpanWarnings.add(entry.span(), DUPLICATE_SPAN_ID)));
      } else {
        nodes.put(entry.span().getSpanId(), new Node(i, hostKey(entry.resource())));
      }
    }
    List<Node> roots = new ArrayList<>();
    // In trace order rather than map order, so that the result never depends on hashing.
    for (int i = 0; i < spans.size(); i++) {
      Span span = spans.get(i).span();
      Node node = nodes.get(span.getSpanId());
      if (node == null || node.index != i) {
        continue; // a duplicate: it takes no part
      }
      if (span.getParentSpanId().isEmpty()) {
        roots.add(node);
        continue;
      }
      Node parent = nodes.get(span.getParentSpanId());
      if (parent != null) {
        parent.children.add(node);
      } else {
        spans.set(i, spans.get(i).with(SpanWarnings.add(span, "parent span ID="
            + SpanIds.toHex(SpanIds.fromBytes(span.getParentSpanId()))
            + " is not in the trace; skipping clock skew adjustment")));
        roots.add(node);
      }
    }
    // Depth first without recursion: a trace may be a chain thousands of spans deep.
    Deque<Visit> pending = new ArrayDeque<>();
    for (Node root : roots) {
      pending.push(new Visit(root, null, root.hostKey, 0));
    }
    while (!pending.isEmpty()) {
      Visit visit = pending.pop();
      Node node = visit.node();
      String skewHost = visit.skewHost();
      long delta = visit.skewDelta();
      if (visit.parent() != null && (node.hostKey.isEmpty() || !node.hostKey.equals(skewHost))) {
        // Another host: its parent is adjusted already, so compare with the parent as it is now.
        skewHost = node.hostKey;
        delta = skew(spans.get(node.index).span(), spans.get(visit.parent().index).span());
      }
      spans.set(node.index, spans.get(node.index).with(shift(spans.get(node.index).span(), delta)));
      for (int c = node.children.size() - 1; c >= 0; c--) {
        pending.push(new Visit(node.children.get(c), node, skewHost, delta));
      }
    }
    return new TraceSpans(spans);
  }

  /** How far to move the child so that it fits its parent, in nanoseconds; 0 if it fits. */
  static long skew(Span child, Span parent) {
    long parentStart = parent.getStartTimeUnixNano();
    long childStart = child.getStartTimeUnixNano();
    long parentEnd = end(parent);
    long childEnd = end(child);
    long parentDuration = parentEnd - parentStart;
    long childDuration = childEnd - childStart;
    if (childDuration > parentDuration) {
      // Async, or the parent timed out first: all that can be said is that the child cannot
      // have started before its parent.
      return childStart < parentStart ? parentStart - childStart : 0;
    }
    if (childStart >= parentStart && childEnd <= parentEnd) {
      return 0;
    }
    long latency = (parentDuration - childDuration) / 2;
    return parentStart + latency - childStart;
  }

  /** A span without an end (Zipkin spans without duration) counts as lasting no time. */
  private static long end(Span span) {
    return Math.max(span.getEndTimeUnixNano(), span.getStartTimeUnixNano());
  }

  private Span shift(Span span, long delta) {
    if (delta == 0) {
      return span;
    }
    String by = GoDuration.format(Duration.ofNanos(delta));
    if (Math.abs(delta) > maxDeltaNanos) {
      return SpanWarnings.add(span, maxDeltaNanos == 0
          ? "clock skew adjustment disabled; not applying calculated delta of " + by
          : "max clock skew adjustment delta of "
              + GoDuration.format(Duration.ofNanos(maxDeltaNanos))
              + " exceeded; not applying calculated delta of " + by);
    }
    Span.Builder shifted = span.toBuilder()
        .setStartTimeUnixNano(span.getStartTimeUnixNano() + delta);
    if (span.getEndTimeUnixNano() != 0) {
      shifted.setEndTimeUnixNano(span.getEndTimeUnixNano() + delta);
    }
    for (int i = 0; i < shifted.getEventsCount(); i++) {
      shifted.setEvents(i, shifted.getEvents(i).toBuilder()
          .setTimeUnixNano(shifted.getEvents(i).getTimeUnixNano() + delta));
    }
    return SpanWarnings.add(shifted.build(), "This span's timestamps were adjusted by " + by);
  }

  static String hostKey(Resource resource) {
    for (String key : new String[] {"host.id", "host.ip", "host.name", "network.local.address"}) {
      for (KeyValue attribute : resource.getAttributesList()) {
        if (attribute.getKey().equals(key)) {
          AnyValue value = attribute.getValue();
          if (value.hasArrayValue()) {
            if (value.getArrayValue().getValuesCount() > 0) {
              return value.getArrayValue().getValues(0).getStringValue();
            }
          } else {
            return value.getStringValue();
          }
        }
      }
    }
    return "";
  }
}
