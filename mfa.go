package tenantd

import "context"

// MFA statuses of tenants and users.
const (
	MFADisabled          = "disabled"
	MFAEnabled           = "enabled"
	MFASetupRequired     = "setup_required"    // users: MFA applies, no TOTP enrolled yet
	MFAForciblyDisabled  = "forcibly_disabled" // users: an administrator turned MFA off for the user
	MFADisableInProgress = "disable_in_progress"
)

// TenantMFA is the multi-factor authentication state of a tenant.
type TenantMFA struct {
	Status               string // disabled or enabled: the status in force for the tenant's users
	UsersCount           int    // live users MFA applies to through this tenant
	UsersWithTOTPEnabled int    // those of them with an enrolled TOTP
	UpdateAllowed        bool   // the principal may change it here (not on folders and units)
}

// MFAChallenge is what a password sign-in still lacks: Error is
// totp_setup_required (Secret and URI are the TOTP key to enrol),
// totp_required or invalid_totp.
type MFAChallenge struct {
	Error  string
	Secret string
	URI    string
}

// MFAService manages multi-factor authentication (TOTP, RFC 6238). A
// tenant's status applies to its users and to those of its folders (for a
// partner or the root) or units (for a customer): folders and units have
// none of their own.
type MFAService interface {
	// TenantMFA returns a tenant's MFA state. Returns ENOTFOUND.
	TenantMFA(ctx context.Context, tenantID string) (*TenantMFA, error)

	// SetTenantMFA enables or disables MFA on a tenant. Disabling removes
	// the TOTP enrolments of the users it applied to. Returns ENOTFOUND,
	// EFORBIDDEN, EINVALID on folders and units.
	SetTenantMFA(ctx context.Context, tenantID string, enabled bool) (*TenantMFA, error)

	// SetUserMFA turns MFA on for a user (whatever the tenant says) or off
	// (forcibly_disabled, removing its TOTP). Returns ENOTFOUND, EFORBIDDEN.
	SetUserMFA(ctx context.Context, userID string, enabled bool) error

	// VerifySecondFactor checks the TOTP code of a user who signed in with
	// a password. It returns nil when the user needs no second factor or
	// code is right (enrolling the pending key of a user in setup); else the
	// challenge to answer. Needs no principal.
	VerifySecondFactor(ctx context.Context, userID, code string) (*MFAChallenge, error)
}
