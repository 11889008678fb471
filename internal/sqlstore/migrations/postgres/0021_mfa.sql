-- Multi-factor authentication of users: the user's own setting ('' follows
-- the tenant, 'on', 'off') and its TOTP key, pending until confirmed.

CREATE TABLE user_mfa (
	user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	mode       TEXT NOT NULL,
	secret     TEXT,
	confirmed  BOOLEAN NOT NULL,
	last_step  BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
