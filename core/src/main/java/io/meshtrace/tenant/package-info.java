/**
 * Tenants: whose spans a request writes or reads. With tenancy off every request acts for
 * {@link io.meshtrace.tenant.Tenant#DEFAULT} and nothing changes; with it on, a listener's guard
 * resolves each request's tenant (from its credential, else from the tenant header) before any
 * receiver or query API sees the request, and they ask {@link
 * io.meshtrace.tenant.RequestTenant} for it.
 */
package io.meshtrace.tenant;
