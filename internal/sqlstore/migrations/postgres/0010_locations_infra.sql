-- Locations and the infrastructure at them. A location or infrastructure
-- belongs to a tenant (the root's are platform-owned); readonly marks the
-- ones the catalog ships. An infrastructure cannot outlive its location.

CREATE TABLE locations (
	id              TEXT PRIMARY KEY,
	owner_tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	name            TEXT NOT NULL,
	version         BIGINT NOT NULL,
	readonly        BOOLEAN NOT NULL DEFAULT FALSE,
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL
);
CREATE INDEX locations_owner ON locations (owner_tenant_id);

CREATE TABLE infra (
	id                 TEXT PRIMARY KEY,
	owner_tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	location_id        TEXT NOT NULL REFERENCES locations (id),
	name               TEXT NOT NULL,
	url                TEXT NOT NULL,
	capabilities       TEXT NOT NULL,
	content_url        TEXT,
	content_mobile_url TEXT,
	backend_type       TEXT,
	version            BIGINT NOT NULL,
	readonly           BOOLEAN NOT NULL DEFAULT FALSE,
	created_at         BIGINT NOT NULL,
	updated_at         BIGINT NOT NULL
);
CREATE INDEX infra_owner ON infra (owner_tenant_id);
CREATE INDEX infra_location ON infra (location_id);
