// The details of one span: what it did (tags/attributes, status), when (events/logs), where
// (the process/resource), its references/links and the warnings the server added.
import {el} from './dom.js';
import {formatDuration, formatTime, serviceColor} from './format.js';

const STATUS_KEYS = new Set(['error', 'otel.status_code', 'otel.status_description']);

/** onSelectSpan(node) is called for a reference to another span of the same trace. */
export function renderSpanDetails(model, node, {onSelectSpan, onClose}) {
  const span = node.span;
  const process = model.trace.processes[span.processID] || {serviceName: node.service, tags: []};
  const statusTags = (span.tags || []).filter(tag => STATUS_KEYS.has(tag.key));
  const kind = (span.tags || []).find(tag => tag.key === 'span.kind')?.value;
  return el('aside', {class: 'span-details', id: 'span-details', 'aria-label': 'Span details'},
    el('div', {class: 'details-head'},
      el('span', {class: 'swatch', style: {background: serviceColor(node.service)}}),
      el('h3', {}, el('span', {class: 'service-name'}, node.service), ' ',
        el('span', {class: 'operation-name'}, node.operation)),
      el('button', {type: 'button', class: 'close', 'aria-label': 'Close details',
        onclick: onClose}, '×')),
    keyValueTable('details-overview', [
      ['Span ID', span.spanID],
      ['Start', `${formatDuration(node.start - model.start)} after the trace began `
        + `(${formatTime(node.start)})`],
      ['Duration', formatDuration(node.duration)],
      ['Kind', kind || '—'],
      ['Status', node.error ? 'error' : statusTags.length ? 'ok' : 'unset'],
      ['Critical path', node.critical ? 'yes' : 'no'],
    ]),
    node.warnings.length ? section('Warnings', el('ul', {class: 'warnings'},
      node.warnings.map(warning => el('li', {}, warning)))) : null,
    section(`Tags (${(span.tags || []).length})`, tagTable('span-tags', span.tags)),
    section(`Logs (${(span.logs || []).length})`, (span.logs || []).length
      ? el('ol', {class: 'logs'}, span.logs.map(log => el('li', {},
        el('div', {class: 'log-time'}, formatDuration(log.timestamp - model.start)),
        tagTable(null, log.fields))))
      : el('p', {class: 'muted'}, 'No logs or events.')),
    section(`Process: ${process.serviceName}`, tagTable('process-tags', process.tags)),
    section(`References (${(span.references || []).length})`, (span.references || []).length
      ? el('ul', {class: 'references'}, span.references.map(ref => referenceItem(model, ref,
        onSelectSpan)))
      : el('p', {class: 'muted'}, 'None: a root span.')));
}

function referenceItem(model, ref, onSelectSpan) {
  const target = ref.traceID === model.traceID ? model.byId.get(ref.spanID) : null;
  const label = `${ref.refType} ${ref.spanID}`;
  if (target) {
    return el('li', {}, el('button', {type: 'button', class: 'link',
      onclick: () => onSelectSpan(target)}, label), ` (${target.service}: ${target.operation})`);
  }
  if (ref.traceID !== model.traceID) {
    return el('li', {}, el('a', {href: `/trace/${encodeURIComponent(ref.traceID)}`},
      `${label} in trace ${ref.traceID}`));
  }
  return el('li', {}, `${label} (not in this trace)`);
}

function section(title, body) {
  return el('section', {class: 'details-section'}, el('h4', {}, title), body);
}

function tagTable(id, tags) {
  if (!tags || !tags.length) return el('p', {class: 'muted'}, 'None.');
  return keyValueTable(id, tags.map(tag => [tag.key, formatValue(tag)]));
}

function keyValueTable(id, pairs) {
  return el('table', {class: 'kv', id},
    el('tbody', {}, pairs.map(([key, value]) => el('tr', {dataset: {key}},
      el('th', {scope: 'row'}, key), el('td', {}, value)))));
}

function formatValue(tag) {
  if (tag.type === 'binary') return `(binary) ${tag.value}`;
  return typeof tag.value === 'string' ? tag.value : JSON.stringify(tag.value);
}
