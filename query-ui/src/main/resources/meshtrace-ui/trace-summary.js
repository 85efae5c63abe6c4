// What a results list shows of a trace in Jaeger's model, and what a trace's spans say about
// errors. Shared by the search results, the timeline and the comparison.

/** True when a span failed: Jaeger's error=true tag or an OpenTelemetry ERROR status. */
export function isErrorSpan(span) {
  for (const tag of span.tags || []) {
    if (tag.key === 'error' && (tag.value === true || tag.value === 'true')) return true;
    if (tag.key === 'otel.status_code' && tag.value === 'ERROR') return true;
  }
  return false;
}

/** The span's parent within the trace: its CHILD_OF reference, else FOLLOWS_FROM. */
export function parentSpanId(span) {
  const refs = span.references || [];
  const ref = refs.find(r => r.refType === 'CHILD_OF' && r.traceID === span.traceID)
    || refs.find(r => r.refType === 'FOLLOWS_FROM' && r.traceID === span.traceID);
  return ref ? ref.spanID : null;
}

/** {traceID, rootService, rootOperation, start, duration, spanCount, errorCount, services}. */
export function summarizeTrace(trace) {
  const ids = new Set(trace.spans.map(span => span.spanID));
  let root = null;
  let start = Infinity;
  let end = -Infinity;
  let errorCount = 0;
  const services = new Map();
  for (const span of trace.spans) {
    start = Math.min(start, span.startTime);
    end = Math.max(end, span.startTime + span.duration);
    if (isErrorSpan(span)) errorCount++;
    const service = trace.processes[span.processID]?.serviceName ?? 'unknown';
    services.set(service, (services.get(service) || 0) + 1);
    const parent = parentSpanId(span);
    if ((!parent || !ids.has(parent)) && (!root || span.startTime < root.startTime)) root = span;
  }
  root = root || trace.spans[0];
  return {
    traceID: trace.traceID,
    rootService: trace.processes[root.processID]?.serviceName ?? 'unknown',
    rootOperation: root.operationName,
    start,
    duration: end - start,
    spanCount: trace.spans.length,
    errorCount,
    services: [...services].sort((a, b) => a[0].localeCompare(b[0])),
  };
}
