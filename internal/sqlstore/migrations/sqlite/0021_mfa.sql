-- Multi-factor authentication of users: the user's own setting ('' follows
-- the tenant, 'on', 'off') and its TOTP key, pending until confirmed.

CREATE TABLE user_mfa (
	user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	mode       TEXT NOT NULL,
	secret     TEXT,
	confirmed  INTEGER NOT NULL,
	last_step  INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
