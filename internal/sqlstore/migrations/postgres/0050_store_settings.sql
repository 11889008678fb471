-- Settings of the store that every instance on it shares, such as the
-- issuer of tokens: set once, at the first start, and read by every later
-- instance.

CREATE TABLE store_settings (
	name       TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at BIGINT NOT NULL
);
