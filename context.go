package tenantd

import "context"

// PrincipalType says what kind of identity a principal is.
type PrincipalType string

// Principal types.
const (
	PrincipalClient PrincipalType = "client"
	PrincipalUser   PrincipalType = "user"
)

// Principal is the authenticated identity of a request: an API client or a
// user, acting within the subtree of its home tenant.
type Principal struct {
	Type     PrincipalType
	ID       string // client id or user id
	TenantID string // home tenant: the root of everything the principal may touch
	// TenantPath is the materialized path of the home tenant at the time the
	// request was authenticated (see Tenant.Path).
	TenantPath string
	// TokenID is the id (jti) of the bearer token, empty for HTTP Basic.
	TokenID string
	// Roles are the roles of a user principal on its home tenant; API
	// clients and the system hold none and act as administrators.
	Roles []string
}

type contextKey int

const (
	principalKey contextKey = iota + 1
	requestIDKey
)

// NewContextWithPrincipal returns a copy of ctx that carries p.
func NewContextWithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// PrincipalFromContext returns the principal of the request, or nil.
func PrincipalFromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey).(*Principal)
	return p
}

// NewContextWithRequestID returns a copy of ctx that carries a request id.
func NewContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestIDFromContext returns the request id of ctx, or "".
func RequestIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// PrincipalSystem is tenantd itself: operator commands and background jobs
// act as the system, homed in the root tenant.
const PrincipalSystem PrincipalType = "system"
