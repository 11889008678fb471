-- Agent registration tokens: only a hash of the secret is kept, and its
-- first group to tell the tokens apart in listings.

CREATE TABLE registration_tokens (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	token_hash TEXT NOT NULL UNIQUE,
	hint       TEXT NOT NULL,
	scopes     TEXT NOT NULL,
	one_time   INTEGER NOT NULL,
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX registration_tokens_tenant ON registration_tokens (tenant_id, id);
