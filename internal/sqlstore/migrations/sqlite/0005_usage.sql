-- Usage of offering items per tenant and month, the quota level last
-- notified per tenant and item, and the quota alerts of users.

CREATE TABLE usages (
	tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	application_id TEXT NOT NULL,
	name           TEXT NOT NULL,
	range_start    INTEGER NOT NULL,
	value          INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, application_id, name, range_start)
);
CREATE INDEX usages_item ON usages (range_start, application_id, name);

CREATE TABLE quota_levels (
	tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	application_id TEXT NOT NULL,
	name           TEXT NOT NULL,
	level          TEXT NOT NULL,
	updated_at     INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, application_id, name)
);

CREATE TABLE alerts (
	id             TEXT PRIMARY KEY,
	tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	type           TEXT NOT NULL,
	application_id TEXT NOT NULL,
	offering_item  TEXT NOT NULL,
	usage_name     TEXT NOT NULL,
	value          INTEGER NOT NULL,
	quota          INTEGER NOT NULL,
	threshold      INTEGER NOT NULL,
	prompt_kind    TEXT NOT NULL,
	prompt_url     TEXT NOT NULL,
	created_at     INTEGER NOT NULL
);
CREATE INDEX alerts_created ON alerts (created_at, id);
CREATE INDEX alerts_tenant ON alerts (tenant_id, created_at, id);
CREATE INDEX alerts_user ON alerts (user_id, created_at, id);
