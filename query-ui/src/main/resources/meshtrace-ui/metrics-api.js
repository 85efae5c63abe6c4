// The Monitor page's reads of Jaeger's SPM API (/api/metrics/calls|errors|latencies), through
// api.getJson so that tenant and login go with them as with every other call.
//
// A range is cut into steps; each point is the metric over the step that ends at it (ratePer =
// step), so points neither overlap nor leave gaps and a point stands for exactly the minutes a
// click on it searches. The API keeps whole minutes and aligns points to multiples of the step
// since the epoch: the range therefore ends at the end of the last closed minute rounded up to
// a step, and the step that is still under way is counted over the minutes it has had.
import {api} from './api.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** The ranges offered, their steps and what the comparison is called. */
export const RANGES = {
  '1h': {label: 'Last hour', ms: HOUR, step: MINUTE, previous: 'previous hour'},
  '6h': {label: 'Last 6 hours', ms: 6 * HOUR, step: 5 * MINUTE, previous: 'previous 6 hours'},
  '24h': {label: 'Last 24 hours', ms: 24 * HOUR, step: 15 * MINUTE,
    previous: 'previous 24 hours'},
  // Steps and windows of whole hours: the API reads them from the hourly rollups.
  '7d': {label: 'Last 7 days', ms: 168 * HOUR, step: HOUR, previous: 'week before'},
};

export const QUANTILES = [0.5, 0.95, 0.99];
/** How long after its end a minute's metrics are stored at the latest. */
const WRITTEN_AFTER = 40_000;

/**
 * The period shown for a range at `now`, and the one before it.
 * {end, start, step, ms, dataEnd (where stored minutes end), now, previous: {end, start}};
 * times in ms, end excluded.
 */
export function period(rangeKey, now = Date.now()) {
  const range = RANGES[rangeKey];
  // A minute is written once it has waited 30 s for late spans and the next flush (every 5 s)
  // ran: until then it would read as no calls.
  const dataEnd = Math.floor((now - WRITTEN_AFTER) / MINUTE) * MINUTE;
  const end = Math.ceil(dataEnd / range.step) * range.step;
  return {
    key: rangeKey, ms: range.ms, step: range.step, end, start: end - range.ms, dataEnd, now,
    previous: {end: end - range.ms, start: end - 2 * range.ms},
  };
}

/** How much of the window [t - width, t) has happened by dataEnd, in ms. */
function covered(t, width, dataEnd) {
  return Math.max(0, Math.min(t, dataEnd) - (t - width));
}

function query(what, params, signal) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) search.set(key, String(value));
  }
  return api.getJson(`/api/metrics/${what}?${search}`, signal);
}

/**
 * A MetricFamily as Map(operation or '' -> [{t, v}]), t in ms. Calls per second are counted
 * over the part of each window that has happened; a window that has not started is left out.
 */
function parseFamily(family, {width, dataEnd, calls}) {
  const series = new Map();
  for (const metric of family?.metrics || []) {
    const labels = Object.fromEntries((metric.labels || []).map(l => [l.name, l.value]));
    const points = [];
    for (const point of metric.metricPoints || []) {
      const t = Date.parse(point.timestamp);
      let v = point.gaugeValue?.doubleValue;
      if (!Number.isFinite(t) || !Number.isFinite(v)) continue;
      if (calls) {
        const happened = covered(t, width, dataEnd);
        if (happened <= 0) continue;
        v = v * width / happened;
      }
      points.push({t, v});
    }
    series.set(labels.operation ?? '', points);
  }
  return series;
}

/**
 * calls, errors and each quantile over one period, every request at once:
 * {calls: Map, errors: Map, latencies: {0.5: Map, ...}} keyed by operation ('' for the
 * service). `shape` is either the chart's (points a step apart) or the table's (one point for
 * the whole period).
 */
async function readPeriod({service, spanKind, byOperation, end, dataEnd, step, lookback, width},
  signal) {
  const common = {service, spanKind, groupByOperation: byOperation, endTs: end, lookback, step,
    ratePer: width};
  const parse = (family, calls = false) => parseFamily(family, {width, dataEnd, calls});
  const [calls, errors, ...latencies] = await Promise.all([
    query('calls', common, signal), query('errors', common, signal),
    ...QUANTILES.map(quantile => query('latencies', {...common, quantile}, signal))]);
  return {
    calls: parse(calls, true),
    errors: parse(errors),
    latencies: Object.fromEntries(QUANTILES.map((q, i) => [q, parse(latencies[i])])),
  };
}

/** The charts' points over a period: a point each step, each over its step. */
export function readSeries({service, spanKind, byOperation}, {start, end, step, dataEnd},
  signal) {
  return readPeriod({service, spanKind, byOperation, end, dataEnd, step,
    lookback: end - start - step, width: step}, signal);
}

/**
 * The operations table's numbers over a whole period, one value each:
 * Map(operation -> {calls, errors, p50, p95, p99}); calls per second, errors a share (null
 * without calls), latencies in ms (null without calls).
 */
export async function readTotals({service, spanKind}, {start, end, step, dataEnd}, signal) {
  // One point at end whose window is the whole period ("lookback" of 1 ms: the API wants more
  // than 0 and includes the point at endTs).
  const read = await readPeriod({service, spanKind, byOperation: true, end, dataEnd, step,
    lookback: 1, width: end - start}, signal);
  const value = (map, operation) => map.get(operation)?.at(-1)?.v ?? null;
  const totals = new Map();
  for (const operation of read.calls.keys()) {
    totals.set(operation, {
      calls: value(read.calls, operation) ?? 0,
      errors: value(read.errors, operation),
      p50: value(read.latencies[0.5], operation),
      p95: value(read.latencies[0.95], operation),
      p99: value(read.latencies[0.99], operation),
    });
  }
  return totals;
}
