// /monitor: a service's RED metrics as Jaeger UI's Monitor tab shows them — latency (p50, p95,
// p99), error rate and request rate over a range as charts, its operations as a sortable
// table, SLO status where the server has SLOs — with the range before it drawn faded beside
// each (week over week for 7 days) and a change column. The numbers are Jaeger's SPM API's
// (metrics-api.js); a click on a point opens the search for its service, operation and minutes.
//
// URL: /monitor?service=&spanKind=&range=1h|6h|24h|7d&operation=&sort=&order=asc|desc
//   &compare=false
import {api, describeError} from './api.js';
import {el, message, replace} from './dom.js';
import {navigate, updateUrl} from './router.js';
import {lineChart} from './chart.js';
import {MINUTE, QUANTILES, RANGES, period, readSeries, readTotals} from './metrics-api.js';
import {loadObjectives, sloBox, sloError} from './slo.js';

const SPAN_KINDS = [['server', 'Server'], ['client', 'Client'], ['producer', 'Producer'],
  ['consumer', 'Consumer'], ['internal', 'Internal']];
const QUANTILE_COLORS = {0.5: '#2ca02c', 0.95: '#1f77b4', 0.99: '#9467bd'};
const ERROR_COLOR = '#c62828';
const CALLS_COLOR = '#1f4e79';

/** Columns of the operations table: key, heading, the sort's first direction. */
const COLUMNS = [['operation', 'Operation', 'asc'], ['calls', 'Calls/s', 'desc'],
  ['errors', 'Error %', 'desc'], ['p50', 'P50', 'desc'], ['p95', 'P95', 'desc'],
  ['p99', 'P99', 'desc'], ['impact', 'Impact', 'desc'], ['delta', 'Δ', 'desc']];

export async function renderMonitorPage(root, page) {
  document.title = 'Monitor · meshtrace';
  const state = readState(page.params);
  const content = el('div', {class: 'monitor-content'}, message('info', 'Loading…'));
  const node = el('div', {class: 'monitor-page', id: 'monitor'}, content);
  root.append(node);

  let services;
  try {
    services = await api.services(page.signal);
  } catch (error) {
    if (error.name !== 'AbortError') replace(content, message('error', ...describeError(error)));
    return;
  }
  if (!services.length) {
    replace(content, message('empty', 'No services yet',
      'The Monitor page shows the calls, errors and latencies of stored spans; meshtrace has '
      + 'not received any. Send spans, then reload this page.'));
    return;
  }
  if (!state.service || !services.includes(state.service)) {
    // As Jaeger's Monitor tab: the first service until one is chosen.
    if (state.service) services = [...services, state.service].sort();
    else state.service = services[0];
    updateUrl(monitorUrl(state));
  }
  node.prepend(controls(state, services));

  const when = period(state.range);
  Object.assign(node.dataset, {start: String(when.start), end: String(when.end),
    step: String(when.step)});
  const charts = el('section', {class: 'monitor-charts', id: 'monitor-charts'},
    message('info', 'Loading…'));
  const operations = el('section', {class: 'monitor-operations', id: 'monitor-operations'},
    message('info', 'Loading…'));
  const slo = el('div', {id: 'slo-slot'});
  replace(content, slo, charts, operations);

  await Promise.all([
    drawCharts(charts, state, when, page.signal),
    drawOperations(operations, state, when, page.signal),
    drawSlo(slo, state, page.signal),
  ]);
  if (!page.signal.aborted) node.dataset.loaded = 'true';
}

function readState(params) {
  const sort = COLUMNS.find(([key]) => key === params.get('sort'));
  return {
    service: params.get('service') || '',
    spanKind: SPAN_KINDS.some(([k]) => k === params.get('spanKind')) ? params.get('spanKind')
      : 'server',
    range: RANGES[params.get('range')] ? params.get('range') : '1h',
    operation: params.get('operation') || '',
    sort: sort ? sort[0] : 'impact',
    order: params.get('order') === 'asc' || params.get('order') === 'desc' ? params.get('order')
      : (sort ? sort[2] : 'desc'),
    compare: params.get('compare') !== 'false',
  };
}

function monitorUrl(state) {
  const params = new URLSearchParams({service: state.service, spanKind: state.spanKind,
    range: state.range});
  if (state.operation) params.set('operation', state.operation);
  if (state.sort !== 'impact' || state.order !== 'desc') {
    params.set('sort', state.sort);
    params.set('order', state.order);
  }
  if (!state.compare) params.set('compare', 'false');
  return `/monitor?${params}`;
}

function controls(state, services) {
  const go = changes => navigate(monitorUrl({...state, ...changes}));
  const service = el('select', {id: 'monitor-service', 'aria-label': 'Service',
    onchange: () => go({service: service.value, operation: ''})},
  services.map(name => el('option', {value: name, selected: name === state.service}, name)));
  const kind = el('select', {id: 'monitor-span-kind', 'aria-label': 'Span kind',
    onchange: () => go({spanKind: kind.value, operation: ''})},
  SPAN_KINDS.map(([value, label]) => el('option', {value, selected: value === state.spanKind},
    label)));
  const range = el('select', {id: 'monitor-range', 'aria-label': 'Time range',
    onchange: () => go({range: range.value})},
  Object.entries(RANGES).map(([value, {label}]) =>
    el('option', {value, selected: value === state.range}, label)));
  const compare = el('input', {type: 'checkbox', id: 'monitor-compare',
    onchange: () => go({compare: compare.checked})});
  compare.checked = state.compare;
  return el('div', {class: 'page-title monitor-controls'}, el('h2', {}, 'Monitor'),
    label('Service', service), label('Span kind', kind), label('Range', range),
    el('label', {class: 'inline-check'}, compare,
      ` Compare with the ${RANGES[state.range].previous}`));
}

function label(text, input) {
  return el('label', {class: 'inline-field'}, el('span', {class: 'muted'}, text), input);
}

// ---- charts ----

async function drawCharts(section, state, when, signal) {
  const which = {service: state.service, spanKind: state.spanKind,
    byOperation: !!state.operation};
  let current;
  let previous = null;
  try {
    [current, previous] = await Promise.all([readSeries(which, when, signal),
      state.compare ? readSeries(which, {...when, ...when.previous}, signal) : null]);
  } catch (error) {
    if (error.name !== 'AbortError') replace(section, message('error', ...describeError(error)));
    return;
  }
  const key = state.operation || '';
  const pick = (map, shift = 0) => (map?.get(key) || []).map(p => ({t: p.t + shift, at: p.t,
    v: p.v}));
  const heading = state.operation
    ? el('div', {class: 'monitor-heading'}, el('h3', {id: 'monitor-subject'},
      `${state.service} · ${state.operation}`),
    el('a', {href: monitorUrl({...state, operation: ''}), id: 'monitor-all-operations'},
      'All operations'))
    : el('div', {class: 'monitor-heading'}, el('h3', {id: 'monitor-subject'}, state.service));
  if (!pick(current.calls).some(p => p.v > 0) && !pick(previous?.calls).some(p => p.v > 0)) {
    replace(section, heading, message('empty', `No ${state.spanKind} spans in this range`,
      `meshtrace has no ${state.spanKind} spans of ${state.service}`
      + `${state.operation ? ` named ${state.operation}` : ''} in the `
      + `${RANGES[state.range].label.toLowerCase()}. Try another span kind or a longer range.`));
    return;
  }
  const previousLabel = RANGES[state.range].previous;
  const shift = when.ms; // the previous period drawn over the current one
  const withPrevious = (series, make) => [
    ...series.map(s => make(s, false)),
    ...(previous ? series.map(s => make(s, true)) : [])];
  const href = errors => (s, p) => searchUrl({service: state.service, operation: state.operation,
    spanKind: state.spanKind, start: p.at - when.step, end: p.at, errors});
  const common = {step: when.step, domain: {start: when.start, end: when.end},
    fadedLabel: `${previousLabel} (dashed)`};

  const latency = lineChart({...common, id: 'chart-latency', title: 'Latency',
    format: formatMs, href: href(false),
    series: withPrevious(QUANTILES, (q, faded) => ({
      key: `p${Math.round(q * 100)}${faded ? '-previous' : ''}`,
      label: `p${Math.round(q * 100)}${faded ? ` · ${previousLabel}` : ''}`,
      color: QUANTILE_COLORS[q], faded,
      points: faded ? pick(previous.latencies[q], shift) : pick(current.latencies[q])}))});
  const errors = lineChart({...common, id: 'chart-errors', title: 'Error rate',
    format: v => `${formatNumber(v)} %`, minMax: 1, href: href(true),
    series: withPrevious(['errors'], (_, faded) => ({
      key: faded ? 'errors-previous' : 'errors',
      label: faded ? `errors · ${previousLabel}` : 'errors',
      color: ERROR_COLOR, faded,
      points: (faded ? pick(previous.errors, shift) : pick(current.errors))
        .map(p => ({...p, v: p.v * 100}))}))});
  const calls = lineChart({...common, id: 'chart-calls', title: 'Request rate',
    format: v => `${formatNumber(v)}/s`, href: href(false),
    series: withPrevious(['calls'], (_, faded) => ({
      key: faded ? 'calls-previous' : 'calls',
      label: faded ? `calls · ${previousLabel}` : 'calls',
      color: CALLS_COLOR, faded,
      points: faded ? pick(previous.calls, shift) : pick(current.calls)}))});
  replace(section, heading, el('div', {class: 'chart-grid'}, latency, errors, calls),
    el('p', {class: 'muted chart-note'}, `A point is the ${stepText(when.step)} that ends `
      + 'at it; click one to see its traces (on the error rate: the traces with errors).'));
}

function stepText(step) {
  if (step === MINUTE) return 'minute';
  if (step === 60 * MINUTE) return 'hour';
  return `${step / MINUTE} minutes`;
}

/**
 * The operations beyond the per-service bound (--span-metrics-max-operations), counted together
 * under this name: their traces are the service's, whatever their operation.
 */
export const OTHER_OPERATION = 'other';

/** The search page's URL for one service (and operation) over [start, end) ms. */
export function searchUrl({service, operation, spanKind, start, end, errors}) {
  const params = new URLSearchParams({service});
  if (operation && operation !== OTHER_OPERATION) params.set('operation', operation);
  // The metrics count spans of one kind: so does the search (Jaeger's span.kind tag).
  const tags = {'span.kind': spanKind};
  if (errors) tags.error = 'true';
  params.set('tags', JSON.stringify(tags));
  params.set('lookback', 'custom');
  params.set('start', String(start * 1000));
  params.set('end', String(end * 1000));
  params.set('limit', '20');
  return `/search?${params}`;
}

// ---- operations table ----

async function drawOperations(section, state, when, signal) {
  let current;
  let previous = null;
  try {
    [current, previous] = await Promise.all([readTotals(state, when, signal),
      state.compare ? readTotals(state, {...when, ...when.previous}, signal) : null]);
  } catch (error) {
    if (error.name !== 'AbortError') replace(section, message('error', ...describeError(error)));
    return;
  }
  const rows = [...current].filter(([, t]) => t.calls > 0).map(([operation, t]) => {
    const before = previous?.get(operation);
    return {operation, ...t, before: before && before.calls > 0 ? before : null,
      delta: before?.p95 && t.p95 !== null ? t.p95 / before.p95 - 1 : null};
  });
  const most = Math.max(...rows.map(r => (r.p95 ?? 0) * r.calls), 0);
  for (const row of rows) row.impact = most > 0 ? (row.p95 ?? 0) * row.calls / most : 0;
  if (!rows.length) {
    replace(section, el('h3', {}, 'Operations'), message('empty', 'No operations in this range',
      `No ${state.spanKind} spans of ${state.service} in the `
      + `${RANGES[state.range].label.toLowerCase()}.`));
    return;
  }

  const columns = COLUMNS.filter(([key]) => state.compare || key !== 'delta');
  let {sort, order} = state;
  if (!columns.some(([key]) => key === sort)) [sort, order] = ['impact', 'desc'];
  const body = el('tbody', {});
  const head = el('tr', {});
  const draw = () => {
    const sign = order === 'asc' ? 1 : -1;
    const sorted = [...rows].sort((a, b) => {
      const x = a[sort];
      const y = b[sort];
      if (x === null || y === null) return (x === null) - (y === null); // no value: last
      const c = typeof x === 'string' ? x.localeCompare(y) : x - y;
      return c * sign || a.operation.localeCompare(b.operation);
    });
    replace(body, sorted.map(row => operationRow(row, state, when)));
    replace(head, columns.map(([key, heading, first]) => el('th', {
      'aria-sort': key === sort ? (order === 'asc' ? 'ascending' : 'descending') : 'none',
      dataset: {column: key},
      title: key === 'delta' ? `Compared with the ${RANGES[state.range].previous}; sorted by `
        + 'the change of p95' : key === 'impact' ? 'p95 × calls, relative to the largest' : null,
    }, el('button', {type: 'button', class: 'sort', onclick: () => {
      order = key === sort ? (order === 'asc' ? 'desc' : 'asc') : first;
      sort = key;
      updateUrl(monitorUrl({...state, sort, order}));
      draw();
    }}, key === 'delta' ? `Δ ${RANGES[state.range].previous}` : heading,
    key === sort ? (order === 'asc' ? ' ▲' : ' ▼') : ''))), el('th', {}, ''));
  };
  draw();
  replace(section, el('h3', {}, 'Operations'),
    el('table', {class: 'diff operations-table', id: 'operations-table'},
      el('thead', {}, head), body),
    el('p', {class: 'muted'}, `Over the ${RANGES[state.range].label.toLowerCase()}: calls per `
      + 'second, the share of calls that failed, and latency percentiles.'));
}

function operationRow(row, state, when) {
  const selected = row.operation === state.operation;
  const cells = {
    calls: formatNumber(row.calls),
    errors: row.errors === null ? '—' : `${formatNumber(row.errors * 100)} %`,
    p50: formatMs(row.p50), p95: formatMs(row.p95), p99: formatMs(row.p99),
  };
  return el('tr', {class: selected ? 'selected' : null, dataset: {operation: row.operation,
    calls: String(row.calls), errors: String(row.errors), p50: String(row.p50),
    p95: String(row.p95), p99: String(row.p99), impact: String(row.impact),
    delta: String(row.delta)}},
  el('td', {class: 'operation'}, el('a', {href: monitorUrl({...state, operation: row.operation}),
    title: 'Show its charts'}, row.operation)),
  ['calls', 'errors', 'p50', 'p95', 'p99'].map(key => el('td', {class: `num ${key}`
    + (key === 'errors' && row.errors > 0 ? ' error-text' : '')}, cells[key])),
  el('td', {class: 'impact'}, el('span', {class: 'impact-bar'}, el('span', {class: 'impact-fill',
    style: {width: `${Math.round(row.impact * 100)}%`}})), ` ${row.impact.toFixed(2)}`),
  state.compare ? el('td', {class: 'delta'}, deltas(row)) : null,
  el('td', {}, el('a', {class: 'traces-link', href: searchUrl({service: state.service,
    operation: row.operation, spanKind: state.spanKind, start: when.start,
    end: Math.min(when.end, when.now)})}, 'Traces')));
}

/** Calls, errors and p95 against the period before; more errors or latency is worse. */
function deltas(row) {
  const before = row.before;
  if (!before) return el('span', {class: 'muted'}, 'new');
  const relative = (now, then) => (then > 0 && now !== null ? now / then - 1 : null);
  const parts = [];
  const calls = relative(row.calls, before.calls);
  if (calls !== null) parts.push(el('span', {class: 'delta-calls'}, `calls ${signed(calls * 100)} %`));
  if (row.errors !== null && before.errors !== null) {
    const points = (row.errors - before.errors) * 100;
    parts.push(el('span', {class: `delta-errors ${trend(points)}`},
      `errors ${signed(points)} pt`));
  }
  if (row.delta !== null) {
    parts.push(el('span', {class: `delta-p95 ${trend(row.delta)}`},
      `p95 ${signed(row.delta * 100)} %`));
  }
  return parts.flatMap((part, i) => (i ? [' · ', part] : [part]));
}

function trend(change) {
  return Math.abs(change) < 1e-9 ? '' : change > 0 ? 'worse' : 'better';
}

function signed(value) {
  const text = formatNumber(Math.abs(value));
  return value > 0 && text !== '0' ? `+${text}` : value < 0 && text !== '0' ? `−${text}` : '0';
}

// ---- SLO ----

async function drawSlo(slot, state, signal) {
  try {
    const objectives = await loadObjectives(state.service, signal);
    if (objectives) replace(slot, sloBox(objectives, state.service));
  } catch (error) {
    if (error.name !== 'AbortError') replace(slot, sloError(error));
  }
}

// ---- numbers ----

/** Three significant digits, without an exponent: 0.0123, 1.5, 250, 12345. */
export function formatNumber(value) {
  if (value === null || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  if (Math.abs(value) >= 1000) return String(Math.round(value));
  return String(Number(value.toPrecision(3)));
}

/** Milliseconds with their unit: 0.42 ms, 12.5 ms, 1.2 s. */
export function formatMs(ms) {
  if (ms === null || !Number.isFinite(ms)) return '—';
  return ms >= 1000 ? `${formatNumber(ms / 1000)} s` : `${formatNumber(ms)} ms`;
}
