-- Brands of partners and the root: names, colours, links, the e-mail server
-- of their customers' users and a logo. A tenant's brand_enabled says
-- whether its brand is in force; the row outlives a disabling, so that
-- enabling the brand again brings its settings back.

CREATE TABLE brands (
	tenant_id  TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
	id         TEXT NOT NULL,
	fields     TEXT NOT NULL,
	flags      TEXT NOT NULL,
	logo       BYTEA,
	logo_type  TEXT,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX brands_id ON brands (id);
