package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/auth"
)

var _ tenantd.ClientService = (*DB)(nil)

const clientColumns = `c.id, c.tenant_id, c.type, c.data, c.token_endpoint_auth_method, c.status, c.redirect_uris,
	c.origin_id, c.created_at, c.created_by, c.last_access_at, c.last_access_from_ip, COALESCE(c.deleted_at, t.deleted_at, (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1)), t.path`

// scanClient reads a client and the path of its tenant.
func scanClient(s scanner) (*tenantd.Client, string, error) {
	var (
		c                     tenantd.Client
		data, redirects, path string
		origin, lastIP        sql.NullString
		createdAt             int64
		lastAccess, deletedAt sql.NullInt64
	)
	err := s.Scan(&c.ID, &c.TenantID, &c.Type, &data, &c.TokenEndpointAuthMethod, &c.Status, &redirects,
		&origin, &createdAt, &c.CreatedBy, &lastAccess, &lastIP, &deletedAt, &path)
	if err != nil {
		return nil, "", classify(err)
	}
	c.Data = json.RawMessage(data)
	if err := json.Unmarshal([]byte(redirects), &c.RedirectURIs); err != nil {
		return nil, "", fmt.Errorf("decode redirect uris of client %s: %w", c.ID, err)
	}
	c.OriginID, c.LastAccessFromIP = fromNullString(origin), fromNullString(lastIP)
	c.CreatedAt, c.LastAccessAt, c.DeletedAt = fromMicros(createdAt), fromNullMicros(lastAccess), fromNullMicros(deletedAt)
	return &c, path, nil
}

// findClient returns a client whoever may see it, with its tenant's path.
func findClient(ctx context.Context, tx *Tx, id string, allowDeleted bool) (*tenantd.Client, string, error) {
	q := "SELECT " + clientColumns + " FROM clients c JOIN tenants t ON t.id = c.tenant_id WHERE c.id = ?"
	if !allowDeleted {
		q += " AND c.deleted_at IS NULL AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL"
	}
	c, path, err := scanClient(tx.queryRow(ctx, q+tx.forUpdate("c"), id))
	if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
		return nil, "", tenantd.Errorf(tenantd.ENOTFOUND, "client %s not found", id)
	}
	return c, path, err
}

// CreateClient creates an API client; see tenantd.ClientService.
func (db *DB) CreateClient(ctx context.Context, cc *tenantd.ClientCreate) (*tenantd.Client, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	if err := cc.Validate(); err != nil {
		return nil, err
	}
	secret, err := auth.NewSecret()
	if err != nil {
		return nil, fmt.Errorf("new secret: %w", err)
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.Client, error) {
		t, err := writableTenant(ctx, tx, p, cc.TenantID)
		if err != nil {
			return nil, err
		}
		c := &tenantd.Client{
			ID: tenantd.NewID(), TenantID: t.ID, Type: cc.Type, Data: cc.Data,
			TokenEndpointAuthMethod: cc.TokenEndpointAuthMethod, Status: tenantd.ClientStatusEnabled,
			RedirectURIs: cc.RedirectURIs, OriginID: cc.OriginID, CreatedAt: tx.now, CreatedBy: p.ID,
			Secret: secret,
		}
		if len(c.Data) == 0 {
			c.Data = json.RawMessage("{}")
		}
		if c.RedirectURIs == nil {
			c.RedirectURIs = []string{}
		}
		redirects, err := json.Marshal(c.RedirectURIs)
		if err != nil {
			return nil, fmt.Errorf("encode redirect uris: %w", err)
		}
		_, err = tx.exec(ctx, `INSERT INTO clients (id, tenant_id, type, data, token_endpoint_auth_method, secret_hash,
			status, redirect_uris, origin_id, created_at, created_by, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
			c.ID, c.TenantID, c.Type, string(c.Data), c.TokenEndpointAuthMethod, auth.HashSecret(secret), c.Status,
			string(redirects), nullString(c.OriginID), micros(c.CreatedAt), c.CreatedBy, micros(tx.now))
		if err != nil {
			return nil, fmt.Errorf("insert client: %w", err)
		}
		if err := audit(ctx, tx, change{tenantID: t.ID, path: t.Path, objectType: tenantd.ObjectClient, objectID: c.ID,
			action: tenantd.ActionCreate, after: clientState(c)}); err != nil {
			return nil, err
		}
		return c, nil
	})
}

// FindClientByID returns a visible client; see tenantd.ClientService.
func (db *DB) FindClientByID(ctx context.Context, id string) (*tenantd.Client, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.Client, error) {
		c, path, err := findClient(ctx, tx, id, false)
		if err != nil {
			return nil, err
		}
		if !p.CanSee(path) {
			return nil, tenantd.Errorf(tenantd.ENOTFOUND, "client %s not found", id)
		}
		return c, p.RequireRead()
	})
}

// FindClients returns the visible clients matching f; see
// tenantd.ClientService.
func (db *DB) FindClients(ctx context.Context, f tenantd.ClientFilter) ([]*tenantd.Client, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.RequireRead(); err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]*tenantd.Client, error) {
		where := []string{"t.path >= ?", "t.path < ?"}
		args := []any{p.TenantPath, subtreeUpper(p.TenantPath)}
		if len(f.IDs) > 0 {
			where = append(where, "c.id IN ("+placeholders(len(f.IDs))+")")
			for _, id := range f.IDs {
				args = append(args, id)
			}
		}
		if f.OriginID != nil {
			where = append(where, "c.origin_id = ?")
			args = append(args, *f.OriginID)
		}
		if !f.AllowDeleted {
			where = append(where, "c.deleted_at IS NULL AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL")
		}
		rows, err := tx.query(ctx, "SELECT "+clientColumns+" FROM clients c JOIN tenants t ON t.id = c.tenant_id WHERE "+
			strings.Join(where, " AND ")+" ORDER BY c.created_at, c.id LIMIT 10000", args...)
		if err != nil {
			return nil, fmt.Errorf("query clients: %w", err)
		}
		defer rows.Close()
		out := []*tenantd.Client{}
		for rows.Next() {
			c, _, err := scanClient(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, classify(rows.Err())
	})
}

// writableClient returns a live client for a change by the principal.
func writableClient(ctx context.Context, tx *Tx, p *tenantd.Principal, id string) (*tenantd.Client, error) {
	c, path, err := findClient(ctx, tx, id, false)
	if err != nil {
		return nil, err
	}
	if !p.CanSee(path) {
		return nil, tenantd.Errorf(tenantd.EFORBIDDEN, "client %s is outside the caller's subtree", id)
	}
	return c, nil
}

// UpdateClient changes a client; see tenantd.ClientService.
func (db *DB) UpdateClient(ctx context.Context, id string, u *tenantd.ClientUpdate) (*tenantd.Client, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.Client, error) {
		c, err := writableClient(ctx, tx, p, id)
		if err != nil {
			return nil, err
		}
		before := clientState(c)
		if u.Data != nil {
			c.Data = u.Data
		}
		if u.Status != nil {
			c.Status = *u.Status
		}
		if u.RedirectSet {
			c.RedirectURIs = u.RedirectURIs
			if c.RedirectURIs == nil {
				c.RedirectURIs = []string{}
			}
		}
		if u.OriginID != nil {
			c.OriginID = u.OriginID
		}
		redirects, err := json.Marshal(c.RedirectURIs)
		if err != nil {
			return nil, fmt.Errorf("encode redirect uris: %w", err)
		}
		_, err = tx.exec(ctx, "UPDATE clients SET data = ?, status = ?, redirect_uris = ?, origin_id = ?, updated_at = ? WHERE id = ?",
			string(c.Data), c.Status, string(redirects), nullString(c.OriginID), micros(tx.now), c.ID)
		if err != nil {
			return nil, fmt.Errorf("update client: %w", err)
		}
		if err := audit(ctx, tx, change{tenantID: c.TenantID, objectType: tenantd.ObjectClient, objectID: c.ID,
			action: tenantd.ActionUpdate, before: before, after: clientState(c)}); err != nil {
			return nil, err
		}
		return c, nil
	})
}

// DeleteClient deletes a client; see tenantd.ClientService.
func (db *DB) DeleteClient(ctx context.Context, id string) error {
	p, err := writer(ctx)
	if err != nil {
		return err
	}
	_, err = write(ctx, db, func(tx *Tx) (struct{}, error) {
		c, err := writableClient(ctx, tx, p, id)
		if err != nil {
			return struct{}{}, err
		}
		now := micros(tx.now)
		_, err = tx.exec(ctx, "UPDATE clients SET deleted_at = ?, deleted_with = ?, updated_at = ? WHERE id = ?", now, c.ID, now, c.ID)
		if err != nil {
			return struct{}{}, fmt.Errorf("delete client: %w", err)
		}
		before := clientState(c)
		c.DeletedAt = &tx.now
		if err := audit(ctx, tx, change{tenantID: c.TenantID, objectType: tenantd.ObjectClient, objectID: c.ID,
			action: tenantd.ActionDelete, before: before, after: clientState(c)}); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, nil
	})
	return err
}
