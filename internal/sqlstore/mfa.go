package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/auth"
)

var _ tenantd.MFAService = (*DB)(nil)

// ownsMFA reports whether tenants of kind k have an MFA status of their
// own; folders and units follow their nearest ancestor that does.
func ownsMFA(k tenantd.TenantKind) bool {
	return k == tenantd.KindRoot || k == tenantd.KindPartner || k == tenantd.KindCustomer
}

type mfaTenant struct {
	kind   tenantd.TenantKind
	status string
}

// mfaTenants returns the kind and MFA status of the tenants ids.
func mfaTenants(ctx context.Context, tx *Tx, where string, args ...any) (map[string]mfaTenant, error) {
	rows, err := tx.query(ctx, "SELECT id, kind, mfa_status FROM tenants WHERE "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query mfa of tenants: %w", classify(err))
	}
	defer rows.Close()
	out := map[string]mfaTenant{}
	for rows.Next() {
		var id, kind string
		var m mfaTenant
		if err := rows.Scan(&id, &kind, &m.status); err != nil {
			return nil, classify(err)
		}
		m.kind = tenantd.TenantKind(kind)
		out[id] = m
	}
	return out, classify(rows.Err())
}

// governing returns the tenant whose MFA status applies at path: the
// deepest tenant on it that owns one.
func governing(path string, tenants map[string]mfaTenant) (string, mfaTenant) {
	ids := tenantd.PathIDs(path)
	for i := len(ids) - 1; i >= 0; i-- {
		if m, ok := tenants[ids[i]]; ok && ownsMFA(m.kind) {
			return ids[i], m
		}
	}
	return "", mfaTenant{status: tenantd.MFADisabled}
}

// chainTenants returns mfaTenants of the tenants on path.
func chainTenants(ctx context.Context, tx *Tx, path string) (map[string]mfaTenant, error) {
	ids := tenantd.PathIDs(path)
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return mfaTenants(ctx, tx, "id IN ("+placeholders(len(ids))+")", args...)
}

type userMFA struct {
	mode      string
	secret    sql.NullString
	confirmed bool
	lastStep  int64
}

func findUserMFA(ctx context.Context, tx *Tx, userID string) (userMFA, error) {
	var m userMFA
	err := tx.queryRow(ctx, "SELECT mode, secret, confirmed, last_step FROM user_mfa WHERE user_id = ?", userID).
		Scan(&m.mode, &m.secret, &m.confirmed, &m.lastStep)
	if err == sql.ErrNoRows {
		return userMFA{}, nil
	}
	if err != nil {
		return userMFA{}, fmt.Errorf("find mfa of user: %w", classify(err))
	}
	return m, nil
}

func saveUserMFA(ctx context.Context, tx *Tx, userID string, m userMFA) error {
	_, err := tx.exec(ctx, `INSERT INTO user_mfa (user_id, mode, secret, confirmed, last_step, updated_at) VALUES (?,?,?,?,?,?)
		ON CONFLICT (user_id) DO UPDATE SET mode = excluded.mode, secret = excluded.secret, confirmed = excluded.confirmed,
		last_step = excluded.last_step, updated_at = excluded.updated_at`,
		userID, m.mode, m.secret, m.confirmed, m.lastStep, micros(tx.now))
	if err != nil {
		return fmt.Errorf("save mfa of user: %w", err)
	}
	return nil
}

// userMFAStatus is the mfa_status of a user with m under a tenant whose
// status in force is tenantStatus.
func userMFAStatus(m userMFA, tenantStatus string) string {
	switch {
	case m.mode == "off":
		return tenantd.MFAForciblyDisabled
	case m.confirmed:
		return tenantd.MFAEnabled
	case m.mode == "on" || tenantStatus == tenantd.MFAEnabled:
		return tenantd.MFASetupRequired
	}
	return tenantd.MFADisabled
}

// refreshMFA writes the mfa_status of the live users of the tenants in
// the subtree at path.
func refreshMFA(ctx context.Context, tx *Tx, path string) error {
	chain, err := chainTenants(ctx, tx, path)
	if err != nil {
		return err
	}
	sub, err := mfaTenants(ctx, tx, "path >= ? AND path < ?", path, subtreeUpper(path))
	if err != nil {
		return err
	}
	for id, m := range sub {
		chain[id] = m
	}
	rows, err := tx.query(ctx, `SELECT u.id, t.path, u.mfa_status, COALESCE(m.mode, ''), COALESCE(m.confirmed, FALSE)
		FROM users u JOIN tenants t ON t.id = u.tenant_id LEFT JOIN user_mfa m ON m.user_id = u.id
		WHERE t.path >= ? AND t.path < ? AND u.deleted_at IS NULL AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL`, path, subtreeUpper(path))
	if err != nil {
		return fmt.Errorf("query users' mfa: %w", classify(err))
	}
	type change struct{ id, status string }
	var changes []change
	for rows.Next() {
		var id, upath, status string
		var m userMFA
		if err := rows.Scan(&id, &upath, &status, &m.mode, &m.confirmed); err != nil {
			rows.Close()
			return classify(err)
		}
		_, gov := governing(upath, chain)
		if s := userMFAStatus(m, gov.status); s != status {
			changes = append(changes, change{id, s})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return classify(err)
	}
	for _, c := range changes {
		if _, err := tx.exec(ctx, "UPDATE users SET mfa_status = ?, updated_at = ? WHERE id = ?", c.status, micros(tx.now), c.id); err != nil {
			return fmt.Errorf("update mfa status: %w", err)
		}
	}
	return nil
}

// tenantMFA computes the MFA state shown for tenant t.
func tenantMFA(ctx context.Context, tx *Tx, p *tenantd.Principal, t *tenantd.Tenant) (*tenantd.TenantMFA, error) {
	chain, err := chainTenants(ctx, tx, t.Path)
	if err != nil {
		return nil, err
	}
	govID, gov := governing(t.Path, chain)
	out := &tenantd.TenantMFA{Status: gov.status, UpdateAllowed: ownsMFA(t.Kind) && p.CanWrite()}
	if govID == "" {
		return out, nil
	}
	var govPath string
	if err := tx.queryRow(ctx, "SELECT path FROM tenants WHERE id = ?", govID).Scan(&govPath); err != nil {
		return nil, fmt.Errorf("find governing tenant: %w", classify(err))
	}
	sub, err := mfaTenants(ctx, tx, "path >= ? AND path < ?", govPath, subtreeUpper(govPath))
	if err != nil {
		return nil, err
	}
	for id, m := range sub {
		chain[id] = m
	}
	rows, err := tx.query(ctx, `SELECT t.path, COALESCE(m.confirmed, FALSE) FROM users u JOIN tenants t ON t.id = u.tenant_id
		LEFT JOIN user_mfa m ON m.user_id = u.id WHERE t.path >= ? AND t.path < ? AND u.deleted_at IS NULL AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL`,
		govPath, subtreeUpper(govPath))
	if err != nil {
		return nil, fmt.Errorf("count users: %w", classify(err))
	}
	defer rows.Close()
	for rows.Next() {
		var upath string
		var confirmed bool
		if err := rows.Scan(&upath, &confirmed); err != nil {
			return nil, classify(err)
		}
		if id, _ := governing(upath, chain); id == govID {
			out.UsersCount++
			if confirmed {
				out.UsersWithTOTPEnabled++
			}
		}
	}
	return out, classify(rows.Err())
}

// TenantMFA returns a tenant's MFA state; see tenantd.MFAService.
func (db *DB) TenantMFA(ctx context.Context, tenantID string) (*tenantd.TenantMFA, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.TenantMFA, error) {
		t, err := visibleTenant(ctx, tx, p, tenantID, false)
		if err != nil {
			return nil, err
		}
		return tenantMFA(ctx, tx, p, t)
	})
}

// SetTenantMFA enables or disables MFA on a tenant; see tenantd.MFAService.
func (db *DB) SetTenantMFA(ctx context.Context, tenantID string, enabled bool) (*tenantd.TenantMFA, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.TenantMFA, error) {
		t, err := writableTenant(ctx, tx, p, tenantID)
		if err != nil {
			return nil, err
		}
		if !ownsMFA(t.Kind) {
			return nil, tenantd.Errorf(tenantd.EINVALID, "MFA cannot be set on a %s tenant; it follows its parent", t.Kind)
		}
		status := tenantd.MFADisabled
		if enabled {
			status = tenantd.MFAEnabled
		}
		if status != t.MFAStatus {
			before := tenantState(t)
			if _, err := tx.exec(ctx, "UPDATE tenants SET mfa_status = ?, updated_at = ? WHERE id = ?", status, micros(tx.now), t.ID); err != nil {
				return nil, fmt.Errorf("set mfa status: %w", err)
			}
			if !enabled {
				// The enrolments the tenant required go; a user's own
				// setting stays.
				if _, err := tx.exec(ctx, `DELETE FROM user_mfa WHERE mode = '' AND user_id IN (SELECT u.id FROM users u
					JOIN tenants x ON x.id = u.tenant_id WHERE x.path >= ? AND x.path < ?)`, t.Path, subtreeUpper(t.Path)); err != nil {
					return nil, fmt.Errorf("reset totp: %w", err)
				}
			}
			if err := refreshMFA(ctx, tx, t.Path); err != nil {
				return nil, err
			}
			if err := auditTenant(ctx, tx, t.ID, tenantd.ActionUpdate, before); err != nil {
				return nil, err
			}
			t.MFAStatus = status
		}
		return tenantMFA(ctx, tx, p, t)
	})
}

// SetUserMFA turns MFA on or off for a user; see tenantd.MFAService.
func (db *DB) SetUserMFA(ctx context.Context, userID string, enabled bool) error {
	p, err := writer(ctx)
	if err != nil {
		return err
	}
	_, err = write(ctx, db, func(tx *Tx) (struct{}, error) {
		u, err := writableUser(ctx, tx, p, userID)
		if err != nil {
			return struct{}{}, err
		}
		m, err := findUserMFA(ctx, tx, u.ID)
		if err != nil {
			return struct{}{}, err
		}
		if enabled {
			m.mode = "on"
		} else {
			m = userMFA{mode: "off", lastStep: m.lastStep}
		}
		if err := saveUserMFA(ctx, tx, u.ID, m); err != nil {
			return struct{}{}, err
		}
		var path string
		if err := tx.queryRow(ctx, "SELECT path FROM tenants WHERE id = ?", u.TenantID).Scan(&path); err != nil {
			return struct{}{}, classify(err)
		}
		return struct{}{}, refreshUserMFA(ctx, tx, u.ID, path)
	})
	return err
}

// refreshUserMFA writes the mfa_status of one user of the tenant at path.
func refreshUserMFA(ctx context.Context, tx *Tx, userID, path string) error {
	chain, err := chainTenants(ctx, tx, path)
	if err != nil {
		return err
	}
	m, err := findUserMFA(ctx, tx, userID)
	if err != nil {
		return err
	}
	_, gov := governing(path, chain)
	if _, err := tx.exec(ctx, "UPDATE users SET mfa_status = ?, updated_at = ? WHERE id = ? AND mfa_status <> ?",
		userMFAStatus(m, gov.status), micros(tx.now), userID, userMFAStatus(m, gov.status)); err != nil {
		return fmt.Errorf("update mfa status: %w", err)
	}
	return nil
}

// VerifySecondFactor checks a user's TOTP code; see tenantd.MFAService.
func (db *DB) VerifySecondFactor(ctx context.Context, userID, code string) (*tenantd.MFAChallenge, error) {
	// Most users have no second factor: a read tells, without the write
	// lock that HTTP Basic on every request would otherwise take.
	status, err := read(ctx, db, func(tx *Tx) (string, error) {
		var s string
		err := tx.queryRow(ctx, "SELECT mfa_status FROM users WHERE id = ?", userID).Scan(&s)
		return s, classify(err)
	})
	if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	if status == tenantd.MFADisabled || status == tenantd.MFAForciblyDisabled {
		return nil, nil
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.MFAChallenge, error) {
		var login, tenantID, path string
		if err := tx.queryRow(ctx, "SELECT u.login, u.tenant_id, t.path FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.id = ?",
			userID).Scan(&login, &tenantID, &path); err != nil {
			return nil, fmt.Errorf("find user: %w", classify(err))
		}
		chain, err := chainTenants(ctx, tx, path)
		if err != nil {
			return nil, err
		}
		m, err := findUserMFA(ctx, tx, userID)
		if err != nil {
			return nil, err
		}
		_, gov := governing(path, chain)
		switch userMFAStatus(m, gov.status) {
		case tenantd.MFADisabled, tenantd.MFAForciblyDisabled:
			return nil, nil
		case tenantd.MFASetupRequired:
			if !m.secret.Valid {
				secret, _, err := auth.NewTOTPKey("tenantd", login)
				if err != nil {
					return nil, err
				}
				m.secret = sql.NullString{String: secret, Valid: true}
				if err := saveUserMFA(ctx, tx, userID, m); err != nil {
					return nil, err
				}
			}
			uri := totpURI(login, m.secret.String)
			if code == "" {
				return &tenantd.MFAChallenge{Error: "totp_setup_required", Secret: m.secret.String, URI: uri}, nil
			}
			step, ok := auth.CheckTOTP(m.secret.String, code, tx.now, m.lastStep)
			if !ok {
				return &tenantd.MFAChallenge{Error: "invalid_totp", Secret: m.secret.String, URI: uri}, nil
			}
			m.confirmed, m.lastStep = true, step
			if err := saveUserMFA(ctx, tx, userID, m); err != nil {
				return nil, err
			}
			return nil, refreshUserMFA(ctx, tx, userID, path)
		}
		if code == "" {
			return &tenantd.MFAChallenge{Error: "totp_required"}, nil
		}
		step, ok := auth.CheckTOTP(m.secret.String, code, tx.now, m.lastStep)
		if !ok {
			return &tenantd.MFAChallenge{Error: "invalid_totp"}, nil
		}
		m.lastStep = step
		return nil, saveUserMFA(ctx, tx, userID, m)
	})
}

// totpURI is the otpauth:// URI of a TOTP key, as authenticator apps read it.
func totpURI(login, secret string) string {
	return "otpauth://totp/tenantd:" + urlEscape(login) + "?algorithm=SHA1&digits=6&issuer=tenantd&period=30&secret=" + secret
}

func urlEscape(s string) string { return url.PathEscape(s) }

// newUserMFAStatus writes and returns the mfa_status of a new user of the
// tenant at path: setup_required where MFA is in force.
func newUserMFAStatus(ctx context.Context, tx *Tx, userID, path string) (string, error) {
	chain, err := chainTenants(ctx, tx, path)
	if err != nil {
		return "", err
	}
	_, gov := governing(path, chain)
	status := userMFAStatus(userMFA{}, gov.status)
	if status != tenantd.MFADisabled {
		if _, err := tx.exec(ctx, "UPDATE users SET mfa_status = ? WHERE id = ?", status, userID); err != nil {
			return "", fmt.Errorf("set mfa status: %w", err)
		}
	}
	return status, nil
}
