-- Services bound to tenants, their settings, offering items with quotas and
-- prices, and pricing modes.

CREATE TABLE app_bindings (
	tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	application_id TEXT NOT NULL,
	created_at     INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, application_id)
);

CREATE TABLE settings (
	tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	application_id TEXT NOT NULL,
	name           TEXT NOT NULL,
	value          TEXT NOT NULL,
	locked         INTEGER NOT NULL,
	is_exclusive   INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, application_id, name)
);

CREATE TABLE offering_items (
	tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	application_id TEXT NOT NULL,
	name           TEXT NOT NULL,
	status         INTEGER NOT NULL,
	quota_value    INTEGER,
	quota_overage  INTEGER,
	quota_version  INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, application_id, name)
);
CREATE INDEX offering_items_item ON offering_items (application_id, name);

CREATE TABLE item_prices (
	tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	application_id TEXT NOT NULL,
	name           TEXT NOT NULL,
	price          TEXT NOT NULL,
	version        INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, application_id, name)
);

ALTER TABLE tenants ADD COLUMN pricing_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN currency TEXT;
CREATE INDEX tenants_trial_end ON tenants (production_start_date) WHERE pricing_mode = 'trial';

-- Every switch to production, once per tenant: the primary key proves that
-- no tenant is switched twice.
CREATE TABLE pricing_switches (
	tenant_id   TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
	switched_at INTEGER NOT NULL,
	switched_by TEXT NOT NULL
);
