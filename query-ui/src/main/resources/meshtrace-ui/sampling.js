// /sampling: the effective sampling strategy of each service, read-only.
//
// It reads the control plane's admin API on the UI's own origin (all-in-one mounts it on the
// query port): `GET /api/sampling/strategies/services/X` answers the strategy X is served (as
// Jaeger's remote sampling serves it) and where it comes from (api, file or default). Where the
// query listener runs without the control plane (the `query` command), the answer is 404 and
// the page says the control plane is not available.
import {api, ApiError, describeError} from './api.js';
import {authorizedFetch} from './auth.js';
import {el, message, replace} from './dom.js';

export function strategyUrl(service) {
  return `/api/sampling/strategies/services/${encodeURIComponent(service)}`;
}

export async function renderSamplingPage(root, page) {
  document.title = 'Sampling · meshtrace';
  const content = el('section', {class: 'sampling', id: 'sampling'}, message('info', 'Loading…'));
  const editor = el('section', {class: 'sampling-editor', id: 'sampling-editor'});
  root.append(el('div', {class: 'sampling-page'}, el('h2', {}, 'Sampling strategies'), editor,
    content));
  await loadStrategies(content, editor, page);
}

async function loadStrategies(content, editor, page) {
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
    if (!editor.hasChildNodes()) {
      replace(editor, editForm(services, () => loadStrategies(content, editor, page)));
    }
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

// The admin token is kept for this tab only (sessionStorage), so that several changes do not
// ask for it again, and it is never put in a URL.
const TOKEN_KEY = 'meshtrace.adminToken';

/**
 * Sets or removes a service's strategy through the admin API (PUT/DELETE
 * /api/sampling/strategies/services/X, bearer token). The API validates; its messages are shown
 * as they are.
 */
function editForm(services, reload) {
  const service = el('select', {id: 'edit-service', 'aria-label': 'Service'},
    services.map(name => el('option', {value: name}, name)));
  const type = el('select', {id: 'edit-type', 'aria-label': 'Type'},
    el('option', {value: 'probabilistic'}, 'probabilistic (probability 0-1)'),
    el('option', {value: 'ratelimiting'}, 'ratelimiting (traces a second)'));
  const param = el('input', {id: 'edit-param', type: 'number', step: 'any', min: '0',
    placeholder: 'e.g. 0.5', 'aria-label': 'Parameter'});
  const token = el('input', {id: 'edit-token', type: 'password', autocomplete: 'off',
    placeholder: 'admin token', 'aria-label': 'Admin token'});
  token.value = sessionStorage.getItem(TOKEN_KEY) ?? '';
  const outcome = el('div', {id: 'edit-outcome'});

  async function send(method, body) {
    sessionStorage.setItem(TOKEN_KEY, token.value);
    replace(outcome, message('info', 'Sending…'));
    // The admin token when one is typed in, else the credential this tab logged in with.
    const headers = {Accept: 'application/json'};
    if (token.value) headers.Authorization = `Bearer ${token.value}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await authorizedFetch(strategyUrl(service.value), {method, headers,
        body: body === undefined ? undefined : JSON.stringify(body)});
    } catch (error) {
      replace(outcome, message('error', 'Cannot reach the server', error.message));
      return;
    }
    let answer = null;
    try {
      answer = await response.json();
    } catch {
      // the status says enough
    }
    if (!response.ok) {
      const problems = (answer?.errors || []).map(e => typeof e === 'string' ? e : e.msg);
      replace(outcome, message('error', `Not changed (HTTP ${response.status})`,
        problems.length ? el('ul', {}, problems.map(p => el('li', {}, p))) : ''));
      return;
    }
    replace(outcome, message('info', `Version ${answer?.version}: ${answer?.change ?? 'done'}`));
    await reload();
  }

  const form = el('form', {class: 'edit-strategy', onsubmit: event => {
    event.preventDefault();
    send('PUT', {type: type.value, param: Number(param.value)});
  }},
  el('strong', {}, 'Change a strategy'), ' ', service, ' ', type, ' ', param, ' ', token, ' ',
  el('button', {type: 'submit', id: 'edit-set'}, 'Set'), ' ',
  el('button', {type: 'button', id: 'edit-remove', onclick: () => send('DELETE')},
    'Remove the admin API\'s'));
  return [form, outcome];
}

/** Where a served strategy comes from, in words. */
const SOURCES = {
  api: 'admin API',
  file: 'strategies file',
  default: 'default strategy',
};
