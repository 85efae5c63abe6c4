// Logging in to a meshtrace that asks for credentials (--auth-file, OIDC): every API call goes
// through authorizedFetch, which sends the credential kept for this tab (sessionStorage: gone
// when the tab closes, never in a URL or a cookie) as Authorization. When the server answers
// 401, a login form asks for a token, or a user and password (sent as basic auth); the page is
// drawn again once the server accepts them. The UI's pages and assets hold no data and stay
// open; only the API calls are checked.
import {el, replace, message} from './dom.js';

const KEY = 'meshtrace.authorization';
let onLogin = () => {};
let loginShown = false;
// What /api/me said: 'on', 'off' (nothing is protected: a 401 is then the sampling admin API's
// own --admin-token check, answered by its form), or null before it answered.
let authentication = null;

/** The Authorization header value kept for this tab, or null. */
export function credential() {
  return sessionStorage.getItem(KEY);
}

/**
 * fetch with the tab's credential (unless init sets its own Authorization) and the header that
 * keeps browsers from opening their own basic-auth dialog; a 401 opens the login form.
 */
export async function authorizedFetch(url, init = {}) {
  const headers = new Headers(init.headers || {});
  const own = headers.has('Authorization');
  const kept = credential();
  if (kept && !own) headers.set('Authorization', kept);
  headers.set('X-Requested-With', 'XMLHttpRequest');
  const response = await fetch(url, {...init, headers});
  // A credential the caller chose itself (the admin token field) is the caller's to report.
  if (response.status === 401 && !own && authentication !== 'off') {
    showLogin(kept ? 'These credentials are not accepted any more.' : '');
  }
  return response;
}

/**
 * Asks the server who this tab is logged in as and shows it in the header; opens the login
 * form when the server wants credentials.
 * @param redraw draws the current page again after a login
 */
export async function startAuth(redraw) {
  onLogin = redraw;
  let response;
  try {
    response = await authorizedFetch('/api/me', {headers: {Accept: 'application/json'}});
  } catch {
    return; // the pages say when the server cannot be reached
  }
  if (response.ok) {
    const me = await response.json().catch(() => null);
    authentication = me?.authentication ?? null;
    showCaller(me);
  } else if (response.status === 401 || response.status === 403) {
    authentication = 'on';
  }
}

function showCaller(me) {
  const box = document.getElementById('caller');
  if (!box) return;
  if (!me || me.authentication !== 'on') {
    replace(box);
    return;
  }
  replace(box, el('span', {id: 'caller-name', title: `roles: ${(me.roles || []).join(', ')}`
      + (me.tenant ? `; tenant ${me.tenant}` : '')}, me.name),
    ' ', el('button', {type: 'button', id: 'logout', class: 'link', onclick: logout}, 'Log out'));
}

function logout() {
  sessionStorage.removeItem(KEY);
  location.assign('/search');
}

function showLogin(problem) {
  if (loginShown) return;
  loginShown = true;
  const token = el('input', {id: 'login-token', type: 'password', autocomplete: 'off',
    placeholder: 'token', 'aria-label': 'Token', spellcheck: 'false'});
  const user = el('input', {id: 'login-user', autocomplete: 'username', placeholder: 'user',
    'aria-label': 'User'});
  const password = el('input', {id: 'login-password', type: 'password',
    autocomplete: 'current-password', placeholder: 'password', 'aria-label': 'Password'});
  const outcome = el('div', {id: 'login-outcome'}, problem ? message('error', problem) : null);
  const dialog = el('div', {class: 'login-backdrop', id: 'login'},
    el('form', {class: 'login', id: 'login-form', onsubmit: event => {
      event.preventDefault();
      const header = token.value.trim() ? `Bearer ${token.value.trim()}`
        : user.value ? `Basic ${basic(user.value, password.value)}` : null;
      if (!header) {
        replace(outcome, message('error', 'Enter a token, or a user and password'));
        return;
      }
      tryLogin(header, dialog, outcome);
    }},
    el('h2', {}, 'Log in to meshtrace'),
    el('p', {class: 'muted'}, 'This server asks for credentials to read traces.'),
    el('label', {class: 'field'}, 'Token', token),
    el('p', {class: 'muted'}, 'or'),
    el('div', {class: 'field-row'}, el('label', {class: 'field'}, 'User', user),
      el('label', {class: 'field'}, 'Password', password)),
    outcome,
    el('button', {type: 'submit', class: 'primary', id: 'login-submit'}, 'Log in')));
  document.body.append(dialog);
  token.focus();
}

async function tryLogin(header, dialog, outcome) {
  replace(outcome, message('info', 'Checking…'));
  let response;
  try {
    response = await fetch('/api/me', {headers: {Accept: 'application/json',
      Authorization: header, 'X-Requested-With': 'XMLHttpRequest'}});
  } catch (error) {
    replace(outcome, message('error', 'Cannot reach the server', error.message));
    return;
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    replace(outcome, message('error', response.status === 429 ? 'Too many failed attempts'
      : response.status === 403 ? 'Logged in, but without the read role'
        : 'Not accepted', body?.errors?.[0]?.msg || `HTTP ${response.status}`));
    return;
  }
  sessionStorage.setItem(KEY, header);
  authentication = 'on';
  dialog.remove();
  loginShown = false;
  showCaller(body);
  onLogin();
}

/** Base64 of user:password in UTF-8, as basic authentication wants it. */
function basic(user, password) {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
