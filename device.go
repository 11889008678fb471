package tenantd

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The device authorization grant (RFC 8628): a device without a browser
// asks for a pair of codes, shows the user code to its user, and polls the
// token endpoint with the device code until a signed-in user approves or
// denies the user code, or the codes expire.
const (
	// DeviceCodeLifetime is how long a pair of codes may be approved and
	// exchanged.
	DeviceCodeLifetime = 10 * time.Minute
	// DevicePollInterval is how long a device waits between two polls at
	// first.
	DevicePollInterval = 5 * time.Second
	// DeviceSlowDownStep is what a poll that comes too early adds to the
	// device's interval (RFC 8628, section 3.5).
	DeviceSlowDownStep = 5 * time.Second
	// UserCodeAlphabet is what user codes are made of: 20 consonants, with
	// no vowels to spell words with and none of the letters people confuse
	// (RFC 8628, section 6.1).
	UserCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"
	// UserCodeLength is the number of letters of a user code, shown as
	// XXXX-XXXX: about 34.6 bits.
	UserCodeLength = 8

	maxDeviceDisplayName = 255
	maxDeviceScopes      = 16
)

// DeviceAuthorization is a device's request for a token, as created.
// DeviceCode and UserCode are set only in the answer of its creation: the
// store keeps hashes of them.
type DeviceAuthorization struct {
	ClientID    string
	DisplayName string
	Scopes      []string
	DeviceCode  string
	UserCode    string // XXXX-XXXX
	Interval    time.Duration
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// DeviceAuthorizationCreate is what a device sends to start the flow.
type DeviceAuthorizationCreate struct {
	ClientID    string
	DisplayName string
	Scopes      []string
}

// ValidateDeviceScopes checks the scopes a device asks for: one to 16 of
// the published form urn:acronis.com:tenant-id:<tenant id, optional>:<role>
// with the role backup_agent_admin or cyber_frame_registrator, naming at most
// one tenant. It returns that tenant, "" when no scope names one.
func ValidateDeviceScopes(scopes []string) (tenantID string, err error) {
	if len(scopes) == 0 {
		return "", Errorf(EINVALID, "scope is required")
	}
	if len(scopes) > maxDeviceScopes {
		return "", Errorf(EINVALID, "scope may name at most %d scopes", maxDeviceScopes)
	}
	for _, s := range scopes {
		id, _, ok := ParseAgentScope(s)
		if !ok {
			return "", Errorf(EINVALID, "scope %q is not of the form urn:acronis.com:tenant-id:<tenant id>:backup_agent_admin (or :cyber_frame_registrator)", s)
		}
		if id == "" {
			continue
		}
		if tenantID != "" && id != tenantID {
			return "", Errorf(EINVALID, "the scopes name two tenants, %s and %s: a device acts on one", tenantID, id)
		}
		tenantID = id
	}
	return tenantID, nil
}

// Validate checks the fields that need no store to check.
func (c *DeviceAuthorizationCreate) Validate() error {
	if c.ClientID == "" {
		return Errorf(EINVALID, "client_id is required")
	}
	if !ValidID(c.ClientID) {
		return Errorf(EINVALID, "client_id must be a lowercase UUID")
	}
	if !utf8.ValidString(c.DisplayName) || utf8.RuneCountInString(c.DisplayName) > maxDeviceDisplayName {
		return Errorf(EINVALID, "display_name must be valid UTF-8 of at most %d characters", maxDeviceDisplayName)
	}
	if strings.IndexFunc(c.DisplayName, unicode.IsControl) >= 0 {
		return Errorf(EINVALID, "display_name must not hold control characters")
	}
	_, err := ValidateDeviceScopes(c.Scopes)
	return err
}

// NormalizeUserCode returns the letters of a user code as typed by a
// person: case, dashes and spaces do not matter. ok is false unless that
// leaves UserCodeLength letters of UserCodeAlphabet.
func NormalizeUserCode(s string) (code string, ok bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '-' || unicode.IsSpace(r):
			continue
		case b.Len() >= UserCodeLength:
			return "", false
		}
		r = unicode.ToUpper(r)
		if r > unicode.MaxASCII || !strings.ContainsRune(UserCodeAlphabet, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != UserCodeLength {
		return "", false
	}
	return b.String(), true
}

// DeviceApproval is what a user approves: the device's client, the scopes
// it asked for and the tenant they apply to.
type DeviceApproval struct {
	ClientID    string
	DisplayName string
	Scopes      []string
	TenantID    string
	TenantName  string
	// IsCurrentTenant tells whether the tenant is the user's own.
	IsCurrentTenant bool
}

// DeviceOutcome is what a device's poll of the token endpoint comes to.
type DeviceOutcome string

// Outcomes of a poll.
const (
	DevicePending  DeviceOutcome = "authorization_pending" // nobody has decided yet
	DeviceSlowDown DeviceOutcome = "slow_down"             // pending, and the poll came too early
	DeviceExpired  DeviceOutcome = "expired_token"         // the codes expired undecided or unused
	DeviceDenied   DeviceOutcome = "access_denied"         // the user denied it
	DeviceInvalid  DeviceOutcome = "invalid_grant"         // unknown or used code, or another client's
	DeviceApproved DeviceOutcome = "approved"              // approved: the code is now used
)

// DevicePoll is the answer to a poll.
type DevicePoll struct {
	Outcome DeviceOutcome
	// Interval is the device's polling interval now, longer after a
	// DeviceSlowDown.
	Interval time.Duration
	// Principal is the approving user, with DeviceApproved.
	Principal *Principal
}

// DeviceAuthorizationService runs the device authorization grant. Only
// DeviceApproval and DecideDeviceAuthorization need a principal in ctx: a
// user.
type DeviceAuthorizationService interface {
	// CreateDeviceAuthorization starts the flow for a device and returns
	// its codes, valid for DeviceCodeLifetime. Returns EINVALID.
	CreateDeviceAuthorization(ctx context.Context, c *DeviceAuthorizationCreate) (*DeviceAuthorization, error)

	// DeviceApproval shows the signed-in user what approving userCode
	// would grant, on tenantID (optional: else the tenant the scopes name,
	// else the user's own). Returns EINVALID for a malformed code, or a
	// tenantID that differs from the scopes' tenant; ENOTFOUND for an
	// unknown or expired code; ECONFLICT for a code already approved or
	// denied; EFORBIDDEN if the principal is not a user, or the tenant is
	// not in its subtree or is locked out.
	DeviceApproval(ctx context.Context, userCode, tenantID string) (*DeviceApproval, error)

	// DecideDeviceAuthorization approves (or, with deny, denies) userCode
	// as the signed-in user, on tenantID as DeviceApproval chooses it. It
	// returns the errors of DeviceApproval, and EUNAUTHORIZED if the user
	// may no longer sign in.
	DecideDeviceAuthorization(ctx context.Context, userCode, tenantID string, deny bool) error

	// PollDeviceAuthorization answers the poll of client clientID with
	// deviceCode. Every outcome but DeviceApproved leaves the code as it
	// was, but for the time of the poll; DeviceApproved uses the code up.
	// Returns EUNAUTHORIZED if the approving user may no longer sign in
	// (the code stays approved until it expires).
	PollDeviceAuthorization(ctx context.Context, clientID, deviceCode string) (*DevicePoll, error)
}
