// /trace/{traceID}: the trace's header, its timeline and the selected span's details.
import {api, describeError} from './api.js';
import {el, message, replace} from './dom.js';
import {formatDuration, formatTime, serviceColor} from './format.js';
import {buildTraceModel} from './trace-model.js';
import {createTimeline} from './timeline.js';
import {renderSpanDetails} from './span-details.js';

export async function renderTracePage(root, page) {
  const traceId = decodeURIComponent(page.match[1]);
  document.title = `Trace ${traceId.slice(0, 7)} · meshtrace`;
  root.append(message('info', `Loading trace ${traceId}…`));
  let trace;
  try {
    trace = await api.trace(traceId, page.signal);
  } catch (error) {
    if (error.name === 'AbortError') return;
    const [title, detail] = describeError(error);
    replace(root, error.status === 404
      ? message('empty', 'Trace not found', `No trace with ID ${traceId} is stored. It may be `
        + 'older than the retention period, or its spans have not arrived yet.')
      : message('error', title, detail));
    return;
  }
  return showTrace(root, page, trace, {archive: true});
}

/**
 * Draws a trace in Jaeger's model (from the API or from a file): its header, timeline and span
 * details. archive: whether it is stored, so that it can be archived and downloaded.
 */
export async function showTrace(root, page, trace, {archive = false} = {}) {
  const model = buildTraceModel(trace);
  const root0 = model.roots[0];
  document.title = `${root0.service}: ${root0.operation} · meshtrace`;

  const details = el('div', {class: 'details-pane'});
  const body = el('div', {class: 'trace-body'});
  const closeDetails = () => {
    body.classList.remove('with-details');
    details.replaceChildren();
  };
  const showDetails = node => {
    body.classList.add('with-details');
    replace(details, renderSpanDetails(model, node, {
      onSelectSpan: target => timeline.select(target),
      onClose: closeDetails,
    }));
  };
  const timeline = createTimeline(model, {onSelect: showDetails});
  page.onLeave(() => timeline.dispose());
  body.append(timeline.node, details);
  replace(root, el('div', {class: 'trace-page', id: 'trace-page', dataset: {traceId: model.traceID}},
    traceHeader(model, timeline, archive), body));
  timeline.start();
  await timeline.firstPaint;
  // For people and for the browser tests: how long until the spans were on screen, since the
  // page (or this view, when reached by a link) began.
  const sinceView = performance.now() - page.startedAt;
  const sincePageLoad = performance.now();
  root.querySelector('#trace-page').dataset.renderMs = sinceView.toFixed(0);
  root.querySelector('#trace-page').dataset.firstPaintMs = sincePageLoad.toFixed(0);
  console.info(`meshtrace: ${model.nodes.length} spans on screen ${sinceView.toFixed(0)} ms after `
    + `the view began, ${sincePageLoad.toFixed(0)} ms after the page load began`);
}

function traceHeader(model, timeline, stored) {
  const root = model.roots[0];
  const archiveStatus = el('div', {id: 'archive-status'});
  return el('header', {class: 'trace-header'},
    el('h2', {},
      el('span', {class: 'swatch', style: {background: serviceColor(root.service)}}),
      el('span', {class: 'service-name'}, root.service), ': ', root.operation,
      el('span', {class: 'trace-id'}, model.traceID)),
    el('dl', {class: 'trace-facts'},
      fact('Started', formatTime(model.start)),
      fact('Duration', formatDuration(model.duration)),
      fact('Services', String(model.services.length)),
      fact('Depth', String(model.maxDepth + 1)),
      fact('Spans', String(model.nodes.length), 'trace-span-count'),
      model.errorCount ? fact('Errors', String(model.errorCount)) : null),
    el('div', {class: 'trace-actions'},
      el('button', {type: 'button', onclick: () => timeline.expandAll()}, 'Expand all'),
      el('button', {type: 'button', onclick: () => timeline.collapseAll()}, 'Collapse all'),
      stored ? el('a', {class: 'button', href: api.traceUrl(model.traceID),
        download: `trace-${model.traceID}.json`, id: 'download-trace'}, 'Download JSON') : null,
      stored ? archiveButton(model.traceID, archiveStatus) : null,
      el('span', {class: 'legend'}, el('span', {class: 'legend-critical'}), 'critical path')),
    archiveStatus,
    model.warningCount ? el('div', {class: 'message message-warning', role: 'status'},
      `${model.warningCount} span${model.warningCount === 1 ? ' has' : 's have'} warnings `
      + '(clock skew between hosts, marked ⚠): their times may be off. Open a span to read why.')
      : null,
    model.roots.length > 1 ? el('div', {class: 'message message-warning', role: 'status'},
      `${model.roots.length - 1} span(s) have a parent that is not in this trace `
      + '(not yet received, or dropped); they are shown as extra roots.') : null);
}

/** "Archive": POST /api/archive/{id}; what the server answered goes into status. */
function archiveButton(traceId, status) {
  const button = el('button', {type: 'button', id: 'archive-trace', onclick: async () => {
    button.disabled = true;
    replace(status, message('info', 'Archiving…'));
    try {
      await api.archive(traceId);
      replace(status, message('info', 'Archived',
        'This trace is kept in the archive until it is deleted, beyond the retention period; '
        + 'it opens by its ID as before. Archive again to add spans that arrive later.'));
    } catch (error) {
      const [title, detail] = describeError(error);
      replace(status, message('error', `Not archived: ${title}`, detail));
    } finally {
      button.disabled = false;
    }
  }}, 'Archive');
  return button;
}

function fact(label, value, id) {
  return el('div', {class: 'fact'}, el('dt', {}, label), el('dd', {id}, value));
}
