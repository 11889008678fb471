package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tenantd/tenantd"
)

var _ tenantd.LocationService = (*DB)(nil)

const locationColumns = `l.id, l.owner_tenant_id, l.name, l.version, l.readonly, t.path`

// scanLocation reads a location and the path of its owner.
func scanLocation(s scanner) (*tenantd.Location, string, error) {
	var (
		l    tenantd.Location
		path string
	)
	if err := s.Scan(&l.ID, &l.OwnerTenantID, &l.Name, &l.Version, &l.ReadOnly, &path); err != nil {
		return nil, "", classify(err)
	}
	l.PlatformOwned = tenantd.PathDepth(path) == 0
	return &l, path, nil
}

// findLocation returns a location whoever may see it, with its owner's
// path; in a write transaction it holds the row.
func findLocation(ctx context.Context, tx *Tx, id string) (*tenantd.Location, string, error) {
	q := "SELECT " + locationColumns + " FROM locations l JOIN tenants t ON t.id = l.owner_tenant_id WHERE l.id = ?"
	l, path, err := scanLocation(tx.queryRow(ctx, q+tx.forUpdate("l"), id))
	if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
		return nil, "", tenantd.Errorf(tenantd.ENOTFOUND, "location %s not found", id)
	}
	return l, path, err
}

// canSeeOwned reports whether the principal may read what a tenant with
// path owns: everything platform-owned, and, if its roles let it read, what
// is owned in its subtree or by an ancestor of its home tenant (the
// locations its tenant may use).
func canSeeOwned(p *tenantd.Principal, ownerPath string) bool {
	return tenantd.PathDepth(ownerPath) == 0 ||
		(p.CanRead() && (p.CanSee(ownerPath) || tenantd.InSubtree(p.TenantPath, ownerPath)))
}

// checkOwnedWrite refuses a change by the principal to what a tenant with
// ownerPath owns unless the owner is in its subtree; readonly things (the
// catalog's) nobody changes.
func checkOwnedWrite(p *tenantd.Principal, what, id, ownerPath string, readonly bool) error {
	if !p.CanSee(ownerPath) {
		if tenantd.PathDepth(ownerPath) == 0 {
			return tenantd.Errorf(tenantd.EFORBIDDEN, "the %s %s is platform-owned: only root administrators change it", what, id)
		}
		return tenantd.Errorf(tenantd.EFORBIDDEN, "the %s %s is outside the caller's subtree", what, id)
	}
	if readonly {
		return tenantd.Errorf(tenantd.EFORBIDDEN, "the %s %s is part of the catalog and read-only", what, id)
	}
	return nil
}

// visibleLocation returns a location the principal may read.
func visibleLocation(ctx context.Context, tx *Tx, p *tenantd.Principal, id string) (*tenantd.Location, string, error) {
	l, path, err := findLocation(ctx, tx, id)
	if err != nil {
		return nil, "", err
	}
	if !canSeeOwned(p, path) {
		if p.CanSee(path) || tenantd.InSubtree(p.TenantPath, path) {
			return nil, "", p.RequireRead()
		}
		return nil, "", tenantd.Errorf(tenantd.ENOTFOUND, "location %s not found", id)
	}
	return l, path, nil
}

// withReadonly sets the readonly flag of what the principal may not change.
func locationFor(p *tenantd.Principal, l *tenantd.Location, ownerPath string) *tenantd.Location {
	l.ReadOnly = l.ReadOnly || !p.CanSee(ownerPath) || !p.CanWrite()
	return l
}

// CreateLocation creates a location; see tenantd.LocationService.
func (db *DB) CreateLocation(ctx context.Context, c *tenantd.LocationCreate) (*tenantd.Location, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.Location, error) {
		t, err := writableTenant(ctx, tx, p, c.OwnerTenantID)
		if err != nil {
			return nil, err
		}
		l := &tenantd.Location{ID: tenantd.NewID(), OwnerTenantID: t.ID, PlatformOwned: t.Depth() == 0, Name: c.Name, Version: 1}
		if _, err := tx.exec(ctx, `INSERT INTO locations (id, owner_tenant_id, name, version, readonly, created_at, updated_at)
			VALUES (?,?,?,?,?,?,?)`, l.ID, l.OwnerTenantID, l.Name, l.Version, false, micros(tx.now), micros(tx.now)); err != nil {
			return nil, fmt.Errorf("insert location: %w", err)
		}
		if err := audit(ctx, tx, change{tenantID: t.ID, path: t.Path, objectType: tenantd.ObjectLocation, objectID: l.ID,
			action: tenantd.ActionCreate, after: state(l)}); err != nil {
			return nil, err
		}
		return l, nil
	})
}

// FindLocationByID returns a visible location; see tenantd.LocationService.
func (db *DB) FindLocationByID(ctx context.Context, id string) (*tenantd.Location, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.Location, error) {
		l, path, err := visibleLocation(ctx, tx, p, id)
		if err != nil {
			return nil, err
		}
		return locationFor(p, l, path), nil
	})
}

// FindLocations returns the visible locations among ids; see
// tenantd.LocationService.
func (db *DB) FindLocations(ctx context.Context, ids []string) ([]*tenantd.Location, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]*tenantd.Location, error) {
		out := []*tenantd.Location{}
		if len(ids) == 0 {
			return out, nil
		}
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		rows, err := tx.query(ctx, "SELECT "+locationColumns+" FROM locations l JOIN tenants t ON t.id = l.owner_tenant_id WHERE l.id IN ("+
			placeholders(len(ids))+")", args...)
		if err != nil {
			return nil, fmt.Errorf("query locations: %w", err)
		}
		defer rows.Close()
		byID := map[string]*tenantd.Location{}
		for rows.Next() {
			l, path, err := scanLocation(rows)
			if err != nil {
				return nil, err
			}
			if canSeeOwned(p, path) {
				byID[l.ID] = locationFor(p, l, path)
			}
		}
		if err := rows.Err(); err != nil {
			return nil, classify(err)
		}
		for _, id := range ids {
			if l, ok := byID[id]; ok {
				out = append(out, l)
				delete(byID, id)
			}
		}
		return out, nil
	})
}

// writableLocation returns a location for a change by the principal,
// checking its version.
func writableLocation(ctx context.Context, tx *Tx, p *tenantd.Principal, id string, version int64) (*tenantd.Location, string, error) {
	l, path, err := findLocation(ctx, tx, id)
	if err != nil {
		return nil, "", err
	}
	if err := checkOwnedWrite(p, "location", id, path, l.ReadOnly); err != nil {
		return nil, "", err
	}
	if l.Version != version {
		return nil, "", versionConflict("location", id, l.Version)
	}
	return l, path, nil
}

// UpdateLocation renames a location; see tenantd.LocationService.
func (db *DB) UpdateLocation(ctx context.Context, id string, u *tenantd.LocationUpdate) (*tenantd.Location, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.Location, error) {
		l, path, err := writableLocation(ctx, tx, p, id, u.Version)
		if err != nil {
			return nil, err
		}
		before := state(l)
		l.Name, l.Version = u.Name, l.Version+1
		if _, err := tx.exec(ctx, "UPDATE locations SET name = ?, version = ?, updated_at = ? WHERE id = ?",
			l.Name, l.Version, micros(tx.now), l.ID); err != nil {
			return nil, fmt.Errorf("update location: %w", err)
		}
		if err := audit(ctx, tx, change{tenantID: l.OwnerTenantID, path: path, objectType: tenantd.ObjectLocation, objectID: l.ID,
			action: tenantd.ActionUpdate, before: before, after: state(l)}); err != nil {
			return nil, err
		}
		return l, nil
	})
}

// DeleteLocation deletes a location; see tenantd.LocationService.
func (db *DB) DeleteLocation(ctx context.Context, id string, version int64) error {
	p, err := writer(ctx)
	if err != nil {
		return err
	}
	_, err = write(ctx, db, func(tx *Tx) (struct{}, error) {
		l, path, err := writableLocation(ctx, tx, p, id, version)
		if err != nil {
			return struct{}{}, err
		}
		var n int
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM infra WHERE location_id = ?", id).Scan(&n); err != nil {
			return struct{}{}, fmt.Errorf("count infrastructure: %w", classify(err))
		}
		if n > 0 {
			return struct{}{}, tenantd.Errorf(tenantd.ECONFLICT, "location %s still has %d infrastructure component(s); unregister them first", id, n).
				With("infras", n)
		}
		if _, err := tx.exec(ctx, "DELETE FROM locations WHERE id = ?", id); err != nil {
			return struct{}{}, fmt.Errorf("delete location: %w", err)
		}
		return struct{}{}, audit(ctx, tx, change{tenantID: l.OwnerTenantID, path: path, objectType: tenantd.ObjectLocation,
			objectID: l.ID, action: tenantd.ActionDelete, before: state(l)})
	})
	return err
}

// LocationInfra returns the ids of the visible infrastructure at a
// location; see tenantd.LocationService.
func (db *DB) LocationInfra(ctx context.Context, id string) ([]string, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]string, error) {
		if _, _, err := visibleLocation(ctx, tx, p, id); err != nil {
			return nil, err
		}
		rows, err := tx.query(ctx, `SELECT i.id, t.path FROM infra i JOIN tenants t ON t.id = i.owner_tenant_id
			WHERE i.location_id = ? ORDER BY i.created_at, i.id`, id)
		if err != nil {
			return nil, fmt.Errorf("query infrastructure: %w", err)
		}
		defer rows.Close()
		out := []string{}
		for rows.Next() {
			var infraID, path string
			if err := rows.Scan(&infraID, &path); err != nil {
				return nil, classify(err)
			}
			if canSeeOwned(p, path) {
				out = append(out, infraID)
			}
		}
		return out, classify(rows.Err())
	})
}

// TenantLocations returns the locations a tenant may use; see
// tenantd.LocationService.
func (db *DB) TenantLocations(ctx context.Context, tenantID string) ([]string, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]string, error) {
		t, err := visibleTenant(ctx, tx, p, tenantID, false)
		if err != nil {
			return nil, err
		}
		owners := tenantd.PathIDs(t.Path)
		args := make([]any, len(owners))
		for i, id := range owners {
			args[i] = id
		}
		rows, err := tx.query(ctx, "SELECT l.id FROM locations l JOIN tenants t ON t.id = l.owner_tenant_id WHERE l.owner_tenant_id IN ("+
			placeholders(len(owners))+") ORDER BY t.depth, l.created_at, l.id", args...)
		if err != nil {
			return nil, fmt.Errorf("query locations: %w", err)
		}
		defer rows.Close()
		out := []string{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, classify(err)
			}
			out = append(out, id)
		}
		return out, classify(rows.Err())
	})
}

// ensureCatalogInfra gives the catalog's locations and infrastructure to
// the root tenant, leaving those already there alone.
func ensureCatalogInfra(ctx context.Context, tx *Tx, cat *tenantd.Catalog, rootID string) error {
	if cat == nil {
		return nil
	}
	for _, l := range cat.Locations {
		if _, err := tx.exec(ctx, `INSERT INTO locations (id, owner_tenant_id, name, version, readonly, created_at, updated_at)
			VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`, l.ID, rootID, l.Name, 1, true, micros(tx.now), micros(tx.now)); err != nil {
			return fmt.Errorf("insert catalog location: %w", err)
		}
	}
	for _, x := range cat.Infra {
		caps, err := json.Marshal(x.Capabilities)
		if err != nil {
			return fmt.Errorf("encode capabilities: %w", err)
		}
		if _, err := tx.exec(ctx, `INSERT INTO infra (id, owner_tenant_id, location_id, name, url, capabilities, content_url,
			content_mobile_url, backend_type, version, readonly, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
			ON CONFLICT DO NOTHING`, x.ID, rootID, x.LocationID, x.Name, x.URL, string(caps), nullString(x.ContentURL),
			nullString(x.ContentMobileURL), nullString(x.BackendType), 1, true, micros(tx.now), micros(tx.now)); err != nil {
			return fmt.Errorf("insert catalog infrastructure: %w", err)
		}
	}
	return nil
}
