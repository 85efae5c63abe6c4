// The search page: a form whose state lives in the URL (/search?service=...&tags=...), the
// results as a list and as a duration-over-time scatter plot.
import {api, describeError} from './api.js';
import {el, svg, message, replace} from './dom.js';
import {formatAgo, formatDuration, formatTime, parseGoDuration, serviceColor} from './format.js';
import {formatLogfmt, parseLogfmt, tagsFromUrl} from './logfmt.js';
import {navigate, updateUrl} from './router.js';
import {summarizeTrace} from './trace-summary.js';

const LOOKBACKS = [['5m', 'Last 5 minutes'], ['15m', 'Last 15 minutes'], ['1h', 'Last hour'],
  ['2h', 'Last 2 hours'], ['6h', 'Last 6 hours'], ['12h', 'Last 12 hours'], ['1d', 'Last day'],
  ['2d', 'Last 2 days'], ['7d', 'Last 7 days'], ['custom', 'Custom range']];
const LOOKBACK_MICROS = {m: 6e7, h: 3.6e9, d: 8.64e10};
const SORTS = {
  recent: ['Most recent', (a, b) => b.start - a.start],
  longest: ['Longest first', (a, b) => b.duration - a.duration],
  shortest: ['Shortest first', (a, b) => a.duration - b.duration],
  spans: ['Most spans', (a, b) => b.spanCount - a.spanCount],
  errors: ['Most errors', (a, b) => b.errorCount - a.errorCount],
};
const SEARCH_KEYS = ['service', 'operation', 'tags', 'lookback', 'start', 'end', 'minDuration',
  'maxDuration', 'limit'];

export async function renderSearchPage(root, page) {
  document.title = 'Search · meshtrace';
  const query = readQuery(page.params);
  const form = buildForm(query, page);
  const results = el('section', {class: 'search-results', id: 'search-results'});
  root.append(el('div', {class: 'search-page'}, form.node, results));

  let services;
  try {
    services = await api.services(page.signal);
  } catch (error) {
    if (error.name === 'AbortError') return;
    replace(results, message('error', ...describeError(error)));
    return;
  }
  form.setServices(services);
  if (services.length === 0) {
    replace(results, message('empty', 'No services yet',
      'meshtrace has not received any spans. Send them with Zipkin (port 9411, ',
      el('code', {}, 'POST /api/v2/spans'), ') or OTLP (gRPC 4317, HTTP 4318 ',
      el('code', {}, '/v1/traces'), '), then reload this page.'));
    return;
  }
  if (!SEARCH_KEYS.some(key => page.params.has(key))) {
    replace(results, el('div', {class: 'service-list'},
      el('h2', {}, `${services.length} service${services.length === 1 ? '' : 's'}`),
      el('ul', {}, services.map(service => el('li', {},
        el('span', {class: 'swatch', style: {background: serviceColor(service)}}),
        el('a', {href: `/search?service=${encodeURIComponent(service)}`}, service))))));
    return;
  }
  await runSearch(results, query, page);
}

/** The search as the URL states it. */
function readQuery(params) {
  let tags = {};
  let tagsError = null;
  try {
    tags = tagsFromUrl(params.get('tags'));
  } catch (error) {
    tagsError = error.message;
  }
  return {
    service: params.get('service') || '',
    operation: params.get('operation') || '',
    tags,
    tagsError,
    lookback: params.get('lookback') || (params.get('start') ? 'custom' : '1h'),
    start: params.get('start') || '',
    end: params.get('end') || '',
    minDuration: params.get('minDuration') || '',
    maxDuration: params.get('maxDuration') || '',
    limit: params.get('limit') || '20',
    sort: SORTS[params.get('sort')] ? params.get('sort') : 'recent',
  };
}

/** The URL of a search; tags as a JSON object as Jaeger's UI writes them. */
function searchUrl(query) {
  const params = new URLSearchParams();
  if (query.service) params.set('service', query.service);
  if (query.operation) params.set('operation', query.operation);
  if (Object.keys(query.tags).length) params.set('tags', JSON.stringify(query.tags));
  params.set('lookback', query.lookback);
  if (query.lookback === 'custom') {
    if (query.start) params.set('start', query.start);
    if (query.end) params.set('end', query.end);
  }
  if (query.minDuration) params.set('minDuration', query.minDuration);
  if (query.maxDuration) params.set('maxDuration', query.maxDuration);
  params.set('limit', query.limit);
  if (query.sort !== 'recent') params.set('sort', query.sort);
  return `/search?${params}`;
}

/** The API's parameters for a search; times resolved now for a lookback. */
function apiParams(query) {
  const params = new URLSearchParams();
  if (query.service) params.set('service', query.service);
  if (query.operation) params.set('operation', query.operation);
  if (Object.keys(query.tags).length) params.set('tags', JSON.stringify(query.tags));
  const nowMicros = Date.now() * 1000;
  if (query.lookback === 'custom') {
    if (query.start) params.set('start', query.start);
    params.set('end', query.end || String(nowMicros));
  } else {
    const match = /^(\d+)([mhd])$/.exec(query.lookback) || [null, '1', 'h'];
    params.set('start', String(nowMicros - Number(match[1]) * LOOKBACK_MICROS[match[2]]));
    params.set('end', String(nowMicros));
  }
  if (query.minDuration) params.set('minDuration', query.minDuration);
  if (query.maxDuration) params.set('maxDuration', query.maxDuration);
  params.set('limit', query.limit);
  return params;
}

// µs since the epoch <-> the value of an <input type=datetime-local> (local time)
function toLocalInput(micros) {
  if (!micros) return '';
  const date = new Date(Number(micros) / 1000);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
}

function fromLocalInput(value) {
  return value ? String(new Date(value).getTime() * 1000) : '';
}

function buildForm(query, page) {
  const service = el('select', {name: 'service', id: 'search-service'},
    el('option', {value: ''}, 'All services'));
  const operation = el('select', {name: 'operation', id: 'search-operation'},
    el('option', {value: ''}, 'All operations'));
  const tags = el('input', {name: 'tags', id: 'search-tags', spellcheck: 'false',
    placeholder: 'error=true http.status_code=500', value: formatLogfmt(query.tags)});
  const tagsHint = el('div', {class: 'field-error', id: 'search-tags-error'}, query.tagsError);
  const lookback = el('select', {name: 'lookback', id: 'search-lookback'},
    LOOKBACKS.map(([value, label]) => el('option', {value, selected: value === query.lookback},
      label)));
  const start = el('input', {type: 'datetime-local', step: '1', name: 'start',
    value: toLocalInput(query.start)});
  const end = el('input', {type: 'datetime-local', step: '1', name: 'end',
    value: toLocalInput(query.end)});
  const custom = el('div', {class: 'custom-range'}, field('From', start), field('To', end));
  const minDuration = el('input', {name: 'minDuration', id: 'search-min-duration',
    placeholder: 'e.g. 100ms', value: query.minDuration});
  const maxDuration = el('input', {name: 'maxDuration', id: 'search-max-duration',
    placeholder: 'e.g. 1.5s', value: query.maxDuration});
  const limit = el('input', {type: 'number', min: '1', max: '1500', name: 'limit',
    id: 'search-limit', value: query.limit});
  const formError = el('div', {class: 'field-error', role: 'alert'});

  const showCustom = () => { custom.hidden = lookback.value !== 'custom'; };
  lookback.addEventListener('change', showCustom);
  showCustom();

  const loadOperations = async (selected) => {
    operation.replaceChildren(el('option', {value: ''}, 'All operations'));
    if (!service.value) return;
    try {
      const operations = await api.operations(service.value, page.signal);
      const names = [...new Set(operations.map(op => op.name))].sort();
      for (const name of names) {
        operation.append(el('option', {value: name, selected: name === selected}, name));
      }
    } catch (error) {
      if (error.name !== 'AbortError') formError.textContent = describeError(error).join(': ');
    }
  };
  service.addEventListener('change', () => loadOperations(''));

  const node = el('form', {class: 'search-form', id: 'search-form', onsubmit: event => {
    event.preventDefault();
    formError.textContent = '';
    tagsHint.textContent = '';
    let parsedTags;
    try {
      parsedTags = parseLogfmt(tags.value);
    } catch (error) {
      tagsHint.textContent = error.message;
      return;
    }
    for (const input of [minDuration, maxDuration]) {
      if (Number.isNaN(parseGoDuration(input.value))) {
        formError.textContent = `${input.name}: '${input.value}' is not a duration such as `
          + '250ms, 1.5s or 2m';
        return;
      }
    }
    navigate(searchUrl({
      service: service.value, operation: operation.value, tags: parsedTags,
      lookback: lookback.value, start: fromLocalInput(start.value), end: fromLocalInput(end.value),
      minDuration: minDuration.value.trim(), maxDuration: maxDuration.value.trim(),
      limit: limit.value || '20', sort: query.sort,
    }));
  }},
  el('h2', {}, 'Search'),
  field('Service', service), field('Operation', operation),
  field('Tags', tags, tagsHint), field('Lookback', lookback), custom,
  el('div', {class: 'field-row'}, field('Min duration', minDuration),
    field('Max duration', maxDuration)),
  field('Limit results', limit), formError,
  el('button', {type: 'submit', class: 'primary', id: 'search-submit'}, 'Find traces'));

  return {
    node,
    setServices(names) {
      const all = query.service && !names.includes(query.service) ? [...names, query.service]
        : names;
      for (const name of all) {
        service.append(el('option', {value: name, selected: name === query.service}, name));
      }
      loadOperations(query.operation);
    },
  };
}

function field(label, input, ...extra) {
  return el('label', {class: 'field'}, el('span', {}, label), input, ...extra);
}

async function runSearch(results, query, page) {
  replace(results, message('info', 'Searching…'));
  let traces;
  try {
    traces = await api.searchTraces(apiParams(query), page.signal);
  } catch (error) {
    if (error.name === 'AbortError') return;
    replace(results, message('error', ...describeError(error)));
    return;
  }
  const summaries = traces.filter(trace => trace.spans?.length).map(summarizeTrace);
  if (!summaries.length) {
    replace(results, message('empty', 'No traces found',
      'Nothing matches this search in the chosen time range. Widen the lookback or remove a '
      + 'criterion.'));
    return;
  }
  let sort = query.sort;
  const selected = new Set();
  const compareButton = el('button', {type: 'button', disabled: true, id: 'compare-selected',
    onclick: () => navigate(`/trace/${[...selected].join('...')}`)}, 'Compare selected');
  const sortSelect = el('select', {id: 'search-sort', 'aria-label': 'Sort', onchange: () => {
    sort = sortSelect.value;
    updateUrl(searchUrl({...query, sort}));
    drawList();
  }}, Object.entries(SORTS).map(([value, [label]]) =>
    el('option', {value, selected: value === sort}, label)));
  const list = el('ol', {class: 'trace-list', id: 'trace-list'});
  const drawList = () => {
    const sorted = [...summaries].sort(SORTS[sort][1]);
    replace(list, sorted.map(summary => traceItem(summary, selected, () => {
      compareButton.disabled = selected.size !== 2;
    })));
  };
  drawList();
  replace(results,
    scatterPlot(summaries),
    el('div', {class: 'results-bar'},
      el('strong', {}, `${summaries.length} trace${summaries.length === 1 ? '' : 's'}`),
      el('span', {class: 'spacer'}), compareButton, sortSelect),
    list);
}

function traceItem(summary, selected, onSelect) {
  const checkbox = el('input', {type: 'checkbox', 'aria-label': 'Select to compare',
    onchange: () => {
      if (checkbox.checked) selected.add(summary.traceID);
      else selected.delete(summary.traceID);
      onSelect();
    }});
  checkbox.checked = selected.has(summary.traceID);
  return el('li', {class: 'trace-item', dataset: {traceId: summary.traceID}},
    el('div', {class: 'trace-item-head'},
      checkbox,
      el('a', {class: 'trace-title', href: `/trace/${summary.traceID}`},
        el('span', {class: 'service-name'}, summary.rootService), ': ', summary.rootOperation),
      el('span', {class: 'trace-id'}, summary.traceID.slice(0, 7)),
      el('span', {class: 'spacer'}),
      el('span', {class: 'duration'}, formatDuration(summary.duration))),
    el('div', {class: 'trace-item-body'},
      el('span', {class: 'span-count'}, `${summary.spanCount} span${summary.spanCount === 1 ? '' : 's'}`),
      summary.errorCount ? el('span', {class: 'error-count'},
        `${summary.errorCount} error${summary.errorCount === 1 ? '' : 's'}`) : null,
      el('span', {class: 'services'}, summary.services.map(([name, count]) =>
        el('span', {class: 'service-chip', style: {borderColor: serviceColor(name)}},
          `${name} (${count})`))),
      el('span', {class: 'spacer'}),
      el('time', {title: formatTime(summary.start)},
        `${formatTime(summary.start)} · ${formatAgo(summary.start)}`)));
}

/** Duration over start time, one dot per trace (red when it has errors); a dot opens it. */
function scatterPlot(summaries) {
  const width = 900;
  const height = 150;
  const pad = {left: 60, right: 12, top: 10, bottom: 22};
  const minStart = Math.min(...summaries.map(s => s.start));
  const maxStart = Math.max(...summaries.map(s => s.start));
  const maxDuration = Math.max(...summaries.map(s => s.duration), 1);
  const span = Math.max(maxStart - minStart, 1);
  const x = start => pad.left + (summaries.length === 1 ? 0.5 : (start - minStart) / span)
    * (width - pad.left - pad.right);
  const y = duration => height - pad.bottom - duration / maxDuration
    * (height - pad.top - pad.bottom);
  return svg('svg', {class: 'scatter', viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': 'Trace durations over time'},
    svg('line', {x1: pad.left, y1: height - pad.bottom, x2: width - pad.right,
      y2: height - pad.bottom, class: 'axis'}),
    svg('line', {x1: pad.left, y1: pad.top, x2: pad.left, y2: height - pad.bottom, class: 'axis'}),
    svg('text', {x: pad.left - 6, y: pad.top + 8, 'text-anchor': 'end', class: 'axis-label'},
      formatDuration(maxDuration)),
    svg('text', {x: pad.left - 6, y: height - pad.bottom, 'text-anchor': 'end',
      class: 'axis-label'}, '0'),
    svg('text', {x: pad.left, y: height - 6, class: 'axis-label'}, formatTime(minStart)),
    svg('text', {x: width - pad.right, y: height - 6, 'text-anchor': 'end', class: 'axis-label'},
      formatTime(maxStart)),
    summaries.map(summary => svg('a', {href: `/trace/${summary.traceID}`},
      svg('circle', {cx: x(summary.start), cy: y(summary.duration),
        r: Math.min(3 + Math.sqrt(summary.spanCount), 12),
        class: summary.errorCount ? 'dot dot-error' : 'dot'},
      svg('title', {}, `${summary.rootService}: ${summary.rootOperation} · `
        + `${formatDuration(summary.duration)} · ${summary.spanCount} spans`)))));
}
