// Client-side routing with the History API. The server answers every page path with the same
// shell, so a shared or reloaded URL lands here and is drawn from location alone.

const routes = [];
let pageRoot = null;
let current = null; // {controller, cleanup}

/**
 * Registers a page: pattern is a RegExp over the path, render(root, page) draws it, where
 * page = {match, params (URLSearchParams), signal (aborted when the page is left), onLeave(fn)}.
 */
export function route(pattern, render) {
  routes.push({pattern, render});
}

/** Goes to a URL of this app: a new history entry, or the current one replaced. */
export function navigate(url, {replace = false} = {}) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
}

/** Changes the URL without drawing the page again (view state such as a sort order). */
export function updateUrl(url) {
  history.replaceState(null, '', url);
}

export function start(root) {
  pageRoot = root;
  document.addEventListener('click', followLink);
  window.addEventListener('popstate', render);
  render();
}

/** Plain links inside the app navigate without a page load; the rest behave as usual. */
function followLink(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey
      || event.shiftKey || event.altKey) return;
  const link = event.target.closest('a[href]');
  // getAttribute, not .href/.target: those are objects on SVG links
  if (!link || link.getAttribute('target') || link.hasAttribute('download')) return;
  const url = new URL(link.getAttribute('href'), location.href);
  if (url.origin !== location.origin || /^\/(api|static)\//.test(url.pathname)) return;
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
}

function render() {
  if (current) {
    current.controller.abort();
    current.cleanups.forEach(cleanup => cleanup());
  }
  const controller = new AbortController();
  current = {controller, cleanups: []};
  const page = {
    params: new URLSearchParams(location.search),
    signal: controller.signal,
    onLeave: cleanup => current.cleanups.push(cleanup),
    startedAt: performance.now(),
  };
  pageRoot.replaceChildren();
  for (const {pattern, render: draw} of routes) {
    const match = pattern.exec(location.pathname);
    if (match) {
      page.match = match;
      Promise.resolve(draw(pageRoot, page)).catch(error => {
        if (error?.name !== 'AbortError') console.error(error);
      });
      return;
    }
  }
}
