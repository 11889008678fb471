-- The daily usage history: per tenant, item, infrastructure and UTC day,
-- the last value reported that day. It is written in the transaction of
-- every usage write, beside the monthly usage in usages, and read by
-- usage_daily reports.
--
-- infra_id is the infrastructure an infra item was bound to when the value
-- was written, '' for items of other types (and for values carried over
-- below from infra items bound to the catalog's storage). day and
-- updated_at are microseconds since the epoch; day is 00:00 UTC.
--
-- The history of an item begins with its latest monthly value, carried
-- over on the day it was written, so that the current month's days read
-- what they read before the history was kept.

CREATE TABLE usage_days (
	tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	application_id TEXT NOT NULL,
	name           TEXT NOT NULL,
	infra_id       TEXT NOT NULL,
	day            BIGINT NOT NULL,
	value          BIGINT NOT NULL,
	updated_at     BIGINT NOT NULL,
	PRIMARY KEY (tenant_id, application_id, name, infra_id, day)
);
CREATE INDEX usage_days_day ON usage_days (day);

INSERT INTO usage_days (tenant_id, application_id, name, infra_id, day, value, updated_at)
SELECT u.tenant_id, u.application_id, u.name, COALESCE(oi.infra_id, ''), u.updated_at - (u.updated_at % 86400000000), u.value, u.updated_at
FROM usages u LEFT JOIN offering_items oi ON oi.tenant_id = u.tenant_id AND oi.application_id = u.application_id AND oi.name = u.name
WHERE u.range_start = (SELECT MAX(l.range_start) FROM usages l
	WHERE l.tenant_id = u.tenant_id AND l.application_id = u.application_id AND l.name = u.name);
