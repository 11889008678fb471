package tenantd

import "context"

// DefaultIDPService sets the identity provider new users of a tenant get.
type DefaultIDPService interface {
	// SetDefaultIDP sets a tenant's default_idp_id at version and, with
	// applyToChildren, that of every live tenant of its subtree. Each
	// changed tenant's version goes up by one. The principal in ctx needs
	// CanWrite within its subtree. Returns ENOTFOUND, EFORBIDDEN, ECONFLICT
	// (VersionConflict).
	SetDefaultIDP(ctx context.Context, tenantID string, version int64, idpID string, applyToChildren bool) (*Tenant, error)
}
