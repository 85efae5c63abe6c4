// /sampling: the effective sampling strategy of each service, read-only.
//
// It reads the control plane's admin API on the UI's own origin (all-in-one mounts it on the
// query port): `GET /api/sampling/strategies/services/X` answers the strategy X is served (as
// Jaeger's remote sampling serves it) and where it comes from (api, file or default). Where the
// query listener runs without the control plane (the `query` command), the answer is 404 and
// the page says the control plane is not available.
import {api, ApiError, describeError} from './api.js';
import {el, message, replace} from './dom.js';

export function strategyUrl(service) {
  return `/api/sampling/strategies/services/${encodeURIComponent(service)}`;
}

export async function renderSamplingPage(root, page) {
  document.title = 'Sampling · meshtrace';
  const content = el('section', {class: 'sampling', id: 'sampling'}, message('info', 'Loading…'));
  root.append(el('div', {class: 'sampling-page'}, el('h2', {}, 'Sampling strategies'), content));
  try {
    const services = await api.services(page.signal);
    if (!services.length) {
      replace(content, message('empty', 'No services yet',
        'Strategies are listed per service once services have sent spans.'));
      return;
    }
    const strategies = await Promise.all(services.map(service =>
      api.getJson(strategyUrl(service), page.signal).then(answer =>
        ({service, strategy: answer.strategy ?? {}, source: answer.source ?? ''}))));
    replace(content, strategyTable(strategies));
  } catch (error) {
    if (error.name === 'AbortError') return;
    replace(content, error instanceof ApiError && error.status === 404
      ? message('empty', 'Sampling control plane not available',
        'This server does not serve sampling strategies (',
        el('code', {}, strategyUrl('…')), ' answered 404). SDKs and proxies sample with their own '
        + 'defaults until the control plane runs.')
      : message('error', ...describeError(error)));
  }
}

/** Jaeger's strategy response: probabilistic, rate limiting, or per operation. */
function describeStrategy(strategy) {
  const type = strategy.strategyType ?? '';
  if (strategy.operationSampling) {
    const ops = strategy.operationSampling;
    return [`per operation, default ${ops.defaultSamplingProbability ?? '—'}`,
      (ops.perOperationStrategies || []).map(op =>
        `${op.operation}: ${op.probabilisticSampling?.samplingRate ?? '—'}`).join(', ')];
  }
  if (strategy.rateLimitingSampling) {
    return [`rate limiting (${type})`,
      `${strategy.rateLimitingSampling.maxTracesPerSecond} traces/s`];
  }
  if (strategy.probabilisticSampling) {
    return [`probabilistic (${type})`, `${strategy.probabilisticSampling.samplingRate}`];
  }
  return [String(type || 'unknown'), JSON.stringify(strategy)];
}

function strategyTable(rows) {
  return el('table', {class: 'diff', id: 'sampling-table'},
    el('thead', {}, el('tr', {}, el('th', {}, 'Service'), el('th', {}, 'Strategy'),
      el('th', {}, 'Parameters'), el('th', {}, 'From'))),
    el('tbody', {}, rows.map(({service, strategy, source}) => {
      const [kind, detail] = describeStrategy(strategy);
      return el('tr', {}, el('td', {}, service), el('td', {}, kind), el('td', {}, detail),
        el('td', {}, SOURCES[source] ?? source));
    })));
}

/** Where a served strategy comes from, in words. */
const SOURCES = {
  api: 'admin API',
  file: 'strategies file',
  default: 'default strategy',
};
