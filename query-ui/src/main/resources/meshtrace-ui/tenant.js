// The tenant the UI reads as, with meshtrace's --tenancy on: kept for the browser tab
// (sessionStorage) and sent with every API call in X-Scope-OrgID, the default --tenant-header
// (Grafana Tempo's). With tenancy off the server ignores it, and an empty field sends nothing.
import {el} from './dom.js';

const KEY = 'meshtrace.tenant';
const HEADER = 'X-Scope-OrgID';
const VALID = /^[A-Za-z0-9_.-]{1,64}$/;

function storedTenant() {
  try {
    return sessionStorage.getItem(KEY) || '';
  } catch {
    return ''; // storage disabled: no tenant
  }
}

/** Headers for an API call: the tenant's, or none. */
export function tenantHeaders() {
  const tenant = storedTenant();
  return tenant ? {[HEADER]: tenant} : {};
}

/** A small "Tenant" field in the top bar, before the trace-ID box; a change reloads the page. */
export function mountTenantField(topbar, before) {
  const input = el('input', {name: 'tenant', placeholder: 'Tenant', autocomplete: 'off',
    spellcheck: 'false', 'aria-label': `Tenant (${HEADER})`, value: storedTenant()});
  const form = el('form', {class: 'tenant-box', onsubmit: event => {
    event.preventDefault();
    const tenant = input.value.trim();
    if (tenant && !VALID.test(tenant)) {
      input.setCustomValidity("A tenant is 1 to 64 letters, digits, '-', '_' or '.'");
      input.reportValidity();
      return;
    }
    input.setCustomValidity('');
    try {
      if (tenant) sessionStorage.setItem(KEY, tenant); else sessionStorage.removeItem(KEY);
    } catch {
      // storage disabled: the field cannot be kept
    }
    location.reload();
  }}, input);
  topbar.insertBefore(form, before);
}
