package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/auth"
)

var _ tenantd.AuthService = (*DB)(nil)

// lastAccessResolution is how stale a client's recorded last access may get
// before an authentication writes it again.
const lastAccessResolution = time.Minute

func unauthorized(format string, args ...any) error {
	return tenantd.Errorf(tenantd.EUNAUTHORIZED, format, args...)
}

// AuthenticateClient checks an API client's credentials; see
// tenantd.AuthService.
func (db *DB) AuthenticateClient(ctx context.Context, id, secret, ip string) (*tenantd.Principal, error) {
	if !tenantd.ValidID(id) {
		return nil, unauthorized("invalid client credentials")
	}
	type result struct {
		p       *tenantd.Principal
		refresh bool
	}
	r, err := read(ctx, db, func(tx *Tx) (result, error) {
		var (
			hash, status, tenantID, path string
			deletedAt, lastAccess        sql.NullInt64
			lastIP                       sql.NullString
		)
		err := tx.queryRow(ctx, `SELECT c.secret_hash, c.status, c.deleted_at, c.tenant_id, t.path, c.last_access_at, c.last_access_from_ip
			FROM clients c JOIN tenants t ON t.id = c.tenant_id WHERE c.id = ?`, id).
			Scan(&hash, &status, &deletedAt, &tenantID, &path, &lastAccess, &lastIP)
		if tenantd.ErrorKind(classify(err)) == tenantd.ENOTFOUND {
			return result{}, unauthorized("invalid client credentials")
		}
		if err != nil {
			return result{}, fmt.Errorf("find client: %w", classify(err))
		}
		if !auth.CheckSecret(hash, secret) || deletedAt.Valid || status != tenantd.ClientStatusEnabled {
			return result{}, unauthorized("invalid client credentials")
		}
		if err := checkTenantChain(ctx, tx, path); err != nil {
			return result{}, err
		}
		stale := !lastAccess.Valid || tx.now.Sub(fromMicros(lastAccess.Int64)) > lastAccessResolution || lastIP.String != ip
		p := &tenantd.Principal{Type: tenantd.PrincipalClient, ID: id, TenantID: tenantID, TenantPath: path}
		return result{p: p, refresh: stale}, nil
	})
	if err != nil {
		return nil, err
	}
	if r.refresh {
		_, err := write(ctx, db, func(tx *Tx) (struct{}, error) {
			_, err := tx.exec(ctx, "UPDATE clients SET last_access_at = ?, last_access_from_ip = ? WHERE id = ?", micros(tx.now), ip, id)
			return struct{}{}, err
		})
		if err != nil {
			return nil, fmt.Errorf("record client access: %w", err)
		}
	}
	return r.p, nil
}

// checkTenantChain refuses a principal homed at path when any tenant from the
// root down to its home is disabled or deleted.
func checkTenantChain(ctx context.Context, tx *Tx, path string) error {
	ids := tenantd.PathIDs(path)
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	var locked int
	err := tx.queryRow(ctx, "SELECT count(*) FROM tenants WHERE id IN ("+placeholders(len(ids))+
		") AND (enabled = FALSE OR deleted_at IS NOT NULL)", args...).Scan(&locked)
	if err != nil {
		return fmt.Errorf("check tenant chain: %w", classify(err))
	}
	if locked > 0 {
		return unauthorized("the tenant is suspended or deleted")
	}
	return nil
}

// AuthenticateToken checks that a verified token's principal may still act;
// see tenantd.AuthService.
//
// The principal of a user's or client's token is kept with the
// authentication epoch it was computed at and reused, at the cost of
// reading the epoch, while the epoch is unchanged: every change that could
// refuse or alter it (a tenant suspended, deleted or moved, a client or user
// disabled or deleted, a role changed, a token revoked) advances the epoch
// in its transaction.
func (db *DB) AuthenticateToken(ctx context.Context, c *tenantd.TokenClaims) (*tenantd.Principal, error) {
	switch c.Type {
	case tenantd.PrincipalAgent:
		return db.authenticateAgentToken(ctx, c)
	case tenantd.PrincipalUser, tenantd.PrincipalClient:
	default:
		return nil, unauthorized("unknown principal type")
	}
	var epoch int64
	if _, err := read(ctx, db, func(tx *Tx) (struct{}, error) {
		return struct{}{}, tx.queryRow(ctx, "SELECT n FROM auth_epoch WHERE id = 1").Scan(&epoch)
	}); err != nil {
		return nil, fmt.Errorf("read authentication epoch: %w", classify(err))
	}
	key := principalKey{jti: c.ID, subject: c.Subject, typ: c.Type, tenant: c.TenantID}
	if p := db.principals.get(key, epoch, db.Now()); p != nil {
		return p, nil
	}
	var (
		p     *tenantd.Principal
		until *time.Time
		err   error
	)
	if c.Type == tenantd.PrincipalUser {
		p, until, err = db.authenticateUserToken(ctx, c)
	} else {
		p, err = db.authenticateClientToken(ctx, c)
	}
	if err != nil {
		return nil, err
	}
	db.principals.put(key, epoch, until, p)
	return p, nil
}

func (db *DB) authenticateClientToken(ctx context.Context, c *tenantd.TokenClaims) (*tenantd.Principal, error) {
	return read(ctx, db, func(tx *Tx) (*tenantd.Principal, error) {
		var (
			status, clientTenant, clientPath string
			deletedAt                        sql.NullInt64
			revoked                          bool
		)
		err := tx.queryRow(ctx, `SELECT c.status, c.deleted_at, c.tenant_id, t.path,
			EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ?)
			FROM clients c JOIN tenants t ON t.id = c.tenant_id WHERE c.id = ?`, c.ID, c.Subject).
			Scan(&status, &deletedAt, &clientTenant, &clientPath, &revoked)
		if tenantd.ErrorKind(classify(err)) == tenantd.ENOTFOUND {
			return nil, unauthorized("the token's client no longer exists")
		}
		if err != nil {
			return nil, fmt.Errorf("find client: %w", classify(err))
		}
		if revoked {
			return nil, unauthorized("the token is revoked")
		}
		if deletedAt.Valid || status != tenantd.ClientStatusEnabled {
			return nil, unauthorized("the token's client is disabled or deleted")
		}
		home, path := clientTenant, clientPath
		if c.TenantID != clientTenant {
			// A token narrowed to a tenant of the client's subtree.
			var p string
			err := tx.queryRow(ctx, "SELECT path FROM tenants WHERE id = ?", c.TenantID).Scan(&p)
			if err != nil || !tenantd.InSubtree(p, clientPath) {
				return nil, unauthorized("the token's tenant is not in its client's subtree")
			}
			home, path = c.TenantID, p
		}
		if err := checkTenantChain(ctx, tx, path); err != nil {
			return nil, err
		}
		return &tenantd.Principal{Type: tenantd.PrincipalClient, ID: c.Subject, TenantID: home, TenantPath: path, TokenID: c.ID}, nil
	})
}

// RevokeToken records a revoked token; see tenantd.AuthService.
func (db *DB) RevokeToken(ctx context.Context, jti string, expiresAt time.Time) error {
	_, err := write(ctx, db, func(tx *Tx) (struct{}, error) {
		_, err := tx.exec(ctx, "INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING", jti, micros(expiresAt))
		return struct{}{}, err
	})
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// SigningKeys returns the signing keys of an algorithm, creating the first;
// see tenantd.AuthService.
func (db *DB) SigningKeys(ctx context.Context, alg string, generate func() (*tenantd.SigningKey, error)) ([]*tenantd.SigningKey, error) {
	return write(ctx, db, func(tx *Tx) ([]*tenantd.SigningKey, error) {
		if db.dialect.name == "postgres" {
			// "keys" in hex: instances starting together create one key.
			if _, err := tx.exec(ctx, "SELECT pg_advisory_xact_lock(1801812339)"); err != nil {
				return nil, fmt.Errorf("lock keys: %w", err)
			}
		}
		keys, err := signingKeys(ctx, tx, alg)
		if err != nil || len(keys) > 0 {
			return keys, err
		}
		k, err := generate()
		if err != nil {
			return nil, fmt.Errorf("generate signing key: %w", err)
		}
		if _, err := tx.exec(ctx, "INSERT INTO signing_keys (id, algorithm, private_key, created_at) VALUES (?, ?, ?, ?)",
			k.ID, k.Algorithm, k.PrivateKey, micros(k.CreatedAt)); err != nil {
			return nil, fmt.Errorf("insert signing key: %w", err)
		}
		return []*tenantd.SigningKey{k}, nil
	})
}

func signingKeys(ctx context.Context, tx *Tx, alg string) ([]*tenantd.SigningKey, error) {
	rows, err := tx.query(ctx, "SELECT id, algorithm, private_key, created_at FROM signing_keys WHERE algorithm = ? ORDER BY created_at DESC, id", alg)
	if err != nil {
		return nil, fmt.Errorf("query signing keys: %w", err)
	}
	defer rows.Close()
	var keys []*tenantd.SigningKey
	for rows.Next() {
		var k tenantd.SigningKey
		var created int64
		if err := rows.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, &created); err != nil {
			return nil, classify(err)
		}
		k.CreatedAt = fromMicros(created)
		keys = append(keys, &k)
	}
	return keys, classify(rows.Err())
}

// authenticateUserToken checks a user's token: not revoked, and the user
// may still act. A user's token carries no narrowing: its tenant must be
// the user's.
func (db *DB) authenticateUserToken(ctx context.Context, c *tenantd.TokenClaims) (*tenantd.Principal, *time.Time, error) {
	type result struct {
		p     *tenantd.Principal
		until *time.Time
	}
	r, err := read(ctx, db, func(tx *Tx) (result, error) {
		var revoked bool
		if err := tx.queryRow(ctx, "SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ?)", c.ID).Scan(&revoked); err != nil {
			return result{}, fmt.Errorf("check revocation: %w", classify(err))
		}
		if revoked {
			return result{}, unauthorized("the token is revoked")
		}
		p, until, err := activeUserUntil(ctx, tx, c.Subject, c.ID)
		if err != nil {
			return result{}, err
		}
		if p.TenantID != c.TenantID {
			return result{}, unauthorized("the token's tenant is not the user's")
		}
		return result{p, until}, nil
	})
	return r.p, r.until, err
}

// maxPrincipals bounds the principals a store keeps for tokens; when it is
// reached the cache starts afresh.
const maxPrincipals = 100_000

type principalKey struct {
	jti, subject string
	typ          tenantd.PrincipalType
	tenant       string
}

type cachedPrincipal struct {
	p     tenantd.Principal
	epoch int64
	until *time.Time // the user becomes disabled then
}

// principalCache holds the principals of authenticated tokens with the
// authentication epoch they were computed at.
type principalCache struct {
	mu sync.Mutex
	m  map[principalKey]cachedPrincipal
}

func (c *principalCache) get(k principalKey, epoch int64, now time.Time) *tenantd.Principal {
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if !ok || e.epoch != epoch || (e.until != nil && !now.Before(*e.until)) {
		return nil
	}
	p := e.p
	p.Roles = slices.Clone(p.Roles)
	return &p
}

func (c *principalCache) put(k principalKey, epoch int64, until *time.Time, p *tenantd.Principal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxPrincipals {
		c.m = make(map[principalKey]cachedPrincipal)
	}
	e := cachedPrincipal{p: *p, epoch: epoch, until: until}
	e.p.Roles = slices.Clone(p.Roles)
	c.m[k] = e
}

// authenticateAgentToken checks the token of an agent (from a registration
// token or the device flow): not revoked, its tenant chain active. An agent
// holds the scopes of its token as roles, none of which administers.
func (db *DB) authenticateAgentToken(ctx context.Context, c *tenantd.TokenClaims) (*tenantd.Principal, error) {
	return read(ctx, db, func(tx *Tx) (*tenantd.Principal, error) {
		var (
			path    string
			revoked bool
		)
		err := tx.queryRow(ctx, `SELECT t.path, EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ?)
			FROM tenants t WHERE t.id = ?`, c.ID, c.TenantID).Scan(&path, &revoked)
		if tenantd.ErrorKind(classify(err)) == tenantd.ENOTFOUND {
			return nil, unauthorized("the token's tenant no longer exists")
		}
		if err != nil {
			return nil, fmt.Errorf("find the agent's tenant: %w", classify(err))
		}
		if revoked {
			return nil, unauthorized("the token is revoked")
		}
		if err := checkTenantChain(ctx, tx, path); err != nil {
			return nil, err
		}
		return &tenantd.Principal{Type: tenantd.PrincipalAgent, ID: c.Subject, TenantID: c.TenantID, TenantPath: path,
			TokenID: c.ID, Roles: c.Scope}, nil
	})
}
