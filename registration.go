package tenantd

import (
	"context"
	"regexp"
	"time"
)

// MaxRegistrationTokenLifetime is the longest a registration token may be
// valid: one year, as the API documents.
const MaxRegistrationTokenLifetime = 365 * 24 * time.Hour

// RegistrationToken is a token with which an agent registers in a tenant:
// it exchanges the token for an access token that carries the token's
// scopes. The secret (Token) is shown once, on creation; the store keeps a
// hash of it and the first of its three groups (Hint).
type RegistrationToken struct {
	ID        int64
	TenantID  string
	Hint      string // the first group of the token, e.g. "K3QZ"
	Token     string // the whole token; set only on creation
	Scopes    []string
	OneTime   bool // the token is consumed by its first use
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// RegistrationTokenCreate is what a caller sends to create a token.
type RegistrationTokenCreate struct {
	TenantID  string
	ExpiresIn time.Duration
	Scopes    []string
	OneTime   bool
}

// registrationScope is the form of a registration token's scope: a role of
// agents on a tenant, the tenant's id optional (the token's tenant then).
var registrationScope = regexp.MustCompile(`^urn:acronis\.com:tenant-id:([0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12})?:(backup_agent_admin|cyber_frame_registrator)$`)

// ParseAgentScope splits a scope urn:acronis.com:tenant-id:<tenant>:<role>
// into its tenant (empty when the scope names none) and role. ok is false
// when scope is not of that form or names another role than
// backup_agent_admin or cyber_frame_registrator.
func ParseAgentScope(scope string) (tenantID, role string, ok bool) {
	m := registrationScope.FindStringSubmatch(scope)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// Validate checks the fields that need no store to check.
func (c *RegistrationTokenCreate) Validate() error {
	if c.ExpiresIn <= 0 {
		return Errorf(EINVALID, "expires_in must be a positive number of seconds")
	}
	if c.ExpiresIn > MaxRegistrationTokenLifetime {
		return Errorf(EINVALID, "expires_in must be at most %d seconds (one year)", int64(MaxRegistrationTokenLifetime/time.Second))
	}
	if len(c.Scopes) == 0 {
		return Errorf(EINVALID, "scopes must name at least one scope")
	}
	if len(c.Scopes) > 16 {
		return Errorf(EINVALID, "scopes may name at most 16 scopes")
	}
	seen := map[string]bool{}
	for _, s := range c.Scopes {
		if _, _, ok := ParseAgentScope(s); !ok {
			return Errorf(EINVALID, "scope %q is not of the form urn:acronis.com:tenant-id:<tenant id>:backup_agent_admin (or :cyber_frame_registrator)", s)
		}
		if seen[s] {
			return Errorf(EINVALID, "scope %q is given twice", s)
		}
		seen[s] = true
	}
	return nil
}

// PrincipalAgent is an agent that registered with a registration token or
// the device authorization flow: it acts with the roles of its scopes on
// one tenant, and is no administrator.
const PrincipalAgent PrincipalType = "agent"

// RegistrationTokenService manages registration tokens. Its methods act as
// the principal in ctx, within its subtree, and need CanWrite, except
// RedeemRegistrationToken, which needs no principal.
type RegistrationTokenService interface {
	// CreateRegistrationToken creates a token for c.TenantID. Every scope's
	// tenant must be the token's tenant or in its subtree. Returns
	// EINVALID, ENOTFOUND for an unknown tenant, EFORBIDDEN.
	CreateRegistrationToken(ctx context.Context, c *RegistrationTokenCreate) (*RegistrationToken, error)

	// RegistrationTokens returns the unexpired tokens of a tenant, oldest
	// first; with tenantID empty, those of every tenant of the principal's
	// subtree. Returns ENOTFOUND for a tenant the principal may not see,
	// EFORBIDDEN.
	RegistrationTokens(ctx context.Context, tenantID string) ([]*RegistrationToken, error)

	// DeleteRegistrationToken deletes a token. Returns ENOTFOUND if there is
	// none the principal may see, EFORBIDDEN.
	DeleteRegistrationToken(ctx context.Context, id int64) error

	// RedeemRegistrationToken checks a token and returns it; a one-time
	// token is consumed. Returns EUNAUTHORIZED for an unknown, expired or
	// used token, or a tenant that is locked out.
	RedeemRegistrationToken(ctx context.Context, token string) (*RegistrationToken, error)
}
