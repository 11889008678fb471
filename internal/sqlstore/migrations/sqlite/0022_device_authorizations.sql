-- Device authorization (RFC 8628): a device's pending request for a token.
-- Only hashes of the device code and of the user code are kept. status is
-- pending, approved, denied or used; user_id and tenant_id are set by the
-- approval.

CREATE TABLE device_authorizations (
	device_code_hash TEXT PRIMARY KEY,
	user_code_hash   TEXT NOT NULL UNIQUE,
	client_id        TEXT NOT NULL,
	display_name     TEXT NOT NULL,
	scopes           TEXT NOT NULL,
	status           TEXT NOT NULL,
	interval_secs    INTEGER NOT NULL,
	user_id          TEXT REFERENCES users (id) ON DELETE CASCADE,
	tenant_id        TEXT REFERENCES tenants (id) ON DELETE CASCADE,
	created_at       INTEGER NOT NULL,
	expires_at       INTEGER NOT NULL,
	last_polled_at   INTEGER,
	decided_at       INTEGER
);
CREATE INDEX device_authorizations_expires ON device_authorizations (expires_at);
