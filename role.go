package tenantd

import "time"

// Roles a user can hold on a tenant.
const (
	RoleRootAdmin     = "root_admin"
	RolePartnerAdmin  = "partner_admin"
	RoleCompanyAdmin  = "company_admin"
	RoleUnitAdmin     = "unit_admin"
	RoleReadonlyAdmin = "readonly_admin"
	RoleBackupUser    = "backup_user"
)

// roleKinds lists, for each role, the kinds of tenant it may be held on.
// Administrator roles go with one kind each; readonly_admin goes anywhere;
// service roles go where the workloads are, on customers and units.
var roleKinds = func() map[string][]TenantKind {
	m := map[string][]TenantKind{
		RoleRootAdmin:     {KindRoot},
		RolePartnerAdmin:  {KindPartner, KindFolder},
		RoleCompanyAdmin:  {KindCustomer},
		RoleUnitAdmin:     {KindUnit},
		RoleReadonlyAdmin: {KindRoot, KindPartner, KindFolder, KindCustomer, KindUnit},
	}
	for _, r := range serviceRoles {
		m[r] = []TenantKind{KindCustomer, KindUnit}
	}
	return m
}()

// serviceRoles are the roles of the services, valid on customers and units.
var serviceRoles = []string{
	"protection_admin", "protection_ro_admin", "restore_operator", RoleBackupUser, "sync_share_admin",
	"sync_share_user", "sync_share_guest", "pds_operator", "pds_support", "notary_admin", "notary_user",
	"hci_admin", "omnivoice_admin", "omnivoice_user", "greathorn_admin", "greathorn_user", "greathorn_analyst",
	"greathorn_client_manager",
}

// KnownRole reports whether role is a role of the API.
func KnownRole(role string) bool {
	_, ok := roleKinds[role]
	return ok
}

// RoleAllowedOn reports whether role may be held on a tenant of kind k.
func RoleAllowedOn(role string, k TenantKind) bool {
	for _, kk := range roleKinds[role] {
		if kk == k {
			return true
		}
	}
	return false
}

// IsAdminRole reports whether role administers its tenant's subtree.
func IsAdminRole(role string) bool {
	switch role {
	case RoleRootAdmin, RolePartnerAdmin, RoleCompanyAdmin, RoleUnitAdmin:
		return true
	}
	return false
}

// AccessPolicy grants a role on a tenant to a user.
type AccessPolicy struct {
	ID          string
	Version     int64
	TrusteeID   string // the user
	TrusteeType string // "user"
	IssuerID    string // the principal that granted it
	TenantID    string
	RoleID      string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CanRead reports whether the principal may read tenants, users and API
// clients of its subtree: API clients, administrators and read-only
// administrators may.
func (p *Principal) CanRead() bool {
	if p.Type == PrincipalClient || p.Type == PrincipalSystem {
		return true
	}
	for _, r := range p.Roles {
		if IsAdminRole(r) || r == RoleReadonlyAdmin {
			return true
		}
	}
	return false
}

// CanWrite reports whether the principal may change tenants, users, roles
// and API clients of its subtree: API clients and administrators may.
func (p *Principal) CanWrite() bool {
	if p.Type == PrincipalClient || p.Type == PrincipalSystem {
		return true
	}
	for _, r := range p.Roles {
		if IsAdminRole(r) {
			return true
		}
	}
	return false
}

// HasRole reports whether the principal holds role.
func (p *Principal) HasRole(role string) bool {
	for _, r := range p.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// RequireRead returns EFORBIDDEN unless the principal may read.
func (p *Principal) RequireRead() error {
	if !p.CanRead() {
		return Errorf(EFORBIDDEN, "the caller's roles do not allow reading this")
	}
	return nil
}

// RequireWrite returns EFORBIDDEN unless the principal may write.
func (p *Principal) RequireWrite() error {
	if !p.CanWrite() {
		return Errorf(EFORBIDDEN, "the caller's roles do not allow changing this")
	}
	return nil
}
