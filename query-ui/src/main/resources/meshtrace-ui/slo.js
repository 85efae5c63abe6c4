// SLO status on the Monitor page, from GET /api/slo on the UI's own origin. Everything that
// knows that API's JSON is in this module, so that a change of it changes only this file.
//
// The answer read:
//   {"sampled": false, "objectives": [{
//     "name": "cart-availability",
//     "objective": {"name": ..., "service": "cart", "operation": "GET /cart" (optional),
//                   "spanKind": "server", "indicator": "availability" | "latency",
//                   "threshold": "300ms" (latency only), "target": 99.9 (percent),
//                   "window": "30d", "description": ... (optional)},
//     "window": {"from": RFC 3339, "to": RFC 3339, "coveredByRetention": true},
//     "total": 1200, "bad": 3,
//     "attainment": 0.9975 (good share, null without calls),
//     "errorBudget": 0.001 (1 - target),
//     "errorBudgetRemaining": 0.4 (share of the budget left, below 0 when overspent, null
//                                  without calls),
//     "burnRates": {"5m": 2.5, "30m": 2, "1h": 2.5, "2h": 2, "6h": 1.1, "1d": 1, "3d": 0.9}
//                  (each null without calls),
//     "alerts": [{"severity": "critical" | "warning", "longWindow": "1h", "shortWindow": "5m",
//                 "factor": 14.4, "firing": false}, ...] (the SRE workbook's four),
//     "status": "ok" | "exhausted" | "no_data"}]}
// A server without SLOs answers 404: the page then shows no SLO box and no error.
import {ApiError, api, describeError} from './api.js';
import {el, message} from './dom.js';

/** The service's objectives, or null where the server has no SLO API (404). */
export async function loadObjectives(service, signal) {
  let body;
  try {
    body = await api.getJson('/api/slo', signal);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
  return (body?.objectives || []).map(normalize).filter(o => o.service === service);
}

/** One objective, in the names the page uses. */
function normalize(entry) {
  const objective = entry.objective || {};
  return {
    name: entry.name ?? objective.name ?? '',
    description: objective.description ?? null,
    service: objective.service ?? '',
    operation: objective.operation ?? null,
    spanKind: objective.spanKind ?? 'server',
    indicator: objective.indicator ?? '',
    threshold: objective.threshold ?? null,
    target: Number(objective.target),
    window: objective.window ?? '',
    attainment: entry.attainment ?? null,
    budgetLeft: entry.errorBudgetRemaining ?? null,
    burn1h: entry.burnRates?.['1h'] ?? null,
    burn6h: entry.burnRates?.['6h'] ?? null,
    burn3d: entry.burnRates?.['3d'] ?? null,
    firing: (entry.alerts || []).filter(a => a.firing),
    status: entry.status ?? 'no_data',
    partial: entry.window?.coveredByRetention === false,
  };
}

const STATUS = {ok: 'OK', exhausted: 'Budget exhausted', no_data: 'No data'};

const percent = (share, digits = 3) => (share === null || !Number.isFinite(share) ? '—'
  : `${Number((share * 100).toPrecision(digits + 1))} %`.replace('-', '−'));

/** The SLO box, or a line saying the service has none. */
export function sloBox(objectives, service) {
  if (!objectives.length) {
    return el('section', {class: 'slo-box', id: 'slo'},
      el('p', {class: 'muted'}, `No service level objectives for ${service}.`));
  }
  return el('section', {class: 'slo-box', id: 'slo'},
    el('h3', {}, 'Service level objectives'),
    el('table', {class: 'slo-table'},
      el('thead', {}, el('tr', {}, ['Objective', 'Indicator', 'Target', 'Attainment',
        'Error budget left', 'Burn rate 1h / 6h / 3d', 'Alerts firing', 'Status']
        .map(h => el('th', {}, h)))),
      el('tbody', {}, objectives.map(o => el('tr', {class: `slo-${o.status}`,
        dataset: {objective: o.name}},
      el('td', {title: o.description || null}, o.name,
        o.operation ? el('div', {class: 'muted'}, o.operation) : null),
      el('td', {}, o.indicator === 'latency' && o.threshold ? `latency ≤ ${o.threshold}`
        : o.indicator),
      el('td', {}, Number.isFinite(o.target) ? `${o.target} % over ${o.window}` : '—'),
      el('td', {}, percent(o.attainment), o.partial
        ? el('div', {class: 'muted'}, 'since the oldest data kept') : null),
      el('td', {}, budget(o.budgetLeft)),
      el('td', {}, [o.burn1h, o.burn6h, o.burn3d].map(b => (b === null ? '—'
        : `${Number(b.toPrecision(3))}×`)).join(' / ')),
      el('td', {class: o.firing.length ? 'slo-firing' : null}, o.firing.length
        ? o.firing.map(alertText).join(', ') : 'none'),
      el('td', {}, el('span', {class: `slo-status slo-status-${o.status}`},
        STATUS[o.status] || o.status)))))));
}

/**
 * A firing alert as the rendered PrometheusRule names it: a page (critical) or a ticket
 * (warning), its windows and the burn rate it fires above.
 */
export function alertText(alert) {
  return `${alert.severity === 'critical' ? 'page' : 'ticket'} ${alert.longWindow}/`
    + `${alert.shortWindow} > ${alert.factor}×`;
}

/** The budget left as a bar and a number; an overspent budget is an empty red bar. */
function budget(left) {
  if (left === null) return '—';
  const width = Math.max(0, Math.min(1, left)) * 100;
  return el('span', {class: 'budget'},
    el('span', {class: 'budget-bar'}, el('span', {class: left > 0 ? 'budget-fill'
      : 'budget-fill budget-spent', style: {width: `${width}%`}})),
    ` ${percent(left, 2)}`);
}

/** A failed /api/slo other than 404: said in the box, the rest of the page is unaffected. */
export function sloError(error) {
  return el('section', {class: 'slo-box', id: 'slo'},
    message('warning', 'SLO status unavailable', describeError(error).join(': ')));
}
