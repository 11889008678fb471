-- The tenant tree, API clients and token state.

CREATE TABLE tenants (
	id                        TEXT PRIMARY KEY,
	parent_id                 TEXT NOT NULL,
	path                      TEXT COLLATE "C" NOT NULL,
	depth                     INTEGER NOT NULL,
	kind                      TEXT NOT NULL,
	name                      TEXT NOT NULL,
	name_key                  TEXT NOT NULL,
	enabled                   BOOLEAN NOT NULL,
	version                   BIGINT NOT NULL,
	customer_type             TEXT NOT NULL,
	customer_id               TEXT,
	internal_tag              TEXT,
	language                  TEXT NOT NULL,
	owner_id                  TEXT,
	default_idp_id            TEXT NOT NULL,
	update_lock_enabled       BOOLEAN NOT NULL,
	update_lock_owner         TEXT,
	ancestral_access          BOOLEAN NOT NULL,
	mfa_status                TEXT NOT NULL,
	pricing_mode              TEXT NOT NULL,
	production_start_date     BIGINT,
	brand_enabled             BOOLEAN NOT NULL,
	external_operation_status TEXT,
	enhanced_security         BOOLEAN NOT NULL,
	contact                   TEXT NOT NULL,
	search_key                TEXT NOT NULL,
	created_at                BIGINT NOT NULL,
	updated_at                BIGINT NOT NULL,
	deleted_at                BIGINT,
	deleted_with              TEXT
);
CREATE UNIQUE INDEX tenants_path ON tenants (path);
CREATE UNIQUE INDEX tenants_sibling_name ON tenants (parent_id, name_key) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX tenants_one_root ON tenants (kind) WHERE kind = 'root';
CREATE INDEX tenants_parent ON tenants (parent_id, depth, id);
CREATE INDEX tenants_updated ON tenants (updated_at, id);
CREATE INDEX tenants_deleted_with ON tenants (deleted_with) WHERE deleted_with IS NOT NULL;

CREATE TABLE clients (
	id                         TEXT PRIMARY KEY,
	tenant_id                  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	type                       TEXT NOT NULL,
	data                       TEXT NOT NULL,
	token_endpoint_auth_method TEXT NOT NULL,
	secret_hash                TEXT NOT NULL,
	status                     TEXT NOT NULL,
	redirect_uris              TEXT NOT NULL,
	origin_id                  TEXT,
	created_at                 BIGINT NOT NULL,
	created_by                 TEXT NOT NULL,
	last_access_at             BIGINT,
	last_access_from_ip        TEXT,
	updated_at                 BIGINT NOT NULL,
	deleted_at                 BIGINT,
	deleted_with               TEXT
);
CREATE INDEX clients_tenant ON clients (tenant_id);

CREATE TABLE signing_keys (
	id          TEXT PRIMARY KEY,
	algorithm   TEXT NOT NULL,
	private_key BYTEA NOT NULL,
	created_at  BIGINT NOT NULL
);

CREATE TABLE revoked_tokens (
	jti        TEXT PRIMARY KEY,
	expires_at BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_expiry ON revoked_tokens (expires_at);
