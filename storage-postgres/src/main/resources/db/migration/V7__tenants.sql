-- meshtrace schema, version 7: tenants. A tenant is its ID as text ('' is the default tenant,
-- which every span belongs to with tenancy off, and every span stored before this version).
--
-- Span rows get no column: the service dictionary is per tenant, so a span's operation_id
-- (operation -> service -> tenant) already says whose it is, for no byte more a span, and every
-- search, which filters by operation IDs, finds only the tenant's spans. The dictionaries and
-- derived tables whose rows are not reached through a service get the tenant themselves.
--
-- Every statement is quick on a database of any size: ADD COLUMN with a constant default
-- rewrites nothing (PostgreSQL 11+), existing rows read as the default tenant; the unique keys
-- rebuilt here are on small tables (a row per service, per distinct attribute set, per hour and
-- pair of services, per minute and root operation), never on spans or trace_days.

-- A service name is one per tenant: two tenants' "frontend" are two services, with their own
-- operations, span sources, volatile keys and remote services (all keyed by service_id).
ALTER TABLE services ADD COLUMN tenant text NOT NULL DEFAULT '';
ALTER TABLE services DROP CONSTRAINT services_name_key;
ALTER TABLE services ADD CONSTRAINT services_tenant_name_key UNIQUE (tenant, name);

-- Shared attribute sets serve tag autocomplete: a set is one tenant's (its digest covers the
-- tenant, so two tenants with the same attributes have a set each), and only_failed is then
-- decided by that tenant's spans alone.
ALTER TABLE attribute_sets ADD COLUMN tenant text NOT NULL DEFAULT '';

-- Calls between one tenant's services.
ALTER TABLE dependency_links ADD COLUMN tenant text NOT NULL DEFAULT '';
ALTER TABLE dependency_links DROP CONSTRAINT dependency_links_pkey;
ALTER TABLE dependency_links ADD PRIMARY KEY (hour, tenant, parent, child);

-- Root spans are counted per tenant; adaptive sampling, whose strategies are mesh-wide, sums
-- the tenants of a service name.
ALTER TABLE root_span_throughput ADD COLUMN tenant text NOT NULL DEFAULT '';
ALTER TABLE root_span_throughput DROP CONSTRAINT root_span_throughput_pkey;
ALTER TABLE root_span_throughput
  ADD PRIMARY KEY (minute, tenant, service, operation, sampler_type, sampler_param);
