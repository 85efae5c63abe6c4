// A line chart over time in SVG, drawn by hand (the page has no chart library): axes with
// ticks in the value's unit and in local time, a legend, a guide and a box with every series'
// value where the pointer is, and each point a link (to the traces of its window) where the
// caller gives one.
import {el, svg, replace} from './dom.js';

const WIDTH = 600;
const HEIGHT = 230;
const PAD = {left: 64, right: 14, top: 12, bottom: 26};
const TIME_STEPS = [1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map(m => m * 60_000);

/**
 * @param options {id, title, step (ms a point stands for), domain: {start, end} (ms),
 *   format(value) -> text with its unit, minMax (the least top of the y axis), fadedLabel
 *   (the legend's entry for the faded series),
 *   series: [{key, label, color, faded, points: [{t (where it is drawn), at (when it is, for
 *   the link; t by default), v}]}], href(series, point) -> URL or null}
 */
export function lineChart(options) {
  const {id, title, step, domain, format, series} = options;
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const values = series.flatMap(s => s.points.map(p => p.v));
  const yTicks = niceTicks(Math.max(options.minMax ?? 0, ...values, 0));
  const yMax = yTicks.at(-1) || 1;
  const span = Math.max(domain.end - domain.start, 1);
  const x = t => PAD.left + (t - domain.start) / span * plotWidth;
  const y = v => PAD.top + plotHeight - v / yMax * plotHeight;

  const guide = svg('line', {class: 'chart-guide', y1: PAD.top, y2: PAD.top + plotHeight,
    visibility: 'hidden'});
  const chart = svg('svg', {class: 'chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img',
    'aria-label': title},
  // Horizontal grid lines with the value's unit on each tick.
  yTicks.map(v => svg('g', {class: 'chart-tick chart-tick-y'},
    svg('line', {x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v)}),
    svg('text', {x: PAD.left - 6, y: y(v) + 3, 'text-anchor': 'end'}, format(v)))),
  timeTicks(domain, step).map(t => svg('g', {class: 'chart-tick chart-tick-x'},
    svg('line', {x1: x(t), x2: x(t), y1: PAD.top + plotHeight, y2: PAD.top + plotHeight + 4}),
    svg('text', {x: x(t), y: HEIGHT - 8, 'text-anchor': 'middle'}, timeLabel(t, span)))),
  svg('line', {class: 'axis', x1: PAD.left, x2: WIDTH - PAD.right, y1: PAD.top + plotHeight,
    y2: PAD.top + plotHeight}),
  svg('line', {class: 'axis', x1: PAD.left, x2: PAD.left, y1: PAD.top,
    y2: PAD.top + plotHeight}),
  guide,
  // Faded (comparison) series first, so that the current ones are drawn over them.
  [...series].sort((a, b) => Number(!!b.faded) - Number(!!a.faded)).map(s =>
    svg('g', {class: s.faded ? 'series series-faded' : 'series', dataset: {series: s.key}},
      svg('path', {d: linePath(s.points, x, y, step), stroke: s.color}),
      s.points.map(p => point(s, p, x, y, format, options.href)))));

  const tooltip = el('div', {class: 'chart-tooltip', hidden: true});
  const box = el('div', {class: 'chart-box'}, chart, tooltip);
  const times = [...new Set(series.flatMap(s => s.points.map(p => p.t)))].sort((a, b) => a - b);
  chart.addEventListener('mousemove', event => {
    if (!times.length) return;
    const bounds = chart.getBoundingClientRect();
    const at = domain.start + ((event.clientX - bounds.left) / bounds.width * WIDTH - PAD.left)
      / plotWidth * span;
    const t = nearest(times, at);
    guide.setAttribute('x1', x(t));
    guide.setAttribute('x2', x(t));
    guide.setAttribute('visibility', 'visible');
    replace(tooltip, el('div', {class: 'chart-tooltip-time'}, windowLabel(t, step)),
      series.map(s => {
        const p = s.points.find(q => q.t === t);
        return el('div', {class: s.faded ? 'faded' : null},
          el('span', {class: 'swatch', style: {background: s.color}}), `${s.label}: `,
          el('strong', {}, p ? format(p.v) : '—'));
      }));
    tooltip.hidden = false;
    const left = event.clientX - box.getBoundingClientRect().left;
    Object.assign(tooltip.style, left > bounds.width / 2
      ? {left: 'auto', right: `${bounds.width - left + 14}px`}
      : {left: `${left + 14}px`, right: 'auto'});
  });
  chart.addEventListener('mouseleave', () => {
    tooltip.hidden = true;
    guide.setAttribute('visibility', 'hidden');
  });

  return el('figure', {class: 'chart-card', id},
    el('figcaption', {}, el('h3', {}, title),
      el('ul', {class: 'chart-legend'},
        series.filter(s => !s.faded).map(s => el('li', {},
          el('span', {class: 'legend-line', style: {borderColor: s.color}}), s.label)),
        // The comparison in one entry: each series' own colour, dashed and light.
        options.fadedLabel && series.some(s => s.faded) ? el('li', {class: 'faded'},
          el('span', {class: 'legend-line legend-faded'}), options.fadedLabel) : null)),
    box);
}

/** A point: a dot, with a larger invisible target; a link where there is one. */
function point(s, p, x, y, format, href) {
  const at = p.at ?? p.t;
  const url = href ? href(s, {...p, at}) : null;
  const dot = [svg('circle', {class: 'hit', cx: x(p.t), cy: y(p.v), r: 7}),
    svg('circle', {class: 'dot', cx: x(p.t), cy: y(p.v), r: 2.5, fill: s.color})];
  const props = {class: 'point', dataset: {t: String(at), v: String(p.v)},
    'aria-label': `${s.label} ${format(p.v)} at ${new Date(at).toLocaleString()}`};
  return url ? svg('a', {...props, href: url}, dot) : svg('g', props, dot);
}

/** Lines between points a step apart; a missing point breaks the line. */
function linePath(points, x, y, step) {
  let d = '';
  let last = null;
  for (const p of points) {
    d += `${last !== null && p.t - last <= step ? 'L' : 'M'} ${x(p.t).toFixed(1)} `
      + `${y(p.v).toFixed(1)} `;
    last = p.t;
  }
  return d.trim();
}

function nearest(sorted, value) {
  let best = sorted[0];
  for (const t of sorted) if (Math.abs(t - value) < Math.abs(best - value)) best = t;
  return best;
}

/** 0 and 3 to 5 round steps up to at least max: 0, 0.5, 1, 1.5 or 0, 20, 40, ... */
export function niceTicks(max) {
  if (!(max > 0)) return [0, 1];
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map(f => f * magnitude).find(s => s >= rough);
  const ticks = [];
  for (let v = 0; v < max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks.at(-1) < max) ticks.push(Number((ticks.at(-1) + step).toPrecision(12)));
  return ticks;
}

/** Round local times, at most seven of them. */
function timeTicks({start, end}, step) {
  const interval = TIME_STEPS.find(s => s >= step && (end - start) / s <= 7) || TIME_STEPS.at(-1);
  const offset = new Date(start).getTimezoneOffset() * 60_000;
  const ticks = [];
  for (let t = Math.ceil((start - offset) / interval) * interval + offset; t <= end;
    t += interval) {
    ticks.push(t);
  }
  return ticks;
}

function pad(n) {
  return String(n).padStart(2, '0');
}

function clock(date) {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function timeLabel(t, span) {
  const date = new Date(t);
  if (span > 2 * 86_400_000) {
    return date.getHours() === 0 && date.getMinutes() === 0
      ? date.toLocaleDateString(undefined, {month: 'short', day: 'numeric'})
      : `${date.toLocaleDateString(undefined, {weekday: 'short'})} ${clock(date)}`;
  }
  return clock(date);
}

/** The minutes a point stands for: "Dec 2, 16:30–16:31". */
export function windowLabel(t, step) {
  const from = new Date(t - step);
  return `${from.toLocaleDateString(undefined, {month: 'short', day: 'numeric'})}, `
    + `${clock(from)}–${clock(new Date(t))}`;
}
