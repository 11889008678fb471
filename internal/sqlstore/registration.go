package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/tenantd/tenantd"
)

var _ tenantd.RegistrationTokenService = (*DB)(nil)

// registrationAlphabet is what the groups of a registration token are made
// of: the published form is XXXX-XXXX-XXXX of capital letters and digits.
const registrationAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newRegistrationToken returns a random token XXXX-XXXX-XXXX: 12 symbols
// of 36, about 62 bits.
func newRegistrationToken() (string, error) {
	var b strings.Builder
	n := big.NewInt(int64(len(registrationAlphabet)))
	for i := 0; i < 12; i++ {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		k, err := rand.Int(rand.Reader, n)
		if err != nil {
			return "", fmt.Errorf("random registration token: %w", err)
		}
		b.WriteByte(registrationAlphabet[k.Int64()])
	}
	return b.String(), nil
}

// normalizeRegistrationToken lets a token typed by hand match: case and
// surrounding spaces do not matter.
func normalizeRegistrationToken(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

const registrationColumns = "r.id, r.tenant_id, r.hint, r.scopes, r.one_time, r.created_by, r.created_at, r.expires_at"

func scanRegistrationToken(s scanner) (*tenantd.RegistrationToken, error) {
	var (
		rt                   tenantd.RegistrationToken
		scopes               string
		createdAt, expiresAt int64
	)
	if err := s.Scan(&rt.ID, &rt.TenantID, &rt.Hint, &scopes, &rt.OneTime, &rt.CreatedBy, &createdAt, &expiresAt); err != nil {
		return nil, classify(err)
	}
	if err := json.Unmarshal([]byte(scopes), &rt.Scopes); err != nil {
		return nil, fmt.Errorf("decode scopes of registration token %d: %w", rt.ID, err)
	}
	rt.CreatedAt, rt.ExpiresAt = fromMicros(createdAt), fromMicros(expiresAt)
	return &rt, nil
}

// CreateRegistrationToken creates a registration token; see
// tenantd.RegistrationTokenService.
func (db *DB) CreateRegistrationToken(ctx context.Context, c *tenantd.RegistrationTokenCreate) (*tenantd.RegistrationToken, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.RegistrationToken, error) {
		t, err := writableTenant(ctx, tx, p, c.TenantID)
		if err != nil {
			return nil, err
		}
		for _, s := range c.Scopes {
			id, _, _ := tenantd.ParseAgentScope(s)
			if id == "" || id == t.ID {
				continue
			}
			st, err := findTenant(ctx, tx, id, false)
			if tenantd.ErrorKind(err) == tenantd.ENOTFOUND || err == nil && !tenantd.InSubtree(st.Path, t.Path) {
				return nil, tenantd.Errorf(tenantd.EINVALID, "scope %q names a tenant outside the subtree of tenant %s", s, t.ID)
			}
			if err != nil {
				return nil, err
			}
		}
		token, err := newRegistrationToken()
		if err != nil {
			return nil, err
		}
		scopes, err := json.Marshal(c.Scopes)
		if err != nil {
			return nil, fmt.Errorf("encode scopes: %w", err)
		}
		rt := &tenantd.RegistrationToken{TenantID: t.ID, Hint: token[:4], Token: token, Scopes: c.Scopes, OneTime: c.OneTime,
			CreatedBy: p.ID, CreatedAt: tx.now, ExpiresAt: tx.now.Add(c.ExpiresIn)}
		err = tx.queryRow(ctx, `INSERT INTO registration_tokens (tenant_id, token_hash, hint, scopes, one_time, created_by,
			created_at, expires_at) VALUES (?,?,?,?,?,?,?,?) RETURNING id`,
			rt.TenantID, secretHash(token), rt.Hint, string(scopes), rt.OneTime, rt.CreatedBy, micros(rt.CreatedAt),
			micros(rt.ExpiresAt)).Scan(&rt.ID)
		if err != nil {
			return nil, fmt.Errorf("insert registration token: %w", classify(err))
		}
		return rt, nil
	})
}

// RegistrationTokens lists registration tokens; see
// tenantd.RegistrationTokenService.
func (db *DB) RegistrationTokens(ctx context.Context, tenantID string) ([]*tenantd.RegistrationToken, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]*tenantd.RegistrationToken, error) {
		q := "SELECT " + registrationColumns + " FROM registration_tokens r JOIN tenants t ON t.id = r.tenant_id WHERE r.expires_at > ? AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL"
		args := []any{micros(tx.now)}
		if tenantID != "" {
			t, err := visibleTenant(ctx, tx, p, tenantID, false)
			if err != nil {
				return nil, err
			}
			q += " AND r.tenant_id = ?"
			args = append(args, t.ID)
		} else {
			q += " AND t.path >= ? AND t.path < ?"
			args = append(args, p.TenantPath, subtreeUpper(p.TenantPath))
		}
		rows, err := tx.query(ctx, q+" ORDER BY r.id", args...)
		if err != nil {
			return nil, fmt.Errorf("query registration tokens: %w", classify(err))
		}
		defer rows.Close()
		out := []*tenantd.RegistrationToken{}
		for rows.Next() {
			rt, err := scanRegistrationToken(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, rt)
		}
		return out, classify(rows.Err())
	})
}

// DeleteRegistrationToken deletes a registration token; see
// tenantd.RegistrationTokenService.
func (db *DB) DeleteRegistrationToken(ctx context.Context, id int64) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	_, err = write(ctx, db, func(tx *Tx) (struct{}, error) {
		var path string
		err := tx.queryRow(ctx, "SELECT t.path FROM registration_tokens r JOIN tenants t ON t.id = r.tenant_id WHERE r.id = ? AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL", id).Scan(&path)
		if err == sql.ErrNoRows {
			return struct{}{}, tenantd.Errorf(tenantd.ENOTFOUND, "registration token %d not found", id)
		}
		if err != nil {
			return struct{}{}, fmt.Errorf("find registration token: %w", classify(err))
		}
		if !p.CanSee(path) {
			return struct{}{}, tenantd.Errorf(tenantd.EFORBIDDEN, "registration token %d is outside the caller's subtree", id)
		}
		if err := p.RequireWrite(); err != nil {
			return struct{}{}, err
		}
		if _, err := tx.exec(ctx, "DELETE FROM registration_tokens WHERE id = ?", id); err != nil {
			return struct{}{}, fmt.Errorf("delete registration token: %w", err)
		}
		return struct{}{}, nil
	})
	return err
}

// RedeemRegistrationToken checks (and, if it is for one use, consumes) a
// registration token; see tenantd.RegistrationTokenService.
func (db *DB) RedeemRegistrationToken(ctx context.Context, token string) (*tenantd.RegistrationToken, error) {
	return write(ctx, db, func(tx *Tx) (*tenantd.RegistrationToken, error) {
		rt, err := scanRegistrationToken(tx.queryRow(ctx, "SELECT "+registrationColumns+
			" FROM registration_tokens r WHERE r.token_hash = ?"+tx.forUpdate("r"), secretHash(normalizeRegistrationToken(token))))
		if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
			return nil, unauthorized("the registration token is unknown or used")
		}
		if err != nil {
			return nil, fmt.Errorf("find registration token: %w", err)
		}
		if !tx.now.Before(rt.ExpiresAt) {
			return nil, unauthorized("the registration token has expired")
		}
		var path string
		if err := tx.queryRow(ctx, "SELECT path FROM tenants WHERE id = ?", rt.TenantID).Scan(&path); err != nil {
			return nil, fmt.Errorf("find the registration token's tenant: %w", classify(err))
		}
		if err := checkTenantChain(ctx, tx, path); err != nil {
			return nil, err
		}
		if rt.OneTime {
			res, err := tx.exec(ctx, "DELETE FROM registration_tokens WHERE id = ?", rt.ID)
			if err != nil {
				return nil, fmt.Errorf("consume registration token: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return nil, unauthorized("the registration token is unknown or used")
			}
		}
		return rt, nil
	})
}
