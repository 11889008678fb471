-- The audit trail: one row per change, written in the transaction of the
-- change. Rows are never updated and outlive the objects they describe (no
-- foreign keys): the purge job leaves them alone.
--
-- sequence orders the rows of one occurred_at; a reader pages by
-- (occurred_at, sequence) and reads only rows older than the oldest open
-- write transaction, so that no row can appear behind its cursor.
-- tenant_path is the path of the tenant the object belonged to at the time,
-- moved_from its path before a move: the event belongs to the subtrees of
-- the tenants on either.

CREATE TABLE events (
	sequence     INTEGER PRIMARY KEY AUTOINCREMENT,
	id           TEXT NOT NULL,
	occurred_at  INTEGER NOT NULL,
	actor_type   TEXT NOT NULL,
	actor_id     TEXT NOT NULL,
	tenant_id    TEXT NOT NULL,
	tenant_path  TEXT NOT NULL,
	moved_from   TEXT,
	object_type  TEXT NOT NULL,
	object_id    TEXT NOT NULL,
	action       TEXT NOT NULL,
	before_state TEXT,
	after_state  TEXT
);
CREATE UNIQUE INDEX events_id ON events (id);
CREATE INDEX events_trail ON events (occurred_at, sequence);
CREATE INDEX events_object ON events (object_id, occurred_at, sequence);
