// Tags as people type them, in logfmt: `error=true http.status_code=500 note="two words"`.
// A key alone means `key=true`, as in Jaeger's search form.

/** Text -> {key: value}; throws an Error naming the problem. */
export function parseLogfmt(text) {
  const tags = {};
  let i = 0;
  const s = text || '';
  while (i < s.length) {
    if (/\s/.test(s[i])) { i++; continue; }
    let key = '';
    while (i < s.length && !/[\s=]/.test(s[i])) key += s[i++];
    if (!key) throw new Error(`a tag needs a key before '=' (at character ${i + 1})`);
    if (s[i] !== '=') { tags[key] = 'true'; continue; }
    i++; // '='
    let value = '';
    if (s[i] === '"') {
      i++;
      let closed = false;
      while (i < s.length) {
        const c = s[i++];
        if (c === '\\' && i < s.length) { value += s[i++]; continue; }
        if (c === '"') { closed = true; break; }
        value += c;
      }
      if (!closed) throw new Error(`the value of '${key}' has no closing quote`);
    } else {
      while (i < s.length && !/\s/.test(s[i])) value += s[i++];
    }
    tags[key] = value;
  }
  return tags;
}

/** {key: value} -> logfmt text, quoting values that need it. */
export function formatLogfmt(tags) {
  return Object.entries(tags || {}).map(([key, value]) => {
    const text = String(value);
    return /^[^\s="\\]+$/.test(text) ? `${key}=${text}`
      : `${key}="${text.replace(/["\\]/g, c => `\\${c}`)}"`;
  }).join(' ');
}

/**
 * The tags of a URL: Jaeger's UI puts them there as a JSON object, so links shared from Jaeger
 * keep working; logfmt is accepted too.
 */
export function tagsFromUrl(value) {
  if (!value) return {};
  try {
    const json = JSON.parse(value);
    if (json && typeof json === 'object' && !Array.isArray(json)) {
      return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, String(v)]));
    }
  } catch {
    // not JSON: logfmt
  }
  return parseLogfmt(value);
}
