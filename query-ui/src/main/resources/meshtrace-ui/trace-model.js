// A trace in Jaeger's model turned into a span tree for the timeline: parents and children,
// depth, depth-first order, colours, errors and the critical path. Built without recursion so
// that traces of tens of thousands of spans, however deep, cost one pass each.
import {isErrorSpan, parentSpanId} from './trace-summary.js';

/**
 * {traceID, nodes (depth-first order), roots, start, end, duration, services, errorCount,
 * warningCount, maxDepth}; a node is {span, id, service, operation, start, end, duration,
 * parent, children, depth, index, subtreeEnd, error, critical, warnings}.
 */
export function buildTraceModel(trace) {
  const byId = new Map();
  const nodes = [];
  let start = Infinity;
  let end = -Infinity;
  for (const span of trace.spans) {
    const node = {
      span,
      id: span.spanID,
      service: trace.processes[span.processID]?.serviceName ?? 'unknown',
      operation: span.operationName,
      start: span.startTime,
      duration: span.duration,
      end: span.startTime + span.duration,
      parent: null,
      children: [],
      depth: 0,
      index: 0,
      subtreeEnd: 0,
      error: isErrorSpan(span),
      critical: false,
      warnings: span.warnings || [],
    };
    start = Math.min(start, node.start);
    end = Math.max(end, node.end);
    // The same span ID twice (a span sent twice) keeps the first; the rest are roots below.
    if (!byId.has(node.id)) byId.set(node.id, node);
    nodes.push(node);
  }
  const roots = [];
  for (const node of nodes) {
    const parent = byId.get(parentSpanId(node.span));
    if (parent && parent !== node) {
      node.parent = parent;
      parent.children.push(node);
    } else {
      roots.push(node);
    }
  }
  const byStart = (a, b) => a.start - b.start || (a.id < b.id ? -1 : 1);
  roots.sort(byStart);
  for (const node of nodes) node.children.sort(byStart);

  // Depth-first order with each node's subtree as [index, subtreeEnd), so that hiding a
  // collapsed subtree is a jump, not a walk.
  const ordered = [];
  const stack = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push(roots[i]);
  const seen = new Set();
  while (stack.length) {
    const node = stack.pop();
    if (seen.has(node)) continue; // a reference cycle: each span appears once
    seen.add(node);
    node.depth = node.parent && seen.has(node.parent) ? node.parent.depth + 1 : 0;
    node.index = ordered.length;
    ordered.push(node);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
  for (let i = ordered.length - 1; i >= 0; i--) {
    const node = ordered[i];
    node.subtreeEnd = node.index + 1;
    for (const child of node.children) {
      if (child.index > node.index) node.subtreeEnd = Math.max(node.subtreeEnd, child.subtreeEnd);
    }
  }
  if (roots.length) markCriticalPath(roots[0]);

  const services = [...new Set(ordered.map(node => node.service))];
  return {
    traceID: trace.traceID,
    trace,
    nodes: ordered,
    byId,
    roots,
    start,
    end,
    duration: end - start,
    services,
    errorCount: ordered.filter(node => node.error).length,
    warningCount: ordered.filter(node => node.warnings.length).length,
    maxDepth: ordered.reduce((max, node) => Math.max(max, node.depth), 0),
  };
}

/**
 * Marks the spans the root had to wait for: walking back from a span's end, the child that
 * finished last before that point is on the path; then the one that finished last before that
 * child started; and so on down every level.
 */
function markCriticalPath(root) {
  const stack = [root];
  while (stack.length) {
    const node = stack.pop();
    node.critical = true;
    let cursor = node.end;
    const latestFirst = [...node.children].sort((a, b) => b.end - a.end);
    for (const child of latestFirst) {
      if (child.start >= cursor) continue;
      stack.push(child);
      cursor = child.start;
    }
  }
}

/** The rows to show: every node, less the descendants of collapsed ones (a Set of nodes). */
export function visibleNodes(model, collapsed) {
  if (!collapsed.size) return model.nodes;
  const rows = [];
  const nodes = model.nodes;
  for (let i = 0; i < nodes.length;) {
    const node = nodes[i];
    rows.push(node);
    i = collapsed.has(node) ? node.subtreeEnd : i + 1;
  }
  return rows;
}
