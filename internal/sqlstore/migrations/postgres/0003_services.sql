-- Services bound to tenants, their settings, offering items with quotas and
-- prices, and pricing modes.

CREATE TABLE app_bindings (
	tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	application_id TEXT NOT NULL,
	created_at     BIGINT NOT NULL,
	PRIMARY KEY (tenant_id, application_id)
);

CREATE TABLE settings (
	tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	application_id TEXT NOT NULL,
	name           TEXT NOT NULL,
	value          TEXT NOT NULL,
	locked         BOOLEAN NOT NULL,
	is_exclusive   BOOLEAN NOT NULL,
	updated_at     BIGINT NOT NULL,
	PRIMARY KEY (tenant_id, application_id, name)
);

CREATE TABLE offering_items (
	tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	application_id TEXT NOT NULL,
	name           TEXT NOT NULL,
	status         INTEGER NOT NULL,
	quota_value    BIGINT,
	quota_overage  BIGINT,
	quota_version  BIGINT NOT NULL,
	updated_at     BIGINT NOT NULL,
	PRIMARY KEY (tenant_id, application_id, name)
);
CREATE INDEX offering_items_item ON offering_items (application_id, name);

CREATE TABLE item_prices (
	tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	application_id TEXT NOT NULL,
	name           TEXT NOT NULL,
	price          TEXT NOT NULL,
	version        BIGINT NOT NULL,
	PRIMARY KEY (tenant_id, application_id, name)
);

ALTER TABLE tenants ADD COLUMN pricing_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN currency TEXT;
CREATE INDEX tenants_trial_end ON tenants (production_start_date) WHERE pricing_mode = 'trial';

-- Every switch to production, once per tenant: the primary key proves that
-- no tenant is switched twice.
CREATE TABLE pricing_switches (
	tenant_id   TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
	switched_at BIGINT NOT NULL,
	switched_by TEXT NOT NULL
);
