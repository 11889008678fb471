package sqlstore

import (
	"context"
	"fmt"

	"github.com/tenantd/tenantd"
)

var _ tenantd.DefaultIDPService = (*DB)(nil)

// SetDefaultIDP sets the default identity provider of a tenant and, on
// request, of its subtree; see tenantd.DefaultIDPService.
func (db *DB) SetDefaultIDP(ctx context.Context, tenantID string, version int64, idpID string, applyToChildren bool) (*tenantd.Tenant, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.Tenant, error) {
		t, err := writableTenant(ctx, tx, p, tenantID)
		if err != nil {
			return nil, err
		}
		if err := checkUpdateLock(p, t); err != nil {
			return nil, err
		}
		if version != t.Version {
			return nil, versionConflict("tenant", t.ID, t.Version)
		}
		before := tenantState(t)
		if _, err := tx.exec(ctx, "UPDATE tenants SET default_idp_id = ?, version = version + 1, updated_at = ? WHERE id = ?",
			idpID, micros(tx.now), t.ID); err != nil {
			return nil, fmt.Errorf("set default idp: %w", err)
		}
		if applyToChildren {
			if _, err := tx.exec(ctx, `UPDATE tenants SET default_idp_id = ?, version = version + 1, updated_at = ?
				WHERE path > ? AND path < ? AND deleted_at IS NULL AND (SELECT CASE WHEN tenants.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= tenants.path ORDER BY h.path DESC LIMIT 1) IS NULL AND default_idp_id <> ?`,
				idpID, micros(tx.now), t.Path, subtreeUpper(t.Path), idpID); err != nil {
				return nil, fmt.Errorf("set default idp of the subtree: %w", err)
			}
		}
		if err := auditTenant(ctx, tx, t.ID, tenantd.ActionUpdate, before); err != nil {
			return nil, err
		}
		return findTenant(ctx, tx, t.ID, false)
	})
}
