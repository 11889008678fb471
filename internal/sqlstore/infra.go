package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/tenantd/tenantd"
)

const infraColumns = `i.id, i.owner_tenant_id, i.location_id, i.name, i.url, i.capabilities, i.content_url,
	i.content_mobile_url, i.backend_type, i.version, i.readonly, t.path`

// scanInfra reads an infrastructure and the path of its owner.
func scanInfra(s scanner) (*tenantd.Infra, string, error) {
	var (
		x                           tenantd.Infra
		caps, path                  string
		contentURL, mobile, backend sql.NullString
	)
	if err := s.Scan(&x.ID, &x.OwnerTenantID, &x.LocationID, &x.Name, &x.URL, &caps, &contentURL, &mobile, &backend,
		&x.Version, &x.ReadOnly, &path); err != nil {
		return nil, "", classify(err)
	}
	if err := json.Unmarshal([]byte(caps), &x.Capabilities); err != nil {
		return nil, "", fmt.Errorf("decode capabilities of infrastructure %s: %w", x.ID, err)
	}
	x.ContentURL, x.ContentMobileURL, x.BackendType = fromNullString(contentURL), fromNullString(mobile), fromNullString(backend)
	x.PlatformOwned = tenantd.PathDepth(path) == 0
	return &x, path, nil
}

// findInfra returns an infrastructure whoever may see it, with its owner's
// path; in a write transaction it holds the row.
func findInfra(ctx context.Context, tx *Tx, id string) (*tenantd.Infra, string, error) {
	q := "SELECT " + infraColumns + " FROM infra i JOIN tenants t ON t.id = i.owner_tenant_id WHERE i.id = ?"
	x, path, err := scanInfra(tx.queryRow(ctx, q+tx.forUpdate("i"), id))
	if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
		return nil, "", tenantd.Errorf(tenantd.ENOTFOUND, "infrastructure %s not found", id)
	}
	return x, path, err
}

func infraFor(p *tenantd.Principal, x *tenantd.Infra, ownerPath string) *tenantd.Infra {
	x.ReadOnly = x.ReadOnly || !p.CanSee(ownerPath) || !p.CanWrite()
	return x
}

// usableLocation checks that the tenant with ownerPath may put
// infrastructure at location id: a location of its own or of an ancestor
// (the platform's included).
func usableLocation(ctx context.Context, tx *Tx, p *tenantd.Principal, id, ownerPath string) error {
	l, path, err := visibleLocation(ctx, tx, p, id)
	if err != nil {
		return err
	}
	if !tenantd.InSubtree(ownerPath, path) {
		return tenantd.Errorf(tenantd.EINVALID, "location %s belongs to a tenant that is neither the owner nor above it", l.ID).
			With("location_id", l.ID)
	}
	return nil
}

func insertInfra(ctx context.Context, tx *Tx, x *tenantd.Infra) error {
	caps, err := json.Marshal(x.Capabilities)
	if err != nil {
		return fmt.Errorf("encode capabilities: %w", err)
	}
	_, err = tx.exec(ctx, `INSERT INTO infra (id, owner_tenant_id, location_id, name, url, capabilities, content_url,
		content_mobile_url, backend_type, version, readonly, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		x.ID, x.OwnerTenantID, x.LocationID, x.Name, x.URL, string(caps), nullString(x.ContentURL),
		nullString(x.ContentMobileURL), nullString(x.BackendType), x.Version, false, micros(tx.now), micros(tx.now))
	if err != nil {
		return fmt.Errorf("insert infrastructure: %w", err)
	}
	return nil
}

// RegisterInfra registers an infrastructure; see tenantd.LocationService.
func (db *DB) RegisterInfra(ctx context.Context, c *tenantd.InfraCreate) (*tenantd.Infra, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.Infra, error) {
		t, err := writableTenant(ctx, tx, p, c.OwnerTenantID)
		if err != nil {
			return nil, err
		}
		if err := usableLocation(ctx, tx, p, c.LocationID, t.Path); err != nil {
			return nil, err
		}
		x := &tenantd.Infra{ID: tenantd.NewID(), OwnerTenantID: t.ID, LocationID: c.LocationID, PlatformOwned: t.Depth() == 0,
			Name: c.Name, URL: c.URL, Capabilities: c.Capabilities, ContentURL: c.ContentURL,
			ContentMobileURL: c.ContentMobileURL, BackendType: c.BackendType, Version: 1}
		if err := insertInfra(ctx, tx, x); err != nil {
			return nil, err
		}
		if err := audit(ctx, tx, change{tenantID: t.ID, path: t.Path, objectType: tenantd.ObjectInfra, objectID: x.ID,
			action: tenantd.ActionCreate, after: state(x)}); err != nil {
			return nil, err
		}
		return x, nil
	})
}

// FindInfraByID returns a visible infrastructure; see
// tenantd.LocationService.
func (db *DB) FindInfraByID(ctx context.Context, id string) (*tenantd.Infra, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.Infra, error) {
		x, path, err := findInfra(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if !canSeeOwned(p, path) {
			if p.CanSee(path) || tenantd.InSubtree(p.TenantPath, path) {
				return nil, p.RequireRead()
			}
			return nil, tenantd.Errorf(tenantd.ENOTFOUND, "infrastructure %s not found", id)
		}
		return infraFor(p, x, path), nil
	})
}

// FindInfras returns the visible infrastructure among ids; see
// tenantd.LocationService.
func (db *DB) FindInfras(ctx context.Context, ids []string) ([]*tenantd.Infra, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]*tenantd.Infra, error) {
		out := []*tenantd.Infra{}
		if len(ids) == 0 {
			return out, nil
		}
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		rows, err := tx.query(ctx, "SELECT "+infraColumns+" FROM infra i JOIN tenants t ON t.id = i.owner_tenant_id WHERE i.id IN ("+
			placeholders(len(ids))+")", args...)
		if err != nil {
			return nil, fmt.Errorf("query infrastructure: %w", err)
		}
		defer rows.Close()
		byID := map[string]*tenantd.Infra{}
		for rows.Next() {
			x, path, err := scanInfra(rows)
			if err != nil {
				return nil, err
			}
			if canSeeOwned(p, path) {
				byID[x.ID] = infraFor(p, x, path)
			}
		}
		if err := rows.Err(); err != nil {
			return nil, classify(err)
		}
		for _, id := range ids {
			if x, ok := byID[id]; ok {
				out = append(out, x)
				delete(byID, id)
			}
		}
		return out, nil
	})
}

// writableInfra returns an infrastructure for a change by the principal,
// checking its version.
func writableInfra(ctx context.Context, tx *Tx, p *tenantd.Principal, id string, version int64) (*tenantd.Infra, string, error) {
	x, path, err := findInfra(ctx, tx, id)
	if err != nil {
		return nil, "", err
	}
	if err := checkOwnedWrite(p, "infrastructure", id, path, x.ReadOnly); err != nil {
		return nil, "", err
	}
	if x.Version != version {
		return nil, "", versionConflict("infrastructure", id, x.Version)
	}
	return x, path, nil
}

// UpdateInfra changes an infrastructure; see tenantd.LocationService.
func (db *DB) UpdateInfra(ctx context.Context, id string, u *tenantd.InfraUpdate) (*tenantd.Infra, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.Infra, error) {
		x, path, err := writableInfra(ctx, tx, p, id, u.Version)
		if err != nil {
			return nil, err
		}
		before := state(x)
		if u.LocationID != nil && *u.LocationID != x.LocationID {
			if err := usableLocation(ctx, tx, p, *u.LocationID, path); err != nil {
				return nil, err
			}
			x.LocationID = *u.LocationID
		}
		if u.Name != nil {
			x.Name = *u.Name
		}
		if u.URL != nil {
			x.URL = *u.URL
		}
		if u.CapabilitiesSet {
			x.Capabilities = u.Capabilities
		}
		if u.ContentURL != nil {
			x.ContentURL = u.ContentURL
		}
		if u.ContentMobileURL != nil {
			x.ContentMobileURL = u.ContentMobileURL
		}
		if u.BackendType != nil {
			x.BackendType = u.BackendType
		}
		if u.ClearBackendType {
			x.BackendType = nil
		}
		x.Version++
		caps, err := json.Marshal(x.Capabilities)
		if err != nil {
			return nil, fmt.Errorf("encode capabilities: %w", err)
		}
		if _, err := tx.exec(ctx, `UPDATE infra SET location_id = ?, name = ?, url = ?, capabilities = ?, content_url = ?,
			content_mobile_url = ?, backend_type = ?, version = ?, updated_at = ? WHERE id = ?`,
			x.LocationID, x.Name, x.URL, string(caps), nullString(x.ContentURL), nullString(x.ContentMobileURL),
			nullString(x.BackendType), x.Version, micros(tx.now), x.ID); err != nil {
			return nil, fmt.Errorf("update infrastructure: %w", err)
		}
		if err := audit(ctx, tx, change{tenantID: x.OwnerTenantID, path: path, objectType: tenantd.ObjectInfra, objectID: x.ID,
			action: tenantd.ActionUpdate, before: before, after: state(x)}); err != nil {
			return nil, err
		}
		return x, nil
	})
}

// UnregisterInfra removes an infrastructure; see tenantd.LocationService.
func (db *DB) UnregisterInfra(ctx context.Context, id string, version int64, force bool) error {
	p, err := writer(ctx)
	if err != nil {
		return err
	}
	_, err = write(ctx, db, func(tx *Tx) (struct{}, error) {
		x, path, err := writableInfra(ctx, tx, p, id, version)
		if err != nil {
			return struct{}{}, err
		}
		var n int
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM offering_items WHERE infra_id = ?", id).Scan(&n); err != nil {
			return struct{}{}, fmt.Errorf("count offering items: %w", classify(err))
		}
		if n > 0 && !force {
			return struct{}{}, tenantd.Errorf(tenantd.ECONFLICT,
				"%d offering item(s) offer infrastructure %s; move them or unregister with force", n, id).With("offering_items", n)
		}
		// With force, the items fall back to the catalog's storage.
		if _, err := tx.exec(ctx, "UPDATE offering_items SET infra_id = NULL, updated_at = ? WHERE infra_id = ?", micros(tx.now), id); err != nil {
			return struct{}{}, fmt.Errorf("release offering items: %w", err)
		}
		if _, err := tx.exec(ctx, "DELETE FROM infra WHERE id = ?", id); err != nil {
			return struct{}{}, fmt.Errorf("delete infrastructure: %w", err)
		}
		return struct{}{}, audit(ctx, tx, change{tenantID: x.OwnerTenantID, path: path, objectType: tenantd.ObjectInfra,
			objectID: x.ID, action: tenantd.ActionDelete, before: state(x)})
	})
	return err
}
