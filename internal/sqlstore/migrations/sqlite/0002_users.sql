-- Users, their roles, sign-in tokens and sessions, and the e-mail outbox.

CREATE TABLE users (
	id                 TEXT PRIMARY KEY,
	tenant_id          TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	login              TEXT NOT NULL,
	login_key          TEXT NOT NULL,
	version            INTEGER NOT NULL,
	enabled            INTEGER NOT NULL,
	activated          INTEGER NOT NULL,
	contact            TEXT NOT NULL,
	search_key         TEXT NOT NULL,
	language           TEXT NOT NULL,
	business_types     TEXT NOT NULL,
	notifications      TEXT NOT NULL,
	idp_id             TEXT NOT NULL,
	external_id        TEXT,
	origin_id          TEXT,
	origin_external_id TEXT,
	disable_after      INTEGER,
	mfa_status         TEXT NOT NULL,
	terms_accepted     INTEGER NOT NULL,
	password_hash      TEXT NOT NULL,
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER NOT NULL,
	deleted_at         INTEGER,
	deleted_with       TEXT
);
CREATE UNIQUE INDEX users_login ON users (login_key) WHERE deleted_at IS NULL;
CREATE INDEX users_tenant ON users (tenant_id);
CREATE INDEX users_updated ON users (updated_at, id);
CREATE INDEX users_deleted_with ON users (deleted_with) WHERE deleted_with IS NOT NULL;

CREATE TABLE access_policies (
	id         TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	tenant_id  TEXT NOT NULL,
	role_id    TEXT NOT NULL,
	issuer_id  TEXT NOT NULL,
	version    INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX access_policies_user ON access_policies (user_id);

CREATE TABLE one_time_tokens (
	token_hash TEXT PRIMARY KEY,
	purpose    TEXT NOT NULL,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	expires_at INTEGER NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX one_time_tokens_expiry ON one_time_tokens (expires_at);

CREATE TABLE sessions (
	id_hash    TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	expires_at INTEGER NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE outbox (
	id              TEXT PRIMARY KEY,
	recipient       TEXT NOT NULL,
	subject         TEXT NOT NULL,
	body            TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	claimed_until   INTEGER,
	sent_at         INTEGER,
	last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;
