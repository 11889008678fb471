-- Usage reports: their definitions and schedules, and the files each run
-- stores.

CREATE TABLE reports (
	id              TEXT PRIMARY KEY,
	tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	version         INTEGER NOT NULL,
	result_action   TEXT NOT NULL,
	recipients      TEXT NOT NULL,
	level           TEXT NOT NULL,
	kind            TEXT NOT NULL,
	formats         TEXT NOT NULL,
	period_start    TEXT NOT NULL,
	period_end      TEXT NOT NULL,
	hide_zero_usage INTEGER NOT NULL,
	show_skus       INTEGER NOT NULL,
	schedule_type   TEXT NOT NULL,
	enabled         INTEGER NOT NULL,
	generation_date TEXT NOT NULL,
	-- next_run_at is when the next run is due; NULL when none is (a once
	-- report that ran, a disabled monthly one). A run is claimed by setting
	-- claim_id and claimed_until; another instance may take it over once the
	-- claim has expired.
	next_run_at     INTEGER,
	claim_id        TEXT,
	claimed_until   INTEGER,
	created_by      TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
CREATE INDEX reports_tenant ON reports (tenant_id, created_at, id);
CREATE INDEX reports_due ON reports (next_run_at) WHERE next_run_at IS NOT NULL;

-- One file per run and format. The unique key makes a run that is claimed
-- again after a crash reuse the rows of the first attempt.
CREATE TABLE stored_reports (
	id           TEXT PRIMARY KEY,
	report_id    TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
	run_at       INTEGER NOT NULL,
	position     INTEGER NOT NULL,
	format       TEXT NOT NULL,
	status       TEXT NOT NULL,
	period_start TEXT NOT NULL,
	period_end   TEXT NOT NULL,
	size         INTEGER NOT NULL,
	content      BLOB,
	error        TEXT,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	UNIQUE (report_id, run_at, format)
);
