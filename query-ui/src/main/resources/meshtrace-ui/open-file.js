// /open: a trace JSON file from this computer, shown with the trace page's rendering and never
// stored. Jaeger UI JSON (what "Download JSON" and Jaeger's UI save) is read here; OTLP JSON and
// Zipkin v2 JSON go to POST /api/transform, which answers Jaeger's model and stores nothing.
import {api, describeError} from './api.js';
import {el, message, replace} from './dom.js';
import {showTrace} from './trace-page.js';
import {formatDuration} from './format.js';

export function renderOpenFilePage(root, page) {
  document.title = 'Open a trace file · meshtrace';
  const output = el('div', {id: 'file-view'});
  const input = el('input', {type: 'file', id: 'trace-file', accept: '.json,application/json',
    onchange: () => {
      if (input.files.length) openFile(input.files[0], output, page);
    }});
  root.append(el('section', {class: 'open-file'},
    el('h2', {}, 'Open a trace file'),
    el('p', {}, 'A JSON file of Jaeger (the UI\'s "Download JSON", /api/traces), OpenTelemetry '
      + '(OTLP JSON, /api/v3/traces) or Zipkin v2 (/api/v2/trace). It is shown here only: '
      + 'nothing is stored.'),
    el('label', {}, 'File ', input)), output);
}

async function openFile(file, output, page) {
  replace(output, message('info', `Reading ${file.name}…`));
  let traces;
  try {
    traces = await tracesOf(await file.text(), page.signal);
  } catch (error) {
    if (error.name === 'AbortError') return;
    const [title, detail] = error.status === undefined
      ? ['This file cannot be shown', error.message] : describeError(error);
    replace(output, message('error', title, detail));
    return;
  }
  if (!traces.length) {
    replace(output, message('empty', 'The file holds no spans'));
    return;
  }
  const view = el('div', {id: 'file-trace'});
  const choose = index => showTrace(view, page, traces[index]);
  replace(output, traces.length > 1 ? el('ul', {class: 'file-traces', id: 'file-traces'},
    traces.map((trace, index) => el('li', {dataset: {traceId: trace.traceID}},
      el('button', {type: 'button', class: 'link', onclick: () => choose(index)}, trace.traceID),
      ` ${trace.spans.length} spans, ${formatDuration(span(trace))}`))) : null, view);
  await choose(0);
}

/** The longest span's duration, what the list shows of each trace. */
function span(trace) {
  return Math.max(...trace.spans.map(s => s.duration || 0));
}

/** The traces of a file's text, in Jaeger's model, by the shape of its JSON. */
export async function tracesOf(text, signal) {
  let json;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`it is not JSON (${error.message})`);
  }
  const isJaegerTrace = t => t && typeof t === 'object' && Array.isArray(t.spans)
    && t.processes && typeof t.processes === 'object';
  if (Array.isArray(json?.data) && json.data.every(isJaegerTrace)) return json.data;
  if (isJaegerTrace(json)) return [json];
  if (Array.isArray(json) && json.length && json.every(isJaegerTrace)) return json;
  if (json && typeof json === 'object' && Array.isArray(json.resourceSpans)) {
    return api.transform(text, signal);
  }
  if (Array.isArray(json) && json.every(s => s && typeof s === 'object' && 'traceId' in s)) {
    return api.transform(text, signal);
  }
  throw new Error('it is neither Jaeger JSON ({"data": [traces]} or a trace), OTLP JSON '
    + '({"resourceSpans": [...]}) nor Zipkin v2 JSON (a list of spans)');
}
