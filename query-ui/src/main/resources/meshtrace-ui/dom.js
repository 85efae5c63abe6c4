// Building DOM nodes from data. Text always goes in as text nodes and attributes through
// setAttribute, never as markup: span names, tags and service names come from whoever sends
// spans, and none of it may ever be parsed as HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An HTML element: el('a', {href: '/x', class: 'link', onclick: fn}, 'text', childNode). */
export function el(tag, props, ...children) {
  return build(document.createElement(tag), props, children);
}

/** An SVG element, the same way. */
export function svg(tag, props, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

function build(node, props, children) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) {
      // Handlers are functions added as listeners; a string would be an inline handler, which
      // the Content-Security-Policy forbids anyway.
      if (typeof value !== 'function') throw new TypeError(`${key} must be a function`);
      node.addEventListener(key.slice(2), value);
    } else if (key === 'style') {
      Object.assign(node.style, value); // CSSOM, which the CSP allows (no style attribute)
    } else if (key === 'dataset') {
      Object.assign(node.dataset, value);
    } else {
      node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(node, children);
  return node;
}

/** Appends children: nodes as they are, strings and numbers as text, arrays flattened. */
export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replaces every child of node. */
export function replace(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

/** A message box: kind is 'info', 'empty', 'error' or 'warning'. */
export function message(kind, title, ...details) {
  return el('div', {class: `message message-${kind}`, role: kind === 'error' ? 'alert' : 'status'},
    el('strong', {}, title), details.length ? el('div', {}, ...details) : null);
}
