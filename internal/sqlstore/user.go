package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/auth"
)

var _ tenantd.UserService = (*DB)(nil)

// userColumns are the columns scanUser reads, with the path of the user's
// tenant last.
const userColumns = `u.id, u.tenant_id, u.login, u.version, u.enabled, u.activated, u.contact, u.language,
	u.business_types, u.notifications, u.idp_id, u.external_id, u.origin_id, u.origin_external_id,
	u.disable_after, u.mfa_status, u.terms_accepted, u.created_at, u.updated_at, COALESCE(u.deleted_at, t.deleted_at, (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1)), t.path`

func scanUser(s scanner) (*tenantd.User, string, error) {
	var (
		u                                 tenantd.User
		contact, business, notif, path    string
		externalID, originID, originExtID sql.NullString
		disableAfter, deletedAt           sql.NullInt64
		createdAt, updatedAt              int64
	)
	err := s.Scan(&u.ID, &u.TenantID, &u.Login, &u.Version, &u.Enabled, &u.Activated, &contact, &u.Language,
		&business, &notif, &u.IDPID, &externalID, &originID, &originExtID, &disableAfter, &u.MFAStatus,
		&u.TermsAccepted, &createdAt, &updatedAt, &deletedAt, &path)
	if err != nil {
		return nil, "", classify(err)
	}
	if err := json.Unmarshal([]byte(contact), &u.Contact); err != nil {
		return nil, "", fmt.Errorf("decode contact of user %s: %w", u.ID, err)
	}
	if err := json.Unmarshal([]byte(business), &u.BusinessTypes); err != nil {
		return nil, "", fmt.Errorf("decode business types of user %s: %w", u.ID, err)
	}
	if err := json.Unmarshal([]byte(notif), &u.Notifications); err != nil {
		return nil, "", fmt.Errorf("decode notifications of user %s: %w", u.ID, err)
	}
	u.ExternalID, u.OriginID, u.OriginExternalID = fromNullString(externalID), fromNullString(originID), fromNullString(originExtID)
	u.DisableAfter, u.DeletedAt = fromNullMicros(disableAfter), fromNullMicros(deletedAt)
	u.CreatedAt, u.UpdatedAt = fromMicros(createdAt), fromMicros(updatedAt)
	return &u, path, nil
}

// findUser returns a user, whoever may see it, with its tenant's path.
func findUser(ctx context.Context, tx *Tx, id string, allowDeleted bool) (*tenantd.User, string, error) {
	q := "SELECT " + userColumns + " FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.id = ?"
	if !allowDeleted {
		q += " AND u.deleted_at IS NULL AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL"
	}
	u, path, err := scanUser(tx.queryRow(ctx, q+tx.forUpdate("u"), id))
	if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
		return nil, "", tenantd.Errorf(tenantd.ENOTFOUND, "user %s not found", id)
	}
	return u, path, err
}

// readableUser returns a user the principal may read: one of its subtree if
// it may read, or itself.
func readableUser(ctx context.Context, tx *Tx, p *tenantd.Principal, id string, allowDeleted bool) (*tenantd.User, error) {
	u, path, err := findUser(ctx, tx, id, allowDeleted)
	if err != nil {
		return nil, err
	}
	if !p.CanSee(path) {
		return nil, tenantd.Errorf(tenantd.ENOTFOUND, "user %s not found", id)
	}
	if !isSelf(p, id) {
		if err := p.RequireRead(); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// writableUser returns a live user the principal may change.
func writableUser(ctx context.Context, tx *Tx, p *tenantd.Principal, id string) (*tenantd.User, error) {
	u, path, err := findUser(ctx, tx, id, false)
	if err != nil {
		return nil, err
	}
	if !p.CanSee(path) {
		return nil, tenantd.Errorf(tenantd.EFORBIDDEN, "user %s is outside the caller's subtree", id)
	}
	if err := p.RequireWrite(); err != nil {
		return nil, err
	}
	return u, nil
}

func isSelf(p *tenantd.Principal, userID string) bool {
	return p.Type == tenantd.PrincipalUser && p.ID == userID
}

func loginKey(login string) string { return strings.ToLower(login) }

func userSearchKey(u *tenantd.User) string {
	parts := []string{strings.ToLower(u.Login)}
	for _, s := range []*string{u.Contact.Firstname, u.Contact.Lastname, u.Contact.Email} {
		if s != nil {
			parts = append(parts, strings.ToLower(*s))
		}
	}
	return strings.Join(parts, "\n")
}

func jsonList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v) // a []string always marshals
	return string(b)
}

func loginConflict(login string) error {
	return tenantd.Errorf(tenantd.ECONFLICT, "the login %q is taken", login)
}

// CreateUser creates a user; see tenantd.UserService.
func (db *DB) CreateUser(ctx context.Context, c *tenantd.UserCreate) (*tenantd.User, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := p.RequireWrite(); err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.User, error) {
		t, err := writableTenant(ctx, tx, p, c.TenantID)
		if err != nil {
			return nil, err
		}
		u := &tenantd.User{
			ID: tenantd.NewID(), TenantID: t.ID, Login: c.Login, Version: 1, Enabled: true, Language: t.Language,
			BusinessTypes: c.BusinessTypes, Notifications: c.Notifications, IDPID: t.DefaultIDPID,
			ExternalID: c.ExternalID, OriginID: c.OriginID, OriginExternalID: c.OriginExternalID,
			DisableAfter: c.DisableAfter, MFAStatus: "disabled", CreatedAt: tx.now, UpdatedAt: tx.now,
		}
		u.Contact.ID = tenantd.NewID()
		u.Contact.Apply(c.Contact, tx.now)
		if u.Login == "" {
			u.Login = *u.Contact.Email
		}
		if u.BusinessTypes == nil {
			u.BusinessTypes = []string{}
		}
		if u.Notifications == nil {
			u.Notifications = append([]string(nil), tenantd.DefaultNotifications...)
		}
		if c.Enabled != nil {
			u.Enabled = *c.Enabled
		}
		if c.Language != nil && *c.Language != "" {
			u.Language = *c.Language
		}
		if c.IDPID != nil {
			u.IDPID = *c.IDPID
		}
		if err := insertUser(ctx, tx, u); err != nil {
			return nil, err
		}
		if u.MFAStatus, err = newUserMFAStatus(ctx, tx, u.ID, t.Path); err != nil {
			return nil, err
		}
		if err := audit(ctx, tx, change{tenantID: t.ID, path: t.Path, objectType: tenantd.ObjectUser, objectID: u.ID,
			action: tenantd.ActionCreate, after: userState(u)}); err != nil {
			return nil, err
		}
		return u, nil
	})
}

func insertUser(ctx context.Context, tx *Tx, u *tenantd.User) error {
	contact, err := json.Marshal(u.Contact)
	if err != nil {
		return fmt.Errorf("encode contact: %w", err)
	}
	if err := releaseHiddenLogin(ctx, tx, u.Login, u.ID); err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO users (id, tenant_id, login, login_key, version, enabled, activated, contact,
		search_key, language, business_types, notifications, idp_id, external_id, origin_id, origin_external_id,
		disable_after, mfa_status, terms_accepted, password_hash, created_at, updated_at)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		u.ID, u.TenantID, u.Login, loginKey(u.Login), u.Version, u.Enabled, u.Activated, string(contact),
		userSearchKey(u), u.Language, jsonList(u.BusinessTypes), jsonList(u.Notifications), u.IDPID,
		nullString(u.ExternalID), nullString(u.OriginID), nullString(u.OriginExternalID), nullMicros(u.DisableAfter),
		u.MFAStatus, u.TermsAccepted, "", micros(u.CreatedAt), micros(u.UpdatedAt))
	if errors.Is(err, errUnique) {
		return loginConflict(u.Login)
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

// FindUserByID returns a visible user; see tenantd.UserService.
func (db *DB) FindUserByID(ctx context.Context, id string, allowDeleted, withPolicies bool) (*tenantd.User, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.User, error) {
		u, err := readableUser(ctx, tx, p, id, allowDeleted)
		if err != nil {
			return nil, err
		}
		if withPolicies {
			if u.AccessPolicies, err = accessPolicies(ctx, tx, u.ID); err != nil {
				return nil, err
			}
		}
		return u, nil
	})
}

// MaxUserBatchLimit is the most users one page of a batch listing holds.
const MaxUserBatchLimit = 2000

// FindUsers returns one page of users; see tenantd.UserService.
func (db *DB) FindUsers(ctx context.Context, f tenantd.UserFilter) (*tenantd.UserPage, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	ts, err := db.safeTimestamp(ctx)
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxUserBatchLimit {
		limit = MaxUserBatchLimit
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.UserPage, error) {
		where := []string{"t.path >= ?", "t.path < ?"}
		args := []any{p.TenantPath, subtreeUpper(p.TenantPath)}
		switch {
		case len(f.IDs) > 0:
			if err := p.RequireRead(); err != nil {
				return nil, err
			}
			where = append(where, "u.id IN ("+placeholders(len(f.IDs))+")")
			for _, id := range f.IDs {
				args = append(args, id)
			}
		case f.TenantID != nil:
			t, err := visibleTenant(ctx, tx, p, *f.TenantID, f.AllowDeleted)
			if err != nil {
				return nil, err
			}
			where = append(where, "u.tenant_id = ?")
			args = append(args, t.ID)
		case f.SubtreeRootTenantID != nil:
			t, err := visibleTenant(ctx, tx, p, *f.SubtreeRootTenantID, f.AllowDeleted)
			if err != nil {
				return nil, err
			}
			where = append(where, "t.path >= ?", "t.path < ?")
			args = append(args, t.Path, subtreeUpper(t.Path))
		}
		if !f.AllowDeleted {
			where = append(where, "u.deleted_at IS NULL AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL")
		}
		if len(f.ExternalIDs) > 0 {
			where = append(where, "u.external_id IN ("+placeholders(len(f.ExternalIDs))+")")
			for _, x := range f.ExternalIDs {
				args = append(args, x)
			}
		}
		if f.OriginID != nil {
			where = append(where, "u.origin_id = ?")
			args = append(args, *f.OriginID)
		}
		if len(f.TenantKinds) > 0 {
			where = append(where, "t.kind IN ("+placeholders(len(f.TenantKinds))+")")
			for _, k := range f.TenantKinds {
				args = append(args, string(k))
			}
		}
		if len(f.Roles) > 0 {
			where = append(where, "EXISTS (SELECT 1 FROM access_policies ap WHERE ap.user_id = u.id AND ap.role_id IN ("+placeholders(len(f.Roles))+"))")
			for _, r := range f.Roles {
				args = append(args, r)
			}
		}
		if f.TargetTenantID != nil {
			target, err := visibleTenant(ctx, tx, p, *f.TargetTenantID, f.AllowDeleted)
			if err != nil {
				return nil, err
			}
			// The user's tenant is the target or one of its ancestors.
			where = append(where, "substr(?, 1, length(t.path)) = t.path")
			args = append(args, target.Path)
		}
		order := "u.id"
		if f.UpdatedSince != nil {
			where = append(where, "u.updated_at >= ?")
			args = append(args, micros(*f.UpdatedSince))
			order = "u.updated_at, u.id"
		}
		if a := f.After; a != nil {
			if f.UpdatedSince != nil {
				where = append(where, "(u.updated_at > ? OR (u.updated_at = ? AND u.id > ?))")
				args = append(args, micros(a.UpdatedAt), micros(a.UpdatedAt), a.ID)
			} else {
				where = append(where, "u.id > ?")
				args = append(args, a.ID)
			}
		}
		rows, err := tx.query(ctx, "SELECT "+userColumns+" FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE "+
			strings.Join(where, " AND ")+" ORDER BY "+order+fmt.Sprintf(" LIMIT %d", limit+1), args...)
		if err != nil {
			return nil, fmt.Errorf("query users: %w", err)
		}
		var items []*tenantd.User
		for rows.Next() {
			u, _, err := scanUser(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			items = append(items, u)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, classify(err)
		}
		page := &tenantd.UserPage{Items: items, Timestamp: ts}
		if len(items) > limit {
			page.Items = items[:limit]
			last := page.Items[limit-1]
			page.Next = &tenantd.UserCursor{UpdatedAt: last.UpdatedAt, ID: last.ID}
		}
		if f.WithAccessPolicies {
			for _, u := range page.Items {
				if u.AccessPolicies, err = accessPolicies(ctx, tx, u.ID); err != nil {
					return nil, err
				}
			}
		}
		return page, nil
	})
}

// TenantUsers returns the ids of a tenant's users; see tenantd.UserService.
func (db *DB) TenantUsers(ctx context.Context, tenantID string, grandChildren, allowDeleted bool) ([]string, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]string, error) {
		t, err := visibleTenant(ctx, tx, p, tenantID, allowDeleted)
		if err != nil {
			return nil, err
		}
		tenants := []string{t.ID}
		if grandChildren {
			// A customer's users include its units'; another tenant's
			// include those of the folders below it (through folders only).
			nested := tenantd.KindFolder
			if t.Kind == tenantd.KindCustomer {
				nested = tenantd.KindUnit
			}
			sub, err := queryTenants(ctx, tx, "SELECT "+tenantColumns+" FROM tenants t WHERE t.path > ? AND t.path < ? AND t.kind = ? AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL",
				t.Path, subtreeUpper(t.Path), string(nested))
			if err != nil {
				return nil, err
			}
			ok := map[string]bool{}
			for _, s := range sub {
				ok[s.ID] = true
			}
			for _, s := range sub {
				reachable := true
				for _, id := range tenantd.PathIDs(s.Path)[t.Depth()+1:] {
					reachable = reachable && ok[id]
				}
				if reachable {
					tenants = append(tenants, s.ID)
				}
			}
		}
		args := make([]any, len(tenants))
		for i, id := range tenants {
			args[i] = id
		}
		q := "SELECT id FROM users WHERE tenant_id IN (" + placeholders(len(tenants)) + ")"
		if !allowDeleted {
			q += " AND deleted_at IS NULL"
		}
		rows, err := tx.query(ctx, q+" ORDER BY login_key, id", args...)
		if err != nil {
			return nil, fmt.Errorf("query tenant users: %w", err)
		}
		defer rows.Close()
		ids := []string{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, classify(err)
			}
			ids = append(ids, id)
		}
		return ids, classify(rows.Err())
	})
}

// LoginTaken reports whether a login is in use; see tenantd.UserService.
func (db *DB) LoginTaken(ctx context.Context, login string) (bool, error) {
	p, err := principal(ctx)
	if err != nil {
		return false, err
	}
	if err := p.RequireRead(); err != nil {
		return false, err
	}
	return read(ctx, db, func(tx *Tx) (bool, error) {
		var n int
		err := tx.queryRow(ctx, "SELECT count(*) FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.login_key = ? AND u.deleted_at IS NULL AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL", loginKey(login)).Scan(&n)
		return n > 0, classify(err)
	})
}

// releaseHiddenLogin frees login for the user with id when a user of a
// deleted subtree still holds it. Deleting a tenant does not mark the users
// of its subtree, so their logins stay in the unique index until one is
// claimed: the holder is then marked deleted with the deleted tenant that
// hides it, as if the deletion had marked it, and a restore of that tenant
// fails on the taken login.
func releaseHiddenLogin(ctx context.Context, tx *Tx, login, id string) error {
	var holder string
	var ownAt, hiddenAt sql.NullInt64
	var ownWith, hiddenBy sql.NullString
	err := tx.queryRow(ctx, `SELECT u.id, t.deleted_at, t.deleted_with, (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1), (SELECT CASE WHEN t.path < h.upper THEN h.tenant_id END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1)
		FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.login_key = ? AND u.deleted_at IS NULL AND u.id <> ?`,
		loginKey(login), id).Scan(&holder, &ownAt, &ownWith, &hiddenAt, &hiddenBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find the login's holder: %w", classify(err))
	}
	at, with := ownAt, ownWith
	if !at.Valid {
		at, with = hiddenAt, hiddenBy
	}
	if !at.Valid {
		return nil
	}
	if _, err := tx.exec(ctx, "UPDATE users SET deleted_at = ?, deleted_with = ?, version = version + 1 WHERE id = ?",
		at.Int64, with.String, holder); err != nil {
		return fmt.Errorf("release login: %w", err)
	}
	return nil
}

// UpdateUser changes a user; see tenantd.UserService.
func (db *DB) UpdateUser(ctx context.Context, id string, upd *tenantd.UserUpdate) (*tenantd.User, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.User, error) {
		u, path, err := findUser(ctx, tx, id, false)
		if err != nil {
			return nil, err
		}
		if !p.CanSee(path) {
			return nil, tenantd.Errorf(tenantd.EFORBIDDEN, "user %s is outside the caller's subtree", id)
		}
		self := isSelf(p, id)
		if !p.CanWrite() && !self {
			return nil, p.RequireWrite()
		}
		if u.Version != upd.Version {
			return nil, versionConflict("user", u.ID, u.Version)
		}
		before := userState(u)
		if err := applyUserUpdate(p, u, upd, self, tx); err != nil {
			return nil, err
		}
		u.Version++
		u.UpdatedAt = tx.now
		contact, err := json.Marshal(u.Contact)
		if err != nil {
			return nil, fmt.Errorf("encode contact: %w", err)
		}
		if err := releaseHiddenLogin(ctx, tx, u.Login, u.ID); err != nil {
			return nil, err
		}
		_, err = tx.exec(ctx, `UPDATE users SET login = ?, login_key = ?, version = ?, enabled = ?, contact = ?,
			search_key = ?, language = ?, business_types = ?, notifications = ?, idp_id = ?, external_id = ?,
			disable_after = ?, updated_at = ? WHERE id = ?`,
			u.Login, loginKey(u.Login), u.Version, u.Enabled, string(contact), userSearchKey(u), u.Language,
			jsonList(u.BusinessTypes), jsonList(u.Notifications), u.IDPID, nullString(u.ExternalID),
			nullMicros(u.DisableAfter), micros(u.UpdatedAt), u.ID)
		if errors.Is(err, errUnique) {
			return nil, loginConflict(u.Login)
		}
		if err != nil {
			return nil, fmt.Errorf("update user: %w", err)
		}
		if err := audit(ctx, tx, change{tenantID: u.TenantID, path: path, objectType: tenantd.ObjectUser, objectID: u.ID,
			action: tenantd.ActionUpdate, before: before, after: userState(u)}); err != nil {
			return nil, err
		}
		return u, nil
	})
}

// applyUserUpdate changes u in memory. A user without administrator rights
// changes only its own contact, language and notifications.
func applyUserUpdate(p *tenantd.Principal, u *tenantd.User, upd *tenantd.UserUpdate, self bool, tx *Tx) error {
	admin := p.CanWrite()
	changes := func(what string) error {
		if !admin {
			return tenantd.Errorf(tenantd.EFORBIDDEN, "only an administrator may change a user's %s", what)
		}
		return nil
	}
	if upd.Login != nil && *upd.Login != u.Login {
		if err := changes("login"); err != nil {
			return err
		}
		u.Login = *upd.Login
	}
	if upd.Enabled != nil && *upd.Enabled != u.Enabled {
		if err := changes("enabled flag"); err != nil {
			return err
		}
		if self {
			return tenantd.Errorf(tenantd.EFORBIDDEN, "a user may not enable or disable itself")
		}
		u.Enabled = *upd.Enabled
	}
	if upd.BusinessTypesSet && !sameSet(upd.BusinessTypes, u.BusinessTypes) {
		if err := changes("business types"); err != nil {
			return err
		}
		u.BusinessTypes = append([]string{}, upd.BusinessTypes...)
	}
	if upd.ExternalIDSet && !sameString(upd.ExternalID, u.ExternalID) {
		if err := changes("external id"); err != nil {
			return err
		}
		u.ExternalID = upd.ExternalID
	}
	if upd.IDPID != nil && *upd.IDPID != u.IDPID {
		if err := changes("identity provider"); err != nil {
			return err
		}
		u.IDPID = *upd.IDPID
	}
	if upd.DisableAfterSet && !sameTime(upd.DisableAfter, u.DisableAfter) {
		if err := changes("expiry"); err != nil {
			return err
		}
		u.DisableAfter = upd.DisableAfter
	}
	if upd.Language != nil {
		u.Language = *upd.Language
	}
	if upd.NotificationsSet {
		u.Notifications = append([]string{}, upd.Notifications...)
	}
	if upd.Contact != nil {
		u.Contact.Apply(upd.Contact, tx.now)
	}
	return nil
}

func sameTime(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

func sameString(a, b *string) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	in := map[string]bool{}
	for _, s := range a {
		in[s] = true
	}
	for _, s := range b {
		if !in[s] {
			return false
		}
	}
	return true
}

// DeleteUser soft-deletes a user; see tenantd.UserService.
func (db *DB) DeleteUser(ctx context.Context, id string, version int64) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	_, err = write(ctx, db, func(tx *Tx) (struct{}, error) {
		u, err := writableUser(ctx, tx, p, id)
		if err != nil {
			return struct{}{}, err
		}
		if isSelf(p, id) {
			return struct{}{}, tenantd.Errorf(tenantd.EFORBIDDEN, "a user may not delete itself")
		}
		if u.Version != version {
			return struct{}{}, versionConflict("user", u.ID, u.Version)
		}
		before := userState(u)
		now := micros(tx.now)
		if _, err := tx.exec(ctx, "UPDATE users SET deleted_at = ?, deleted_with = ?, updated_at = ?, version = version + 1 WHERE id = ?",
			now, u.ID, now, u.ID); err != nil {
			return struct{}{}, fmt.Errorf("delete user: %w", err)
		}
		if err := auditUser(ctx, tx, u.ID, tenantd.ActionDelete, before); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, endUserSessions(ctx, tx, u.ID)
	})
	return err
}

// endUserSessions removes the sessions and one-time tokens of a user.
func endUserSessions(ctx context.Context, tx *Tx, userID string) error {
	if _, err := tx.exec(ctx, "DELETE FROM sessions WHERE user_id = ?", userID); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	if _, err := tx.exec(ctx, "DELETE FROM one_time_tokens WHERE user_id = ?", userID); err != nil {
		return fmt.Errorf("drop one-time tokens: %w", err)
	}
	return nil
}

// RestoreUser brings back a deleted user; see tenantd.UserService.
func (db *DB) RestoreUser(ctx context.Context, id string) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	_, err = write(ctx, db, func(tx *Tx) (struct{}, error) {
		u, path, err := findUser(ctx, tx, id, true)
		if err != nil {
			return struct{}{}, err
		}
		if !p.CanSee(path) {
			return struct{}{}, tenantd.Errorf(tenantd.EFORBIDDEN, "user %s is outside the caller's subtree", id)
		}
		if err := p.RequireWrite(); err != nil {
			return struct{}{}, err
		}
		if u.DeletedAt == nil {
			return struct{}{}, tenantd.Errorf(tenantd.ENOTFOUND, "user %s is not deleted", id)
		}
		if u.DeletedAt.Before(tx.now.Add(-db.retention())) {
			return struct{}{}, tenantd.Errorf(tenantd.ENOTFOUND, "user %s was deleted before the retention period", id)
		}
		if _, err := findTenant(ctx, tx, u.TenantID, false); err != nil {
			return struct{}{}, tenantd.CodedErrorf(tenantd.ECONFLICT, tenantd.CodeParentDeleted, "the tenant of user %s is deleted: restore it first", id)
		}
		before := userState(u)
		now := micros(tx.now)
		_, err = tx.exec(ctx, "UPDATE users SET deleted_at = NULL, deleted_with = NULL, updated_at = ?, version = version + 1 WHERE id = ?", now, u.ID)
		if errors.Is(err, errUnique) {
			return struct{}{}, loginConflict(u.Login)
		}
		if err != nil {
			return struct{}{}, fmt.Errorf("restore user: %w", err)
		}
		if err := auditUser(ctx, tx, u.ID, tenantd.ActionRestore, before); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, nil
	})
	return err
}

// AccessPolicies returns a user's roles; see tenantd.UserService.
func (db *DB) AccessPolicies(ctx context.Context, userID string) ([]tenantd.AccessPolicy, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]tenantd.AccessPolicy, error) {
		if _, err := readableUser(ctx, tx, p, userID, false); err != nil {
			return nil, err
		}
		return accessPolicies(ctx, tx, userID)
	})
}

func accessPolicies(ctx context.Context, tx *Tx, userID string) ([]tenantd.AccessPolicy, error) {
	rows, err := tx.query(ctx, `SELECT id, user_id, tenant_id, role_id, issuer_id, version, created_at, updated_at
		FROM access_policies WHERE user_id = ? ORDER BY role_id, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("query access policies: %w", err)
	}
	defer rows.Close()
	out := []tenantd.AccessPolicy{}
	for rows.Next() {
		var a tenantd.AccessPolicy
		var created, updated int64
		if err := rows.Scan(&a.ID, &a.TrusteeID, &a.TenantID, &a.RoleID, &a.IssuerID, &a.Version, &created, &updated); err != nil {
			return nil, classify(err)
		}
		a.TrusteeType, a.CreatedAt, a.UpdatedAt = "user", fromMicros(created), fromMicros(updated)
		out = append(out, a)
	}
	return out, classify(rows.Err())
}

// userRoles returns the roles a user holds.
func userRoles(ctx context.Context, tx *Tx, userID string) ([]string, error) {
	policies, err := accessPolicies(ctx, tx, userID)
	if err != nil {
		return nil, err
	}
	roles := make([]string, 0, len(policies))
	for _, a := range policies {
		roles = append(roles, a.RoleID)
	}
	return roles, nil
}

// SetAccessPolicies replaces a user's roles; see tenantd.UserService.
func (db *DB) SetAccessPolicies(ctx context.Context, userID string, policies []tenantd.AccessPolicy) ([]tenantd.AccessPolicy, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) ([]tenantd.AccessPolicy, error) {
		u, err := writableUser(ctx, tx, p, userID)
		if err != nil {
			return nil, err
		}
		if isSelf(p, userID) {
			return nil, tenantd.Errorf(tenantd.EFORBIDDEN, "a user may not change its own roles")
		}
		t, err := findTenant(ctx, tx, u.TenantID, false)
		if err != nil {
			return nil, err
		}
		want := map[string]bool{}
		for _, a := range policies {
			switch {
			case !tenantd.KnownRole(a.RoleID):
				return nil, tenantd.Errorf(tenantd.EINVALID, "role %q is not a role", a.RoleID)
			case a.TenantID != u.TenantID:
				return nil, tenantd.Errorf(tenantd.EINVALID, "a user holds roles on its own tenant %s only, not on %s", u.TenantID, a.TenantID)
			case !tenantd.RoleAllowedOn(a.RoleID, t.Kind):
				return nil, tenantd.Errorf(tenantd.EINVALID, "role %s cannot be held on a %s tenant", a.RoleID, t.Kind)
			case a.TrusteeID != "" && a.TrusteeID != zeroID && a.TrusteeID != u.ID:
				return nil, tenantd.Errorf(tenantd.EINVALID, "trustee_id %s is not user %s", a.TrusteeID, u.ID)
			case a.TrusteeType != "" && a.TrusteeType != "user":
				return nil, tenantd.Errorf(tenantd.EINVALID, "trustee_type %q is not supported; use user", a.TrusteeType)
			}
			want[a.RoleID] = true
		}
		current, err := accessPolicies(ctx, tx, u.ID)
		if err != nil {
			return nil, err
		}
		have := map[string]bool{}
		for _, a := range current {
			have[a.RoleID] = true
			if !want[a.RoleID] {
				if _, err := tx.exec(ctx, "DELETE FROM access_policies WHERE id = ?", a.ID); err != nil {
					return nil, fmt.Errorf("delete access policy: %w", err)
				}
			}
		}
		for role := range want {
			if have[role] {
				continue
			}
			if _, err := tx.exec(ctx, `INSERT INTO access_policies (id, user_id, tenant_id, role_id, issuer_id, version, created_at, updated_at)
				VALUES (?,?,?,?,?,?,?,?)`, tenantd.NewID(), u.ID, u.TenantID, role, p.ID, micros(tx.now)/1000, micros(tx.now), micros(tx.now)); err != nil {
				return nil, fmt.Errorf("insert access policy: %w", err)
			}
		}
		after, err := accessPolicies(ctx, tx, u.ID)
		if err != nil {
			return nil, err
		}
		if err := audit(ctx, tx, change{tenantID: u.TenantID, path: t.Path, objectType: tenantd.ObjectAccessPolicies, objectID: u.ID,
			action: tenantd.ActionSet, before: policiesState(current), after: policiesState(after)}); err != nil {
			return nil, err
		}
		return after, nil
	})
}

// zeroID is the id clients send for objects whose id the server assigns.
const zeroID = "00000000-0000-0000-0000-000000000000"

// hashPassword hashes a new password at the store's cost.
func (db *DB) hashPassword(password string) (string, error) {
	if db.PasswordHashCost != nil {
		return db.PasswordHashCost.Hash(password)
	}
	return auth.HashPassword(password)
}

// SetPassword sets a user's password; see tenantd.UserService.
func (db *DB) SetPassword(ctx context.Context, userID, password string) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	if err := tenantd.ValidatePassword(password); err != nil {
		return err
	}
	hash, err := db.hashPassword(password)
	if err != nil {
		return err
	}
	_, err = write(ctx, db, func(tx *Tx) (struct{}, error) {
		u, path, err := findUser(ctx, tx, userID, false)
		if err != nil {
			return struct{}{}, err
		}
		if !p.CanSee(path) {
			return struct{}{}, tenantd.Errorf(tenantd.EFORBIDDEN, "user %s is outside the caller's subtree", userID)
		}
		if !isSelf(p, userID) {
			if err := p.RequireWrite(); err != nil {
				return struct{}{}, err
			}
		}
		before := userState(u)
		if err := setPassword(ctx, tx, u, hash); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, audit(ctx, tx, change{tenantID: u.TenantID, path: path, objectType: tenantd.ObjectUser, objectID: u.ID,
			action: tenantd.ActionSetPassword, before: before, after: userState(u)})
	})
	return err
}

// setPassword stores a password hash and marks the user activated, which
// is a change of the user's own fields when it was not activated yet.
func setPassword(ctx context.Context, tx *Tx, u *tenantd.User, hash string) error {
	bump := 0
	if !u.Activated {
		bump = 1
	}
	_, err := tx.exec(ctx, "UPDATE users SET password_hash = ?, activated = TRUE, version = version + ?, updated_at = ? WHERE id = ?",
		hash, bump, micros(tx.now), u.ID)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	u.Activated = true
	u.Version += int64(bump)
	u.UpdatedAt = tx.now
	return nil
}

// FindUserByLogin returns a user by login; see tenantd.UserService.
func (db *DB) FindUserByLogin(ctx context.Context, login string) (*tenantd.User, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.User, error) {
		var id string
		err := tx.queryRow(ctx, "SELECT id FROM users WHERE login_key = ? AND deleted_at IS NULL", loginKey(login)).Scan(&id)
		if err != nil {
			return nil, tenantd.Errorf(tenantd.ENOTFOUND, "no user has the login %q", login)
		}
		u, err := readableUser(ctx, tx, p, id, false)
		if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
			return nil, tenantd.Errorf(tenantd.ENOTFOUND, "no user has the login %q", login)
		}
		return u, err
	})
}

// Me returns the principal's user and tenant; see tenantd.UserService.
func (db *DB) Me(ctx context.Context) (*tenantd.Self, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if p.Type != tenantd.PrincipalUser && p.Type != tenantd.PrincipalClient {
		return nil, tenantd.Errorf(tenantd.ENOTFOUND, "the caller is not a user")
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.Self, error) {
		var (
			u   *tenantd.User
			t   *tenantd.Tenant
			err error
		)
		if p.Type == tenantd.PrincipalClient {
			u, t, err = clientAsUser(ctx, tx, p.ID)
		} else if u, _, err = findUser(ctx, tx, p.ID, false); err == nil {
			t, err = findTenant(ctx, tx, u.TenantID, false)
		}
		if err != nil {
			return nil, err
		}
		self := &tenantd.Self{User: u, Tenant: t}
		b, err := effectiveBrand(ctx, tx, t.Path)
		switch {
		case err == nil:
			self.BrandID = b.ID
		case tenantd.ErrorKind(err) != tenantd.ENOTFOUND:
			return nil, err
		}
		return self, nil
	})
}

// clientAsUser is the user-shaped record of an API client: its id, its
// tenant, its client_name as the login, and no personal data. Client code
// written for the platform reads tenant_id from GET /users/me right after
// taking a client_credentials token.
func clientAsUser(ctx context.Context, tx *Tx, id string) (*tenantd.User, *tenantd.Tenant, error) {
	c, _, err := findClient(ctx, tx, id, false)
	if err != nil {
		return nil, nil, err
	}
	t, err := findTenant(ctx, tx, c.TenantID, false)
	if err != nil {
		return nil, nil, err
	}
	return &tenantd.User{
		ID:            c.ID,
		TenantID:      c.TenantID,
		Login:         c.Name(),
		Version:       1,
		Enabled:       c.Status == tenantd.ClientStatusEnabled,
		Activated:     true,
		Language:      t.Language,
		BusinessTypes: []string{},
		Notifications: []string{},
		IDPID:         t.DefaultIDPID,
		MFAStatus:     "disabled",
		Contact:       tenantd.Contact{ID: c.ID, Types: []string{}},
		CreatedAt:     c.CreatedAt,
		UpdatedAt:     c.CreatedAt,
	}, t, nil
}
