// The client of the Jaeger v1 JSON API that the same server answers on this origin.
import {tenantHeaders} from './tenant.js';
import {authorizedFetch} from './auth.js';

/** A failed request: status 0 when the server could not be reached. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function getJson(url, signal) {
  return requestJson(url, {signal});
}

/** A request to the API answered with JSON: the body on success, else an ApiError. */
async function requestJson(url, {method = 'GET', body, contentType, signal} = {}) {
  let response;
  const headers = {Accept: 'application/json', ...tenantHeaders()};
  if (contentType) headers['Content-Type'] = contentType;
  try {
    response = await authorizedFetch(url, {method, headers, body, signal});
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, `cannot reach the meshtrace server (${error.message})`);
  }
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    // not JSON: the status says enough
  }
  if (!response.ok) {
    const text = answer?.errors?.[0]?.msg || answer?.error?.message || response.statusText;
    throw new ApiError(response.status, text || `HTTP ${response.status}`);
  }
  return answer;
}

const enc = encodeURIComponent;

export const api = {
  /** Service names, sorted. */
  services: signal => getJson('/api/services', signal).then(body => body.data || []),

  /** [{name, spanKind}] of one service. */
  operations: (service, signal) =>
    getJson(`/api/operations?service=${enc(service)}`, signal).then(body => body.data || []),

  /** Traces matching a search; params is a URLSearchParams of the API's parameters. */
  searchTraces: (params, signal) =>
    getJson(`/api/traces?${params}`, signal).then(body => body.data || []),

  /** One trace in Jaeger's model, or an ApiError with status 404. */
  trace: (traceId, signal) =>
    getJson(`/api/traces/${enc(traceId)}`, signal).then(body => body.data[0]),

  /** Copies a stored trace into the archive, which retention never drops (Jaeger's archive). */
  archive: traceId =>
    requestJson(`/api/archive/${enc(traceId)}`, {method: 'POST'}),

  /**
   * Traces in Jaeger's model from OTLP JSON or Zipkin v2 JSON text; the server stores nothing.
   */
  transform: (text, signal) =>
    requestJson('/api/transform', {method: 'POST', body: text, contentType: 'application/json',
      signal}).then(body => body.data || []),

  /** The URL of a trace's JSON, for downloading. */
  traceUrl: traceId => `/api/traces/${enc(traceId)}`,

  /** [{parent, child, callCount, errorCount}] over lookbackMillis before now. */
  dependencies: (lookbackMillis, signal) =>
    getJson(`/api/dependencies?endTs=${Date.now()}&lookback=${lookbackMillis}`, signal)
      .then(body => body.data || []),

  getJson,
};

/** What to tell a person about a failed request. */
export function describeError(error) {
  if (!(error instanceof ApiError)) return ['Something went wrong', String(error?.message || error)];
  switch (error.status) {
    case 0:
      return ['The meshtrace server cannot be reached', error.message];
    case 503:
      return ['Storage is unavailable',
        'meshtrace cannot reach its PostgreSQL database right now. Spans sent meanwhile are '
        + `refused with 503, not lost silently. Try again shortly. (${error.message})`];
    case 400:
      return ['The query was refused', error.message];
    case 401:
      return ['Log in to see this', error.message];
    case 403:
      return ['Not allowed', error.message];
    case 404:
      return ['Not found', error.message];
    default:
      return [`The server answered ${error.status}`, error.message];
  }
}
