// Durations, times and colours, the same everywhere. Jaeger's API gives microseconds.

/** 1500 -> "1.5ms"; 2_300_000 -> "2.3s"; 42 -> "42µs". */
export function formatDuration(micros) {
  if (!Number.isFinite(micros)) return '';
  const abs = Math.abs(micros);
  if (abs < 1000) return `${round(micros)}µs`;
  if (abs < 1_000_000) return `${round(micros / 1000)}ms`;
  if (abs < 60_000_000) return `${round(micros / 1_000_000)}s`;
  const minutes = Math.floor(micros / 60_000_000);
  return `${minutes}m${round((micros - minutes * 60_000_000) / 1_000_000)}s`;
}

function round(value) {
  return Number(value.toPrecision(3)).toString();
}

/** An epoch time in µs as local date and time with milliseconds. */
export function formatTime(micros) {
  const date = new Date(micros / 1000);
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} `
    + `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
    + `.${pad(date.getMilliseconds(), 3)}`;
}

/** "3 minutes ago", for result lists. */
export function formatAgo(micros, nowMillis = Date.now()) {
  const seconds = Math.round((nowMillis - micros / 1000) / 1000);
  if (seconds < 60) return `${Math.max(seconds, 0)}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

/**
 * "1.5ms", "2s", "1h30m" (Go durations, what the API takes) -> µs; null when empty; NaN when
 * not a duration.
 */
export function parseGoDuration(text) {
  const trimmed = (text || '').trim();
  if (!trimmed) return null;
  const units = {ns: 0.001, us: 1, 'µs': 1, ms: 1000, s: 1e6, m: 6e7, h: 3.6e9};
  let total = 0;
  let rest = trimmed;
  const part = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/;
  while (rest) {
    const match = part.exec(rest);
    if (!match) return NaN;
    total += Number(match[1]) * units[match[2]];
    rest = rest.slice(match[0].length);
  }
  return total;
}

// Distinct on white. A service keeps its colour on every page (search results, timeline,
// graph) because the colour comes from its name.
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf',
  '#bcbd22', '#7f7f7f', '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173', '#3182bd',
  '#e6550d', '#31a354', '#756bb1'];

const colorCache = new Map();

/** The colour of a service. */
export function serviceColor(name) {
  let color = colorCache.get(name);
  if (!color) {
    let hash = 0;
    for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) | 0;
    color = PALETTE[Math.abs(hash) % PALETTE.length];
    colorCache.set(name, color);
  }
  return color;
}
