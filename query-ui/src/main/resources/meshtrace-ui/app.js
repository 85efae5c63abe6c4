// The app's entry point: the pages and the header's trace-ID box.
import {route, start, navigate} from './router.js';
import {renderSearchPage} from './search.js';
import {renderTracePage} from './trace-page.js';
import {renderComparePage} from './compare.js';
import {renderDependenciesPage} from './dependencies.js';
import {renderSamplingPage} from './sampling.js';
import {renderMonitorPage} from './monitor.js';
import {renderOpenFilePage} from './open-file.js';
import {el, message} from './dom.js';
import {mountTenantField} from './tenant.js';
import {startAuth} from './auth.js';

const TRACE_ID = /^[0-9a-fA-F]{1,32}$/;

route(/^\/(search)?$/, renderSearchPage);
// Jaeger's comparison URL: /trace/{a}...{b}
route(/^\/trace\/([^/]+)\.\.\.([^/]+)$/, (root, page) =>
  renderComparePage(root, {...page, params: new URLSearchParams({a: decodeURIComponent(page.match[1]),
    b: decodeURIComponent(page.match[2])})}));
route(/^\/trace\/([^/]+)\/?$/, renderTracePage);
route(/^\/compare\/?$/, renderComparePage);
route(/^\/dependencies\/?$/, renderDependenciesPage);
route(/^\/sampling\/?$/, renderSamplingPage);
route(/^\/monitor\/?$/, renderMonitorPage);
route(/^\/open\/?$/, renderOpenFilePage);
route(/.*/, root => {
  document.title = 'Not found · meshtrace';
  root.append(message('empty', 'There is no such page',
    'Try ', el('a', {href: '/search'}, 'searching for traces'), '.'));
});

function markActiveNav() {
  const section = location.pathname.split('/')[1] || 'search';
  for (const link of document.querySelectorAll('[data-nav]')) {
    link.classList.toggle('active', link.dataset.nav === section);
  }
}

document.getElementById('trace-id-form').addEventListener('submit', event => {
  event.preventDefault();
  const input = document.getElementById('trace-id-input');
  const id = input.value.trim();
  if (!TRACE_ID.test(id)) {
    input.setCustomValidity('A trace ID is 1 to 32 hexadecimal characters');
    input.reportValidity();
    return;
  }
  input.setCustomValidity('');
  input.value = '';
  navigate(`/trace/${id.toLowerCase()}`);
});
document.getElementById('trace-id-input').addEventListener('input', event =>
  event.target.setCustomValidity(''));

mountTenantField(document.querySelector('.topbar'), document.getElementById('trace-id-form'));
window.addEventListener('popstate', markActiveNav);
document.addEventListener('click', () => setTimeout(markActiveNav));
start(document.getElementById('page'));
markActiveNav();
// After a login the page asks the API again, now with the credential.
startAuth(() => navigate(location.pathname + location.search + location.hash, {replace: true}));
