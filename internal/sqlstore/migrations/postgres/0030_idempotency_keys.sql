-- The responses of writes sent with an Idempotency-Key, per principal, so
-- that a retry through any instance gets the first response. A row with
-- status 0 is a request still running; expires_at is when its key may be
-- used again (a running request's lock, then the kept response's end).

CREATE TABLE idempotency_keys (
	principal   TEXT NOT NULL,
	idem_key    TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	status      INTEGER NOT NULL DEFAULT 0,
	header      TEXT NOT NULL DEFAULT '{}',
	body        BYTEA,
	created_at  BIGINT NOT NULL,
	expires_at  BIGINT NOT NULL,
	PRIMARY KEY (principal, idem_key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);
