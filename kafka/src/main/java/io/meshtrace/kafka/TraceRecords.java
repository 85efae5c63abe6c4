package io.meshtrace.kafka;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A batch of spans as one request per trace, keyed by the trace ID's 32 hex characters: every
 * span of a trace goes to one partition, so one ingester sees a trace's spans in order (what the
 * OpenTelemetry Collector's exporter does with {@code partition_traces_by_id}). Each request
 * keeps its spans' resources and scopes.
 */
final class TraceRecords {
  private TraceRecords() {}

  /** A record's key and value before encoding. */
  record TraceRecord(String key, ExportTraceServiceRequest request) {}

  static List<TraceRecord> split(List<ResourceSpans> batch) {
    Map<ByteString, Map<Integer, ResourceSpans.Builder>> byTrace = new LinkedHashMap<>();
    for (int r = 0; r < batch.size(); r++) {
      ResourceSpans resourceSpans = batch.get(r);
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        Map<ByteString, ScopeSpans.Builder> scopes = new LinkedHashMap<>();
        for (Span span : scopeSpans.getSpansList()) {
          ByteString trace = span.getTraceId();
          scopes.computeIfAbsent(trace, t -> ScopeSpans.newBuilder()
              .setScope(scopeSpans.getScope()).setSchemaUrl(scopeSpans.getSchemaUrl()))
              .addSpans(span);
        }
        int resourceIndex = r;
        scopes.forEach((trace, scope) -> byTrace.computeIfAbsent(trace,
                t -> new LinkedHashMap<>())
            .computeIfAbsent(resourceIndex, i -> ResourceSpans.newBuilder()
                .setResource(resourceSpans.getResource())
                .setSchemaUrl(resourceSpans.getSchemaUrl()))
            .addScopeSpans(scope));
      }
    }
    List<TraceRecord> records = new ArrayList<>(byTrace.size());
    byTrace.forEach((trace, resources) -> {
      ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
      resources.values().forEach(request::addResourceSpans);
      records.add(new TraceRecord(key(trace), request.build()));
    });
    return records;
  }

  /** The trace ID's bytes in lower-case hex: 32 characters for OTLP's 16 bytes. */
  static String key(ByteString traceId) {
    StringBuilder hex = new StringBuilder(traceId.size() * 2);
    for (int i = 0; i < traceId.size(); i++) {
      int b = traceId.byteAt(i) & 0xff;
      hex.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return hex.toString();
  }
}
