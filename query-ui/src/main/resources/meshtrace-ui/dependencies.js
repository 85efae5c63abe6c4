// /dependencies: the service graph from the dependency API (counted at ingest, no batch job),
// drawn as SVG in layers from callers to callees, with call and error counts on each edge.
import {api, describeError} from './api.js';
import {el, svg, message, replace} from './dom.js';
import {serviceColor} from './format.js';
import {navigate} from './router.js';

const LOOKBACKS = [['3600000', 'Last hour'], ['21600000', 'Last 6 hours'],
  ['86400000', 'Last day'], ['604800000', 'Last 7 days']];
const NODE_WIDTH = 160;
const NODE_HEIGHT = 34;
const COLUMN_GAP = 110;
const ROW_GAP = 26;

export async function renderDependenciesPage(root, page) {
  document.title = 'Dependencies · meshtrace';
  const lookback = LOOKBACKS.some(([value]) => value === page.params.get('lookback'))
    ? page.params.get('lookback') : '86400000';
  const select = el('select', {id: 'dependencies-lookback', 'aria-label': 'Time range',
    onchange: () => navigate(`/dependencies?lookback=${select.value}`)},
  LOOKBACKS.map(([value, label]) => el('option', {value, selected: value === lookback}, label)));
  const content = el('section', {class: 'dependencies', id: 'dependencies'},
    message('info', 'Loading…'));
  root.append(el('div', {class: 'dependencies-page'},
    el('div', {class: 'page-title'}, el('h2', {}, 'Service dependencies'), select), content));
  let links;
  try {
    links = await api.dependencies(Number(lookback), page.signal);
  } catch (error) {
    if (error.name !== 'AbortError') replace(content, message('error', ...describeError(error)));
    return;
  }
  if (!links.length) {
    replace(content, message('empty', 'No calls between services in this time range',
      'Calls are counted as spans arrive: client and server (or producer and consumer) spans of '
      + 'different services, parent and child. Widen the time range, or send traces that cross '
      + 'services.'));
    return;
  }
  replace(content, graph(links), linkTable(links));
}

/** Column of each service: the longest chain of callers before it (cycles cut). */
function layers(services, links) {
  const level = new Map(services.map(name => [name, 0]));
  for (let round = 0; round < services.length; round++) {
    let changed = false;
    for (const link of links) {
      if (link.parent === link.child) continue;
      const next = level.get(link.parent) + 1;
      if (next > level.get(link.child) && next < services.length) {
        level.set(link.child, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return level;
}

function graph(links) {
  const services = [...new Set(links.flatMap(link => [link.parent, link.child]))].sort();
  const level = layers(services, links);
  const columns = [];
  for (const name of services) (columns[level.get(name)] ||= []).push(name);
  const position = new Map();
  columns.forEach((names, column) => names.forEach((name, row) => position.set(name, {
    x: 20 + column * (NODE_WIDTH + COLUMN_GAP),
    y: 20 + row * (NODE_HEIGHT + ROW_GAP),
  })));
  const width = 40 + columns.length * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP;
  const height = 40 + Math.max(...columns.map(c => c?.length || 0)) * (NODE_HEIGHT + ROW_GAP);

  const edges = links.map(link => {
    const from = position.get(link.parent);
    const to = position.get(link.child);
    const x1 = from.x + NODE_WIDTH;
    const y1 = from.y + NODE_HEIGHT / 2;
    const x2 = to.x;
    const y2 = to.y + NODE_HEIGHT / 2;
    const bend = Math.max(Math.abs(x2 - x1) / 2, 60);
    const path = link.parent === link.child
      ? `M ${x1} ${y1} C ${x1 + 60} ${y1 - 50}, ${x2 - 60} ${y2 - 50}, ${x2} ${y2}`
      : `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`;
    const errors = link.errorCount || 0;
    return svg('g', {class: errors ? 'edge edge-error' : 'edge'},
      svg('path', {d: path, 'marker-end': 'url(#arrow)'}),
      svg('text', {x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 6, 'text-anchor': 'middle'},
        `${link.callCount} call${link.callCount === 1 ? '' : 's'}`
        + (errors ? `, ${errors} error${errors === 1 ? '' : 's'}` : '')),
      svg('title', {}, `${link.parent} → ${link.child}`));
  });
  const nodes = services.map(name => {
    const {x, y} = position.get(name);
    return svg('a', {href: `/search?service=${encodeURIComponent(name)}`, class: 'node'},
      svg('rect', {x, y, width: NODE_WIDTH, height: NODE_HEIGHT, rx: 6,
        stroke: serviceColor(name)}),
      svg('text', {x: x + NODE_WIDTH / 2, y: y + NODE_HEIGHT / 2 + 4, 'text-anchor': 'middle'},
        name.length > 22 ? `${name.slice(0, 21)}…` : name),
      svg('title', {}, `${name}: search its traces`));
  });
  return svg('svg', {class: 'dependency-graph', id: 'dependency-graph',
    viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
    'aria-label': 'Service dependency graph'},
  svg('defs', {}, svg('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: '10', refY: '5',
    markerWidth: '8', markerHeight: '8', orient: 'auto-start-reverse'},
  svg('path', {d: 'M 0 0 L 10 5 L 0 10 z'}))),
  edges, nodes);
}

function linkTable(links) {
  return el('table', {class: 'diff', id: 'dependency-table'},
    el('thead', {}, el('tr', {}, el('th', {}, 'Caller'), el('th', {}, 'Callee'),
      el('th', {}, 'Calls'), el('th', {}, 'Errors'))),
    el('tbody', {}, links.map(link => el('tr', {},
      el('td', {}, link.parent), el('td', {}, link.child), el('td', {}, String(link.callCount)),
      el('td', {class: link.errorCount ? 'error-text' : null}, String(link.errorCount ?? '—'))))));
}
