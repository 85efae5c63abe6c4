// The trace timeline: a waterfall of spans with a collapsible tree, a time ruler and a minimap.
// Rows are virtualised: only those in view (plus a margin) exist in the DOM, so a trace of
// 10,000 or 100,000 spans costs the same few dozen rows to draw and to scroll.
import {el} from './dom.js';
import {formatDuration, serviceColor} from './format.js';
import {visibleNodes} from './trace-model.js';

export const ROW_HEIGHT = 24;
const OVERSCAN_ROWS = 12;
const MAX_INDENT_LEVELS = 30; // deeper spans are indented no further (and say their depth)
const TICKS = 5;

/**
 * {node, firstPaint (a promise resolved once rows are on screen), select(node), expandAll(),
 * collapseAll()}; onSelect(node) is called when a span row is clicked.
 */
export function createTimeline(model, {onSelect}) {
  const collapsed = new Set();
  let rows = model.nodes;
  let selected = null;
  let scheduled = false;
  let resolveFirstPaint;
  const firstPaint = new Promise(resolve => { resolveFirstPaint = resolve; });

  const spacer = el('div', {class: 'timeline-spacer'});
  const scroller = el('div', {class: 'timeline-scroll', id: 'timeline-scroll', tabindex: '0'},
    spacer);
  const minimapCanvas = el('canvas', {class: 'minimap-canvas', height: '48'});
  const minimapWindow = el('div', {class: 'minimap-window'});
  const minimap = el('div', {class: 'minimap', title: 'Click to scroll there'},
    minimapCanvas, minimapWindow);
  const node = el('div', {class: 'timeline'}, minimap, ruler(model), scroller);

  function renderRows() {
    scheduled = false;
    spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
    const top = scroller.scrollTop;
    const height = scroller.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN_ROWS);
    const last = Math.min(rows.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN_ROWS);
    const fragment = document.createDocumentFragment();
    for (let i = first; i < last; i++) fragment.append(spanRow(rows[i], i));
    spacer.replaceChildren(fragment);
    moveMinimapWindow();
    if (resolveFirstPaint && last > first) {
      const resolve = resolveFirstPaint;
      resolveFirstPaint = null;
      // the frame after this one is on screen
      requestAnimationFrame(() => requestAnimationFrame(() => resolve()));
    }
  }

  function scheduleRender() {
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(renderRows);
    }
  }

  function spanRow(span, index) {
    const hasChildren = span.children.length > 0;
    const indent = Math.min(span.depth, MAX_INDENT_LEVELS);
    const left = model.duration ? (span.start - model.start) / model.duration * 100 : 0;
    const width = model.duration ? span.duration / model.duration * 100 : 100;
    const color = serviceColor(span.service);
    const classes = ['span-row'];
    if (span === selected) classes.push('selected');
    if (span.error) classes.push('error');
    return el('div', {class: classes.join(' '), role: 'row',
      dataset: {spanId: span.id, index: String(index)},
      style: {transform: `translateY(${index * ROW_HEIGHT}px)`},
      onclick: event => {
        if (event.target.closest('.toggle')) toggle(span);
        else select(span, true);
      }},
    el('div', {class: 'span-name-cell', style: {paddingLeft: `${6 + indent * 14}px`}},
      hasChildren
        ? el('button', {type: 'button', class: 'toggle', 'aria-expanded': String(!collapsed.has(span)),
          'aria-label': collapsed.has(span) ? 'Expand' : 'Collapse'},
        collapsed.has(span) ? '▸' : '▾')
        : el('span', {class: 'toggle-space'}),
      span.depth > MAX_INDENT_LEVELS ? el('span', {class: 'depth'}, `↳${span.depth}`) : null,
      el('span', {class: 'swatch', style: {background: color}}),
      el('span', {class: 'service-name'}, span.service),
      el('span', {class: 'operation-name'}, span.operation),
      span.warnings.length ? el('span', {class: 'warning-icon', title: span.warnings.join('\n')},
        '⚠') : null,
      span.error ? el('span', {class: 'error-icon', title: 'error'}, '!') : null,
      collapsed.has(span) ? el('span', {class: 'hidden-count'},
        `+${span.subtreeEnd - span.index - 1}`) : null),
    el('div', {class: 'span-bar-cell'},
      el('div', {class: span.critical ? 'span-bar critical' : 'span-bar',
        title: span.critical ? 'on the critical path' : null,
        style: {left: `${left}%`, width: `max(${width}%, 2px)`, background: color}}),
      el('span', {class: 'span-duration',
        style: left > 70 ? {right: `${100 - left + 0.5}%`} : {left: `calc(${left + width}% + 4px)`}},
      formatDuration(span.duration))));
  }

  function toggle(span) {
    if (collapsed.has(span)) collapsed.delete(span);
    else collapsed.add(span);
    rows = visibleNodes(model, collapsed);
    drawMinimap();
    renderRows();
  }

  function select(span, fromClick) {
    selected = span;
    if (!fromClick) {
      // unfold its ancestors and bring it into view
      for (let p = span.parent; p; p = p.parent) collapsed.delete(p);
      rows = visibleNodes(model, collapsed);
      const index = rows.indexOf(span);
      if (index >= 0) scroller.scrollTop = Math.max(0, index * ROW_HEIGHT - scroller.clientHeight / 3);
      drawMinimap();
    }
    renderRows();
    onSelect(span);
  }

  function drawMinimap() {
    const width = minimap.clientWidth || 800;
    minimapCanvas.width = width;
    const height = minimapCanvas.height;
    const context = minimapCanvas.getContext('2d');
    context.clearRect(0, 0, width, height);
    const rowHeight = Math.max(height / rows.length, 1);
    for (let i = 0; i < rows.length; i++) {
      const span = rows[i];
      context.fillStyle = serviceColor(span.service);
      const x = model.duration ? (span.start - model.start) / model.duration * width : 0;
      const w = model.duration ? Math.max(span.duration / model.duration * width, 1) : width;
      context.fillRect(x, i / rows.length * height, w, rowHeight);
    }
  }

  function moveMinimapWindow() {
    const total = Math.max(rows.length * ROW_HEIGHT, 1);
    const view = scroller.clientHeight || total;
    minimapWindow.style.top = `${scroller.scrollTop / total * 100}%`;
    minimapWindow.style.height = `${Math.min(view / total, 1) * 100}%`;
  }

  minimap.addEventListener('click', event => {
    const fraction = (event.clientY - minimap.getBoundingClientRect().top) / minimap.clientHeight;
    scroller.scrollTop = fraction * rows.length * ROW_HEIGHT - scroller.clientHeight / 2;
  });
  scroller.addEventListener('scroll', scheduleRender, {passive: true});
  const onResize = () => { drawMinimap(); scheduleRender(); };
  window.addEventListener('resize', onResize);

  return {
    node,
    firstPaint,
    /** Draws for the first time; call once the node is in the document (sizes are known). */
    start() {
      renderRows();
      drawMinimap();
    },
    select: span => select(span, false),
    expandAll() {
      collapsed.clear();
      rows = model.nodes;
      drawMinimap();
      renderRows();
    },
    collapseAll() {
      for (const span of model.nodes) if (span.children.length && span.parent) collapsed.add(span);
      rows = visibleNodes(model, collapsed);
      drawMinimap();
      renderRows();
    },
    dispose() {
      window.removeEventListener('resize', onResize);
    },
  };
}

/** Times across the bar area: 0, a quarter, ... the whole trace. */
function ruler(model) {
  const ticks = el('div', {class: 'ruler-ticks'});
  for (let i = 0; i < TICKS; i++) {
    const fraction = i / (TICKS - 1);
    ticks.append(el('span', {class: 'tick', style: {left: `${fraction * 100}%`}},
      formatDuration(model.duration * fraction)));
  }
  return el('div', {class: 'ruler'}, el('div', {class: 'ruler-names'}, 'Service · operation'),
    ticks);
}

