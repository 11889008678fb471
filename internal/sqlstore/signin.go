package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/auth"
)

var _ tenantd.SignInService = (*DB)(nil)

// passwordCache remembers recently verified passwords, so that HTTP Basic
// sign-in on every request does not pay for argon2id every time. An entry
// is keyed by the stored hash and the password, so changing the password
// invalidates it; the user's state is still checked on every request.
type passwordCache struct {
	mu      sync.Mutex
	entries map[[32]byte]time.Time
}

const (
	passwordCacheTTL  = 5 * time.Minute
	passwordCacheSize = 10000
)

func cacheKey(hash, password string) [32]byte {
	return sha256.Sum256([]byte(hash + "\x00" + password))
}

func (c *passwordCache) check(hash, password string, now time.Time) bool {
	key := cacheKey(hash, password)
	c.mu.Lock()
	exp, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(exp) {
		return true
	}
	if !auth.CheckPassword(hash, password) {
		return false
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= passwordCacheSize {
		c.entries = make(map[[32]byte]time.Time)
	}
	c.entries[key] = now.Add(passwordCacheTTL)
	c.mu.Unlock()
	return true
}

// decoyHash is checked against when a login is unknown, so that unknown and
// known logins take the same time.
const decoyHash = "$argon2id$v=19$m=19456,t=2,p=1$NcSrL++LvjBmXlY/2G4TZQ$DhrP2uX4nPFLbj/HTvipwn+BnqRZ3uCIljdALSThfRU"

// AuthenticateUser checks a login and password; see tenantd.SignInService.
func (db *DB) AuthenticateUser(ctx context.Context, login, password string) (*tenantd.Principal, error) {
	return read(ctx, db, func(tx *Tx) (*tenantd.Principal, error) {
		var id, hash string
		err := tx.queryRow(ctx, "SELECT id, password_hash FROM users WHERE login_key = ? AND deleted_at IS NULL", loginKey(login)).Scan(&id, &hash)
		if err == sql.ErrNoRows {
			auth.CheckPassword(decoyHash, password)
			return nil, unauthorized("invalid login or password")
		}
		if err != nil {
			return nil, fmt.Errorf("find user: %w", classify(err))
		}
		if hash == "" || !db.passwords.check(hash, password, tx.now) {
			return nil, unauthorized("invalid login or password")
		}
		return activeUser(ctx, tx, id, "")
	})
}

// activeUser returns the principal of a user that may act: live, enabled,
// not expired, in a tenant chain that is neither disabled nor deleted.
func activeUser(ctx context.Context, tx *Tx, userID, tokenID string) (*tenantd.Principal, error) {
	p, _, err := activeUserUntil(ctx, tx, userID, tokenID)
	return p, err
}

// activeUserUntil is activeUser that also returns the time the user
// becomes disabled, if one is set.
func activeUserUntil(ctx context.Context, tx *Tx, userID, tokenID string) (*tenantd.Principal, *time.Time, error) {
	u, path, err := findUser(ctx, tx, userID, false)
	if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
		return nil, nil, unauthorized("the user no longer exists")
	}
	if err != nil {
		return nil, nil, err
	}
	if !u.Enabled || (u.DisableAfter != nil && !tx.now.Before(*u.DisableAfter)) {
		return nil, nil, unauthorized("the user is disabled")
	}
	if err := checkTenantChain(ctx, tx, path); err != nil {
		return nil, nil, err
	}
	roles, err := userRoles(ctx, tx, u.ID)
	if err != nil {
		return nil, nil, err
	}
	return &tenantd.Principal{Type: tenantd.PrincipalUser, ID: u.ID, TenantID: u.TenantID, TenantPath: path, TokenID: tokenID, Roles: roles},
		u.DisableAfter, nil
}

// newSecret returns a random token and the hash the store keeps of it.
func newSecret() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("random token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, secretHash(token), nil
}

func secretHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// CreateLoginToken issues a one-time login token; see tenantd.SignInService.
func (db *DB) CreateLoginToken(ctx context.Context, userID string) (string, error) {
	return db.createUserToken(ctx, tenantd.OTTLogin, userID)
}

// createUserToken issues a one-time token of purpose for a user the
// principal in ctx may change, valid for tenantd.LoginTokenLifetime.
func (db *DB) createUserToken(ctx context.Context, purpose, userID string) (string, error) {
	p, err := principal(ctx)
	if err != nil {
		return "", err
	}
	return write(ctx, db, func(tx *Tx) (string, error) {
		u, err := writableUser(ctx, tx, p, userID)
		if err != nil {
			return "", err
		}
		return insertOneTimeToken(ctx, tx, purpose, u.ID, tenantd.LoginTokenLifetime)
	})
}

// CreateVerifyToken issues a one-time verify token; see
// tenantd.SignInService.
func (db *DB) CreateVerifyToken(ctx context.Context, userID string) (string, error) {
	return db.createUserToken(ctx, tenantd.OTTVerify, userID)
}

// ConsumeVerifyToken consumes a verify token; see tenantd.SignInService.
// The token is looked up before it is claimed so that a caller that cannot
// see its user cannot use it up either.
func (db *DB) ConsumeVerifyToken(ctx context.Context, token string) (*tenantd.Principal, time.Time, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, time.Time{}, err
	}
	type result struct {
		p       *tenantd.Principal
		expires time.Time
	}
	// The lookup is a read: most tokens introspected are access tokens or
	// garbage, and they must not take the write lock.
	find := func(tx *Tx) (string, error) {
		var userID string
		err := tx.queryRow(ctx, "SELECT user_id FROM one_time_tokens WHERE token_hash = ? AND purpose = ?",
			secretHash(token), tenantd.OTTVerify).Scan(&userID)
		if err == sql.ErrNoRows {
			return "", unauthorized("the token is unknown or used")
		}
		if err != nil {
			return "", fmt.Errorf("find one-time token: %w", classify(err))
		}
		if _, err := readableUser(ctx, tx, p, userID, false); err != nil {
			return "", unauthorized("the token is unknown or used")
		}
		return userID, nil
	}
	if _, err := read(ctx, db, find); err != nil {
		return nil, time.Time{}, err
	}
	r, err := write(ctx, db, func(tx *Tx) (result, error) {
		userID, err := find(tx)
		if err != nil {
			return result{}, err
		}
		_, expires, err := consumeOneTimeToken(ctx, tx, tenantd.OTTVerify, token)
		if err != nil {
			return result{}, err
		}
		up, err := activeUser(ctx, tx, userID, "")
		return result{up, expires}, err
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	return r.p, r.expires, nil
}

func insertOneTimeToken(ctx context.Context, tx *Tx, purpose, userID string, lifetime time.Duration) (string, error) {
	token, hash, err := newSecret()
	if err != nil {
		return "", err
	}
	_, err = tx.exec(ctx, "INSERT INTO one_time_tokens (token_hash, purpose, user_id, expires_at, created_at) VALUES (?,?,?,?,?)",
		hash, purpose, userID, micros(tx.now.Add(lifetime)), micros(tx.now))
	if err != nil {
		return "", fmt.Errorf("insert one-time token: %w", err)
	}
	return token, nil
}

// consumeOneTimeToken deletes a live token of purpose and returns its user
// and the time it expired at. The delete is what claims the token, so two
// concurrent uses cannot both succeed.
func consumeOneTimeToken(ctx context.Context, tx *Tx, purpose, token string) (string, time.Time, error) {
	var userID string
	var expires int64
	err := tx.queryRow(ctx, "DELETE FROM one_time_tokens WHERE token_hash = ? AND purpose = ? RETURNING user_id, expires_at",
		secretHash(token), purpose).Scan(&userID, &expires)
	if err == sql.ErrNoRows {
		return "", time.Time{}, unauthorized("the token is unknown or used")
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("consume one-time token: %w", classify(err))
	}
	if !tx.now.Before(fromMicros(expires)) {
		return "", time.Time{}, unauthorized("the token has expired")
	}
	return userID, fromMicros(expires), nil
}

// LoginWithToken consumes a login token and opens a session; see
// tenantd.SignInService.
func (db *DB) LoginWithToken(ctx context.Context, token string) (*tenantd.User, string, error) {
	type result struct {
		u       *tenantd.User
		session string
	}
	r, err := write(ctx, db, func(tx *Tx) (result, error) {
		userID, _, err := consumeOneTimeToken(ctx, tx, tenantd.OTTLogin, token)
		if err != nil {
			return result{}, err
		}
		if _, err := activeUser(ctx, tx, userID, ""); err != nil {
			return result{}, err
		}
		session, hash, err := newSecret()
		if err != nil {
			return result{}, err
		}
		if _, err := tx.exec(ctx, "INSERT INTO sessions (id_hash, user_id, expires_at, created_at) VALUES (?,?,?,?)",
			hash, userID, micros(tx.now.Add(tenantd.SessionLifetime)), micros(tx.now)); err != nil {
			return result{}, fmt.Errorf("insert session: %w", err)
		}
		u, _, err := findUser(ctx, tx, userID, false)
		return result{u, session}, err
	})
	if err != nil {
		return nil, "", err
	}
	return r.u, r.session, nil
}

// AuthenticateSession returns a session's principal; see
// tenantd.SignInService.
func (db *DB) AuthenticateSession(ctx context.Context, session string) (*tenantd.Principal, error) {
	return read(ctx, db, func(tx *Tx) (*tenantd.Principal, error) {
		var userID string
		var expires int64
		err := tx.queryRow(ctx, "SELECT user_id, expires_at FROM sessions WHERE id_hash = ?", secretHash(session)).Scan(&userID, &expires)
		if err == sql.ErrNoRows {
			return nil, unauthorized("the session is unknown or ended")
		}
		if err != nil {
			return nil, fmt.Errorf("find session: %w", classify(err))
		}
		if !tx.now.Before(fromMicros(expires)) {
			return nil, unauthorized("the session has expired")
		}
		return activeUser(ctx, tx, userID, "")
	})
}

// EndSession ends a session; see tenantd.SignInService.
func (db *DB) EndSession(ctx context.Context, session string) error {
	_, err := write(ctx, db, func(tx *Tx) (struct{}, error) {
		_, err := tx.exec(ctx, "DELETE FROM sessions WHERE id_hash = ?", secretHash(session))
		return struct{}{}, err
	})
	return err
}

// QueueActivationEmail issues an activation token and queues its e-mail;
// see tenantd.SignInService.
func (db *DB) QueueActivationEmail(ctx context.Context, userID string, compose func(u *tenantd.User, token string) *tenantd.Email) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	_, err = write(ctx, db, func(tx *Tx) (struct{}, error) {
		u, err := writableUser(ctx, tx, p, userID)
		if err != nil {
			return struct{}{}, err
		}
		if u.Contact.Email == nil || *u.Contact.Email == "" {
			return struct{}{}, tenantd.Errorf(tenantd.EINVALID, "user %s has no e-mail address", u.ID)
		}
		// A new activation link replaces the old ones.
		if _, err := tx.exec(ctx, "DELETE FROM one_time_tokens WHERE user_id = ? AND purpose = ?", u.ID, tenantd.OTTActivation); err != nil {
			return struct{}{}, fmt.Errorf("drop old activation tokens: %w", err)
		}
		token, err := insertOneTimeToken(ctx, tx, tenantd.OTTActivation, u.ID, tenantd.ActivationTokenLifetime)
		if err != nil {
			return struct{}{}, err
		}
		if err := insertEmail(ctx, tx, compose(u, token)); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, audit(ctx, tx, change{tenantID: u.TenantID, objectType: tenantd.ObjectUser, objectID: u.ID,
			action: tenantd.ActionSendActivation})
	})
	return err
}

// Activate consumes an activation token and sets the password; see
// tenantd.SignInService.
func (db *DB) Activate(ctx context.Context, token, password string) (*tenantd.User, error) {
	if err := tenantd.ValidatePassword(password); err != nil {
		return nil, err
	}
	hash, err := db.hashPassword(password)
	if err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.User, error) {
		userID, _, err := consumeOneTimeToken(ctx, tx, tenantd.OTTActivation, token)
		if err != nil {
			return nil, err
		}
		u, _, err := findUser(ctx, tx, userID, false)
		if err != nil {
			return nil, unauthorized("the user no longer exists")
		}
		before := userState(u)
		if err := setPassword(ctx, tx, u, hash); err != nil {
			return nil, err
		}
		// The holder of the activation link acts as the user.
		return u, audit(ctx, tx, change{tenantID: u.TenantID, objectType: tenantd.ObjectUser, objectID: u.ID,
			action: tenantd.ActionActivate, before: before, after: userState(u),
			actor: &tenantd.Actor{Type: tenantd.PrincipalUser, ID: u.ID}})
	})
}
