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
