package tenantd

import (
	"context"
	"time"
)

// Structural operations on a tenant whose consequences a dry run reports.
const (
	OperationSuspend        = "suspend"
	OperationMove           = "move"
	OperationSuspendAndMove = "suspend_and_move"
	OperationDelete         = "delete"
)

// TenantImpact is what a suspension, a move or a deletion of a tenant would
// do, computed by the store in the transaction that would make the change
// and then rolled back.
type TenantImpact struct {
	Operation string
	TenantID  string
	// Tenants are the tenants the operation affects: for a suspension, the
	// live tenants of the subtree that it locks out and that were not
	// locked out already (none below another disabled tenant, none at all
	// when the tenant or an ancestor is already disabled); for a move or a
	// deletion, every live tenant of the subtree. The tenant itself counts.
	Tenants       int
	TenantsByKind map[TenantKind]int
	// Users and APIClients are the live users and API clients of those
	// tenants.
	Users      int
	APIClients int
	// ActiveTokens are the credentials in use that stop working: each
	// unexpired sign-in session of those users, and each of those API
	// clients that obtained an access token within TokenLifetime. Access
	// tokens users obtained with the password grant are not recorded, so
	// not counted; they stop working too.
	ActiveTokens int
	// Services are the applications bound to the affected tenants, with how
	// many of them have each.
	Services []ServiceImpact
	// Quotas are the offering items turned on with a quota in the affected
	// tenants, with how many of them have each.
	Quotas []QuotaImpact
	// Move is set for a move.
	Move *MoveImpact
	// Retention is set for a deletion.
	Retention *RetentionImpact
}

// ServiceImpact is an application bound to some of the affected tenants.
type ServiceImpact struct {
	ApplicationID string
	Tenants       int
}

// QuotaImpact is an offering item with a quota in some affected tenants.
type QuotaImpact struct {
	ApplicationID string
	Name          string
	Tenants       int
}

// MoveImpact is what a move changes beyond the subtree's place.
type MoveImpact struct {
	FromParentID string
	ToParentID   string
	// UnavailableServices are the applications bound to the moved tenant
	// that the new parent does not have; UnavailableOfferingItems the
	// offering items turned on for the moved tenant that are not turned on
	// for the new parent. The move keeps them, but the tenant could not
	// be given them under its new parent.
	UnavailableServices      []string
	UnavailableOfferingItems []OfferingItemRef
}

// OfferingItemRef names an offering item.
type OfferingItemRef struct {
	ApplicationID string
	Name          string
}

// RetentionImpact is how long a deletion can be undone.
type RetentionImpact struct {
	Period time.Duration
	// RestorableUntil is when the deleted tenants stop being restorable
	// and become due for purging.
	RestorableUntil time.Time
}

// DryRunService answers what a structural change to a tenant would do
// without doing it. Each method returns exactly the error the change
// itself would return, and otherwise its impact.
type DryRunService interface {
	// DryRunUpdateTenant is UpdateTenant's dry run; u must suspend the
	// tenant (Enabled false), move it (ParentID), or both. Returns EINVALID
	// for any other update.
	DryRunUpdateTenant(ctx context.Context, id string, u *TenantUpdate) (*TenantImpact, error)
	// DryRunDeleteTenant is DeleteTenant's dry run.
	DryRunDeleteTenant(ctx context.Context, id string, version int64) (*TenantImpact, error)
}
