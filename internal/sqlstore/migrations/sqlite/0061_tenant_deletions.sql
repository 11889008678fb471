-- Deleting a tenant marks only that tenant; its descendants are hidden by
-- the deletion of an ancestor. tenant_deletions holds the path range of
-- every deleted tenant that no deleted ancestor covers, so the ranges are
-- disjoint: a tenant is hidden when the range with the greatest path not
-- after its own contains it, one index seek per tenant whatever the size of
-- the subtree. deleted_at is the deletion time descendants show.
CREATE TABLE tenant_deletions (
	path       TEXT PRIMARY KEY,
	upper      TEXT NOT NULL,
	tenant_id  TEXT NOT NULL,
	deleted_at INTEGER NOT NULL
);

-- Tenants deleted before this table existed had their whole subtree marked:
-- the deleted tenants whose parent is not deleted are the ranges.
INSERT INTO tenant_deletions (path, upper, tenant_id, deleted_at)
SELECT t.path, substr(t.path, 1, length(t.path) - 1) || '0', t.id, t.deleted_at
FROM tenants t JOIN tenants p ON p.id = t.parent_id
WHERE t.deleted_at IS NOT NULL AND (p.deleted_at IS NULL OR p.id = t.id);

-- The tenants deleted on their own inside a range, found again when the
-- range is restored.
CREATE INDEX tenants_deleted_path ON tenants (path) WHERE deleted_at IS NOT NULL;
