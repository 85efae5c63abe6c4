// Two traces side by side, by service + operation path from the root: which spans B has that
// A has not (added), which A has that B lacks (missing), and which take longer in B (slower).
// /compare?a=&b= or Jaeger's /trace/{a}...{b}.
import {api, describeError} from './api.js';
import {el, message, replace} from './dom.js';
import {formatDuration} from './format.js';
import {navigate} from './router.js';
import {buildTraceModel} from './trace-model.js';

/** B slower than A by this factor and by at least SLOWER_MIN_MICROS counts as slower. */
const SLOWER_FACTOR = 1.1;
const SLOWER_MIN_MICROS = 100;

export async function renderComparePage(root, page) {
  document.title = 'Compare · meshtrace';
  const a = (page.params.get('a') || '').trim();
  const b = (page.params.get('b') || '').trim();
  const inputA = el('input', {name: 'a', id: 'compare-a', value: a, placeholder: 'trace ID A'});
  const inputB = el('input', {name: 'b', id: 'compare-b', value: b, placeholder: 'trace ID B'});
  const results = el('section', {class: 'compare-results', id: 'compare-results'});
  root.append(el('div', {class: 'compare-page'},
    el('form', {class: 'compare-form', onsubmit: event => {
      event.preventDefault();
      navigate(`/compare?${new URLSearchParams({a: inputA.value.trim(), b: inputB.value.trim()})}`);
    }}, el('h2', {}, 'Compare two traces'), inputA, inputB,
    el('button', {type: 'submit', class: 'primary'}, 'Compare')),
    results));
  if (!a || !b) {
    results.append(message('info', 'Enter two trace IDs',
      'Or tick two traces in the search results and press “Compare selected”.'));
    return;
  }
  results.append(message('info', 'Loading both traces…'));
  let traces;
  try {
    traces = await Promise.all([a, b].map(id => api.trace(id, page.signal).catch(error => {
      if (error.status === 404) error.message = `trace ${id} not found`;
      throw error;
    })));
  } catch (error) {
    if (error.name !== 'AbortError') replace(results, message('error', ...describeError(error)));
    return;
  }
  const diff = compareTraces(buildTraceModel(traces[0]), buildTraceModel(traces[1]));
  replace(results,
    el('p', {}, 'A: ', el('a', {href: `/trace/${a}`}, a), ' · B: ', el('a', {href: `/trace/${b}`}, b)),
    diffTable('Added in B', 'compare-added', diff.added, 'No span paths that A lacks.'),
    diffTable('Missing from B', 'compare-missing', diff.missing, 'B has every span path of A.'),
    diffTable('Slower in B', 'compare-slower', diff.slower, 'Nothing is noticeably slower in B.'));
}

/** Per path "service: operation › ...": how often and how long in each trace. */
function spansByPath(model) {
  const paths = new Map();
  const pathOf = new Map();
  for (const node of model.nodes) { // depth-first: parents come first
    const own = `${node.service}: ${node.operation}`;
    const path = node.parent && pathOf.has(node.parent) ? `${pathOf.get(node.parent)} › ${own}` : own;
    pathOf.set(node, path);
    const entry = paths.get(path) || {count: 0, total: 0};
    entry.count++;
    entry.total += node.duration;
    paths.set(path, entry);
  }
  return paths;
}

export function compareTraces(modelA, modelB) {
  const a = spansByPath(modelA);
  const b = spansByPath(modelB);
  const added = [];
  const missing = [];
  const slower = [];
  for (const [path, inB] of b) {
    const inA = a.get(path) || {count: 0, total: 0};
    if (inB.count > inA.count) added.push({path, a: inA, b: inB});
    if (inA.count) {
      const meanA = inA.total / inA.count;
      const meanB = inB.total / inB.count;
      if (meanB > meanA * SLOWER_FACTOR && meanB - meanA >= SLOWER_MIN_MICROS) {
        slower.push({path, a: inA, b: inB});
      }
    }
  }
  for (const [path, inA] of a) {
    const inB = b.get(path) || {count: 0, total: 0};
    if (inA.count > inB.count) missing.push({path, a: inA, b: inB});
  }
  const byDelta = (x, y) => (y.b.total - y.a.total) - (x.b.total - x.a.total);
  return {added, missing: missing.sort(byDelta).reverse(), slower: slower.sort(byDelta)};
}

function diffTable(title, id, rows, empty) {
  const mean = entry => entry.count ? formatDuration(entry.total / entry.count) : '—';
  return el('section', {class: 'diff-section', id},
    el('h3', {}, `${title} (${rows.length})`),
    rows.length ? el('table', {class: 'diff'},
      el('thead', {}, el('tr', {}, el('th', {}, 'Path'), el('th', {}, 'Spans A'),
        el('th', {}, 'Spans B'), el('th', {}, 'Mean A'), el('th', {}, 'Mean B'),
        el('th', {}, 'Δ total'))),
      el('tbody', {}, rows.map(row => el('tr', {},
        el('td', {class: 'path'}, row.path), el('td', {}, String(row.a.count)),
        el('td', {}, String(row.b.count)), el('td', {}, mean(row.a)), el('td', {}, mean(row.b)),
        el('td', {}, formatDuration(row.b.total - row.a.total))))))
      : el('p', {class: 'muted'}, empty));
}
