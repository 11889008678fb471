package tenantd

import (
	"context"
	"time"
)

// TokenLifetime is how long an access token is valid.
const TokenLifetime = 2 * time.Hour

// TokenClaims are the facts a signed access token carries.
type TokenClaims struct {
	ID        string        // jti
	Subject   string        // client id or user id
	Type      PrincipalType // what Subject is
	TenantID  string        // home tenant
	ClientID  string        // the client that requested the token
	IssuedAt  time.Time
	ExpiresAt time.Time
	Scope     []string
}

// SigningKey is a key that signs tokens. Every instance on a shared store
// uses the same keys, so each accepts the tokens of the others.
type SigningKey struct {
	ID         string // kid
	Algorithm  string // "RS256" or "EdDSA"
	PrivateKey []byte // PKCS #8, DER
	CreatedAt  time.Time
}

// AuthService authenticates principals against the store. Its methods do not
// need a principal in ctx.
type AuthService interface {
	// AuthenticateClient checks an API client's id and secret and returns
	// its principal. Returns EUNAUTHORIZED if the client is unknown,
	// deleted or disabled, the secret is wrong, or the client's tenant or an
	// ancestor of it is disabled or deleted. ip is recorded as the client's
	// last access.
	AuthenticateClient(ctx context.Context, id, secret, ip string) (*Principal, error)

	// AuthenticateToken checks that the principal of a verified token may
	// still act: the token is not revoked, its subject is active, and no
	// tenant from the root to its home is disabled or deleted. Returns
	// EUNAUTHORIZED otherwise.
	AuthenticateToken(ctx context.Context, c *TokenClaims) (*Principal, error)

	// RevokeToken records that the token with id jti, valid until expiresAt,
	// may no longer be used.
	RevokeToken(ctx context.Context, jti string, expiresAt time.Time) error

	// SigningKeys returns the signing keys of algorithm alg, newest first,
	// creating one with generate if there is none yet. Concurrent callers on
	// one store get the same key.
	SigningKeys(ctx context.Context, alg string, generate func() (*SigningKey, error)) ([]*SigningKey, error)
}

// One-time token purposes.
const (
	OTTLogin      = "user_login"
	OTTVerify     = "verify"
	OTTActivation = "activation"
)

// Lifetimes of one-time tokens and sessions.
const (
	LoginTokenLifetime      = 5 * time.Minute
	ActivationTokenLifetime = 7 * 24 * time.Hour
	SessionLifetime         = 8 * time.Hour
)

// SignInService signs users in: with a password, a one-time token, or a
// session cookie. Its methods need no principal in ctx unless they say so.
type SignInService interface {
	// AuthenticateUser checks a user's login and password and returns its
	// principal. Returns EUNAUTHORIZED if the login is unknown, the password
	// wrong or unset, the user disabled or deleted, or its tenant or an
	// ancestor disabled or deleted.
	AuthenticateUser(ctx context.Context, login, password string) (*Principal, error)

	// CreateLoginToken returns a one-time token that signs the user in,
	// valid for LoginTokenLifetime. The principal in ctx must be allowed to
	// change the user. Returns ENOTFOUND, EFORBIDDEN.
	CreateLoginToken(ctx context.Context, userID string) (string, error)

	// CreateVerifyToken returns a one-time token that vouches for the user
	// to whoever the holder shows it to, valid for LoginTokenLifetime. It
	// signs no one in. The principal in ctx must be allowed to change the
	// user. Returns ENOTFOUND, EFORBIDDEN.
	CreateVerifyToken(ctx context.Context, userID string) (string, error)

	// ConsumeVerifyToken consumes a one-time verify token and returns the
	// principal of its user and the time the token would have expired. The
	// principal in ctx must be able to see the user; a token it cannot see
	// is left unused. Returns EUNAUTHORIZED for an unknown, used, expired or
	// invisible token or a locked-out user.
	ConsumeVerifyToken(ctx context.Context, token string) (*Principal, time.Time, error)

	// LoginWithToken consumes a one-time login token and opens a session.
	// It returns the user and the session's secret. Returns EUNAUTHORIZED
	// for an unknown, used or expired token or a locked-out user.
	LoginWithToken(ctx context.Context, token string) (*User, string, error)

	// AuthenticateSession returns the principal of a session. Returns
	// EUNAUTHORIZED for an unknown or expired session or a locked-out user.
	AuthenticateSession(ctx context.Context, session string) (*Principal, error)

	// EndSession ends a session; an unknown one is no error.
	EndSession(ctx context.Context, session string) error

	// QueueActivationEmail creates an activation token for a user and, in
	// the same transaction, queues the e-mail that compose writes with it.
	// The principal in ctx must be allowed to change the user. Returns
	// ENOTFOUND, EFORBIDDEN, EINVALID if the user has no e-mail address.
	QueueActivationEmail(ctx context.Context, userID string, compose func(u *User, token string) *Email) error

	// Activate consumes an activation token: it sets the user's password and
	// marks the user activated. Returns EUNAUTHORIZED for an unknown, used or
	// expired token, EINVALID for an unacceptable password.
	Activate(ctx context.Context, token, password string) (*User, error)
}
