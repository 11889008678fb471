package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tenantd/tenantd"
)

// Ensure DB implements the service.
var _ tenantd.TenantService = (*DB)(nil)

// tenantColumns are the columns scanTenant reads, in its order.
const tenantColumns = `t.id, t.parent_id, t.path, t.kind, t.name, t.enabled, t.version, t.customer_type,
	t.customer_id, t.internal_tag, t.language, t.owner_id, t.default_idp_id, t.update_lock_enabled,
	t.update_lock_owner, t.ancestral_access, t.mfa_status, t.pricing_mode, t.production_start_date,
	t.brand_enabled, t.external_operation_status, t.enhanced_security, t.contact, t.created_at,
	t.updated_at, COALESCE(t.deleted_at, (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1)),
	EXISTS (SELECT 1 FROM tenants c WHERE c.parent_id = t.id AND c.id <> t.id AND c.deleted_at IS NULL),
	(SELECT b.id FROM brands b WHERE b.tenant_id = t.id)`

type scanner interface{ Scan(dest ...any) error }

func scanTenant(s scanner) (*tenantd.Tenant, error) {
	var (
		t                                tenantd.Tenant
		kind, contact                    string
		customerID, internalTag, ownerID sql.NullString
		lockOwner, extStatus, brandUUID  sql.NullString
		productionStart, deletedAt       sql.NullInt64
		createdAt, updatedAt             int64
	)
	err := s.Scan(&t.ID, &t.ParentID, &t.Path, &kind, &t.Name, &t.Enabled, &t.Version, &t.CustomerType,
		&customerID, &internalTag, &t.Language, &ownerID, &t.DefaultIDPID, &t.UpdateLock.Enabled,
		&lockOwner, &t.AncestralAccess, &t.MFAStatus, &t.PricingMode, &productionStart,
		&t.BrandEnabled, &extStatus, &t.EnhancedSecurity, &contact, &createdAt,
		&updatedAt, &deletedAt, &t.HasChildren, &brandUUID)
	if err != nil {
		return nil, classify(err)
	}
	t.Kind = tenantd.TenantKind(kind)
	t.CustomerID, t.InternalTag, t.OwnerID = fromNullString(customerID), fromNullString(internalTag), fromNullString(ownerID)
	t.UpdateLock.OwnerID, t.ExternalOperationStatus = fromNullString(lockOwner), fromNullString(extStatus)
	t.ProductionStartDate, t.DeletedAt = fromNullMicros(productionStart), fromNullMicros(deletedAt)
	t.CreatedAt, t.UpdatedAt = fromMicros(createdAt), fromMicros(updatedAt)
	t.BrandUUID = brandUUID.String
	if err := json.Unmarshal([]byte(contact), &t.Contact); err != nil {
		return nil, fmt.Errorf("decode contact of tenant %s: %w", t.ID, err)
	}
	return &t, nil
}

// principal returns the principal of ctx; every service method needs one.
func principal(ctx context.Context) (*tenantd.Principal, error) {
	p := tenantd.PrincipalFromContext(ctx)
	if p == nil || p.TenantPath == "" {
		return nil, tenantd.Errorf(tenantd.EUNAUTHORIZED, "no principal")
	}
	return p, nil
}

// reader returns the principal of a read. Whether its roles let it read
// is checked once the object is known to be in its subtree (visibleTenant),
// so that an object outside it is a 404 whatever the roles.
func reader(ctx context.Context) (*tenantd.Principal, error) {
	return principal(ctx)
}

// writer returns the principal of ctx if it may change its subtree.
func writer(ctx context.Context) (*tenantd.Principal, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return p, p.RequireWrite()
}

// findTenant returns the tenant with id, whoever may see it.
func findTenant(ctx context.Context, tx *Tx, id string, allowDeleted bool) (*tenantd.Tenant, error) {
	return findTenantLocked(ctx, tx, id, allowDeleted, false)
}

// findTenantLocked is findTenant that, with lock, holds the tenant's row
// for the rest of a write transaction, so that a concurrent writer waits
// and then reads what this one wrote: a version check after it is sound.
func findTenantLocked(ctx context.Context, tx *Tx, id string, allowDeleted, lock bool) (*tenantd.Tenant, error) {
	q := "SELECT " + tenantColumns + " FROM tenants t WHERE t.id = ?"
	if !allowDeleted {
		q += " AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL"
	}
	if lock {
		q += tx.forUpdate("t")
	}
	t, err := scanTenant(tx.queryRow(ctx, q, id))
	if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
		return nil, tenantd.Errorf(tenantd.ENOTFOUND, "tenant %s not found", id)
	}
	return t, err
}

// visibleTenant returns the tenant with id if the principal may see it.
func visibleTenant(ctx context.Context, tx *Tx, p *tenantd.Principal, id string, allowDeleted bool) (*tenantd.Tenant, error) {
	t, err := findTenant(ctx, tx, id, allowDeleted)
	if err != nil {
		return nil, err
	}
	if !p.CanSee(t.Path) {
		return nil, tenantd.Errorf(tenantd.ENOTFOUND, "tenant %s not found", id)
	}
	if err := p.RequireRead(); err != nil {
		return nil, err
	}
	return t, nil
}

// writableTenant returns the live tenant with id for a change by the
// principal: ENOTFOUND if there is none, EFORBIDDEN if it lies outside the
// principal's subtree.
func writableTenant(ctx context.Context, tx *Tx, p *tenantd.Principal, id string) (*tenantd.Tenant, error) {
	t, err := findTenantLocked(ctx, tx, id, false, true)
	if err != nil {
		return nil, err
	}
	if !p.CanSee(t.Path) {
		return nil, tenantd.Errorf(tenantd.EFORBIDDEN, "tenant %s is outside the caller's subtree", id)
	}
	return t, nil
}

// EnsureRoot returns the root tenant, creating it on an empty store.
// Concurrent callers on one store get the same root.
func (db *DB) EnsureRoot(ctx context.Context) (*tenantd.Tenant, error) {
	return write(ctx, db, func(tx *Tx) (*tenantd.Tenant, error) {
		id := tenantd.NewID()
		root := &tenantd.Tenant{
			ID: id, ParentID: id, Path: tenantd.ChildPath("/", id), Kind: tenantd.KindRoot, Name: "Root",
			Version: 1, Enabled: true, CustomerType: "default", Language: "en", DefaultIDPID: tenantd.NewID(),
			AncestralAccess: true, MFAStatus: "disabled", PricingMode: tenantd.PricingProduction,
			CreatedAt: tx.now, UpdatedAt: tx.now, Contact: tenantd.Contact{ID: tenantd.NewID()},
		}
		if err := insertTenant(ctx, tx, root, true); err != nil {
			return nil, err
		}
		r, err := scanTenant(tx.queryRow(ctx, "SELECT "+tenantColumns+" FROM tenants t WHERE t.kind = 'root'"))
		if err == nil && r.ID == id {
			err = audit(ctx, tx, change{tenantID: r.ID, path: r.Path, objectType: tenantd.ObjectTenant, objectID: r.ID,
				action: tenantd.ActionCreate, after: tenantState(r)})
		}
		if err == nil {
			err = ensureCatalogInfra(ctx, tx, db.catalog, r.ID)
		}
		return r, err
	})
}

// insertTenant inserts t. With ignoreConflict an existing row with the same
// unique key is left alone and no error is returned.
func insertTenant(ctx context.Context, tx *Tx, t *tenantd.Tenant, ignoreConflict bool) error {
	contact, err := json.Marshal(t.Contact)
	if err != nil {
		return fmt.Errorf("encode contact: %w", err)
	}
	q := `INSERT INTO tenants (id, parent_id, path, depth, kind, name, name_key, enabled, version,
		customer_type, customer_id, internal_tag, language, owner_id, default_idp_id, update_lock_enabled,
		update_lock_owner, ancestral_access, mfa_status, pricing_mode, production_start_date, brand_enabled,
		external_operation_status, enhanced_security, contact, search_key, created_at, updated_at)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`
	if ignoreConflict {
		q += " ON CONFLICT DO NOTHING"
	}
	_, err = tx.exec(ctx, q, t.ID, t.ParentID, t.Path, t.Depth(), string(t.Kind), t.Name, nameKey(t.Name),
		t.Enabled, t.Version, t.CustomerType, nullString(t.CustomerID), nullString(t.InternalTag), t.Language,
		nullString(t.OwnerID), t.DefaultIDPID, t.UpdateLock.Enabled, nullString(t.UpdateLock.OwnerID),
		t.AncestralAccess, t.MFAStatus, t.PricingMode, nullMicros(t.ProductionStartDate), t.BrandEnabled,
		nullString(t.ExternalOperationStatus), t.EnhancedSecurity, string(contact), searchKey(t),
		micros(t.CreatedAt), micros(t.UpdatedAt))
	if errors.Is(err, errUnique) {
		return tenantd.Errorf(tenantd.ECONFLICT, "a tenant named %q already exists under %s", t.Name, t.ParentID)
	}
	if err != nil {
		return fmt.Errorf("insert tenant: %w", err)
	}
	return nil
}

// nameKey is what sibling names are compared by: case does not count.
func nameKey(name string) string { return strings.ToLower(name) }

// searchKey is the lowercased text, besides the name, that search matches.
func searchKey(t *tenantd.Tenant) string {
	var parts []string
	for _, s := range []*string{t.CustomerID, t.Contact.Firstname, t.Contact.Lastname, t.Contact.Email} {
		if s != nil {
			parts = append(parts, strings.ToLower(*s))
		}
	}
	return strings.Join(parts, "\n")
}

// CreateTenant creates a tenant; see tenantd.TenantService.
func (db *DB) CreateTenant(ctx context.Context, c *tenantd.TenantCreate) (*tenantd.Tenant, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.Tenant, error) {
		return createTenant(ctx, tx, p, c)
	})
}

// CreateTenants creates many tenants in one transaction, in order, so that a
// tenant may be the parent of a later one only if it was created before
// this call; it is for seeding large stores. Each tenant is created as by
// CreateTenant, and either all are created or none.
func (db *DB) CreateTenants(ctx context.Context, cs []*tenantd.TenantCreate) ([]*tenantd.Tenant, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if err := c.Validate(); err != nil {
			return nil, err
		}
	}
	return write(ctx, db, func(tx *Tx) ([]*tenantd.Tenant, error) {
		ts := make([]*tenantd.Tenant, 0, len(cs))
		for _, c := range cs {
			t, err := createTenant(ctx, tx, p, c)
			if err != nil {
				return nil, err
			}
			ts = append(ts, t)
		}
		return ts, nil
	})
}

func createTenant(ctx context.Context, tx *Tx, p *tenantd.Principal, c *tenantd.TenantCreate) (*tenantd.Tenant, error) {
	{
		parent, err := writableTenant(ctx, tx, p, c.ParentID)
		if err != nil {
			return nil, err
		}
		if !tenantd.CanHoldChild(parent.Kind, c.Kind) {
			return nil, tenantd.Errorf(tenantd.EINVALID, "a %s tenant cannot hold a %s tenant", parent.Kind, c.Kind)
		}
		id := tenantd.NewID()
		t := &tenantd.Tenant{
			ID: id, ParentID: parent.ID, Path: tenantd.ChildPath(parent.Path, id), Kind: c.Kind, Name: c.Name,
			Version: 1, Enabled: true, CustomerType: "default", CustomerID: c.CustomerID,
			InternalTag: c.InternalTag, Language: parent.Language, DefaultIDPID: parent.DefaultIDPID,
			AncestralAccess: true, MFAStatus: "disabled", CreatedAt: tx.now, UpdatedAt: tx.now,
		}
		t.PricingMode, t.ProductionStartDate = initialPricing(parent, c.Kind, tx.now)
		if c.Enabled != nil {
			t.Enabled = *c.Enabled
		}
		if c.CustomerType != nil {
			t.CustomerType = *c.CustomerType
		}
		if c.Language != nil && *c.Language != "" {
			t.Language = *c.Language
		}
		if c.DefaultIDPID != nil {
			t.DefaultIDPID = *c.DefaultIDPID
		}
		if c.AncestralAccess != nil {
			t.AncestralAccess = *c.AncestralAccess
		}
		if c.EnhancedSecurity != nil {
			t.EnhancedSecurity = *c.EnhancedSecurity
		}
		if c.UpdateLock != nil && *c.UpdateLock {
			owner := p.TenantID
			t.UpdateLock = tenantd.UpdateLock{Enabled: true, OwnerID: &owner}
		}
		t.Contact.ID = tenantd.NewID()
		if c.Contact != nil {
			t.Contact.Apply(c.Contact, tx.now)
		}
		if err := insertTenant(ctx, tx, t, false); err != nil {
			return nil, err
		}
		if err := audit(ctx, tx, change{tenantID: t.ID, path: t.Path, objectType: tenantd.ObjectTenant, objectID: t.ID,
			action: tenantd.ActionCreate, after: tenantState(t)}); err != nil {
			return nil, err
		}
		return t, nil
	}
}

// initialPricing gives a new tenant its pricing mode: partners and customers
// start a trial that ends one calendar month later; units follow their
// parent; the other kinds are in production.
func initialPricing(parent *tenantd.Tenant, kind tenantd.TenantKind, now time.Time) (string, *time.Time) {
	switch kind {
	case tenantd.KindPartner, tenantd.KindCustomer:
		end := now.AddDate(0, 1, 0)
		return tenantd.PricingTrial, &end
	case tenantd.KindUnit:
		return parent.PricingMode, parent.ProductionStartDate
	}
	return tenantd.PricingProduction, nil
}

// FindTenantByID returns a visible tenant; see tenantd.TenantService.
func (db *DB) FindTenantByID(ctx context.Context, id string, allowDeleted bool) (*tenantd.Tenant, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.Tenant, error) {
		return readableTenant(ctx, tx, p, id, allowDeleted)
	})
}

// readableTenant is visibleTenant that also answers the tenants on the
// principal's chain of ancestors, in their ancestor view. Only the reads of
// a tenant record (by id, and by id in a batch listing) see ancestors:
// everything else about them — children, users, settings, offering items,
// and every change — stays outside the principal's reach.
func readableTenant(ctx context.Context, tx *Tx, p *tenantd.Principal, id string, allowDeleted bool) (*tenantd.Tenant, error) {
	t, err := findTenant(ctx, tx, id, allowDeleted)
	if err != nil {
		return nil, err
	}
	if !p.CanSee(t.Path) && !p.IsBelow(t.Path) {
		return nil, tenantd.Errorf(tenantd.ENOTFOUND, "tenant %s not found", id)
	}
	if err := p.RequireRead(); err != nil {
		return nil, err
	}
	if p.IsBelow(t.Path) {
		return t.AsAncestorView(), nil
	}
	return t, nil
}

// MaxBatchLimit is the most tenants one page of a batch listing holds.
const MaxBatchLimit = 5000

// FindTenants returns one page of a batch listing; see tenantd.TenantService.
func (db *DB) FindTenants(ctx context.Context, f tenantd.TenantFilter) (*tenantd.TenantPage, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	ts, err := db.safeTimestamp(ctx)
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxBatchLimit {
		limit = MaxBatchLimit
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.TenantPage, error) {
		where := []string{"t.path >= ?", "t.path < ?"}
		args := []any{p.TenantPath, subtreeUpper(p.TenantPath)}
		switch {
		case len(f.IDs) > 0:
			if err := p.RequireRead(); err != nil {
				return nil, err
			}
			// The subtree, or the chain of ancestors above it.
			ancestors := tenantd.PathIDs(p.TenantPath)
			ancestors = ancestors[:len(ancestors)-1]
			scope := "(t.path >= ? AND t.path < ?)"
			if len(ancestors) > 0 {
				scope = "(" + scope + " OR t.id IN (" + placeholders(len(ancestors)) + "))"
				for _, id := range ancestors {
					args = append(args, id)
				}
			}
			where = []string{scope}
			where = append(where, "t.id IN ("+placeholders(len(f.IDs))+")")
			for _, id := range f.IDs {
				args = append(args, id)
			}
		case f.ParentID != nil:
			parent, err := visibleTenant(ctx, tx, p, *f.ParentID, f.AllowDeleted)
			if err != nil {
				return nil, err
			}
			where = append(where, "t.parent_id = ?", "t.id <> t.parent_id")
			args = append(args, parent.ID)
		case f.SubtreeRootID != nil:
			root, err := visibleTenant(ctx, tx, p, *f.SubtreeRootID, f.AllowDeleted)
			if err != nil {
				return nil, err
			}
			where = append(where, "t.path >= ?", "t.path < ?")
			args = append(args, root.Path, subtreeUpper(root.Path))
		}
		if !f.AllowDeleted {
			where = append(where, "t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL")
		}
		order := "t.depth, t.id"
		if f.UpdatedSince != nil {
			where = append(where, "t.updated_at >= ?")
			args = append(args, micros(*f.UpdatedSince))
			order = "t.updated_at, t.id"
		}
		if a := f.After; a != nil {
			if f.UpdatedSince != nil {
				where = append(where, "(t.updated_at > ? OR (t.updated_at = ? AND t.id > ?))")
				args = append(args, micros(a.UpdatedAt), micros(a.UpdatedAt), a.ID)
			} else {
				where = append(where, "(t.depth > ? OR (t.depth = ? AND t.id > ?))")
				args = append(args, a.Depth, a.Depth, a.ID)
			}
		}
		q := "SELECT " + tenantColumns + " FROM tenants t WHERE " + strings.Join(where, " AND ") +
			" ORDER BY " + order + fmt.Sprintf(" LIMIT %d", limit+1)
		items, err := queryTenants(ctx, tx, q, args...)
		if err != nil {
			return nil, err
		}
		for i, t := range items {
			if p.IsBelow(t.Path) {
				items[i] = t.AsAncestorView()
			}
		}
		page := &tenantd.TenantPage{Items: items, Timestamp: ts}
		if len(items) > limit {
			page.Items = items[:limit]
			last := page.Items[limit-1]
			page.Next = &tenantd.TenantCursor{Depth: last.Depth(), UpdatedAt: last.UpdatedAt, ID: last.ID}
		}
		return page, nil
	})
}

func queryTenants(ctx context.Context, tx *Tx, q string, args ...any) ([]*tenantd.Tenant, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query tenants: %w", err)
	}
	defer rows.Close()
	var out []*tenantd.Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query tenants: %w", classify(err))
	}
	return out, nil
}

// TenantChildren returns the ids of a tenant's children; see
// tenantd.TenantService.
func (db *DB) TenantChildren(ctx context.Context, id string, allowDeleted bool, order tenantd.ChildOrder) ([]string, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]string, error) {
		t, err := visibleTenant(ctx, tx, p, id, allowDeleted)
		if err != nil {
			return nil, err
		}
		q := "SELECT id, name_key, enabled, created_at FROM tenants WHERE parent_id = ? AND id <> parent_id"
		if !allowDeleted {
			q += " AND deleted_at IS NULL"
		}
		rows, err := tx.query(ctx, q+" ORDER BY name_key, id", t.ID)
		if err != nil {
			return nil, fmt.Errorf("query children: %w", err)
		}
		defer rows.Close()
		type child struct {
			id, nameKey string
			enabled     bool
			created     int64
		}
		children := []child{}
		for rows.Next() {
			var c child
			if err := rows.Scan(&c.id, &c.nameKey, &c.enabled, &c.created); err != nil {
				return nil, classify(err)
			}
			children = append(children, c)
		}
		if err := rows.Err(); err != nil {
			return nil, classify(err)
		}
		rows.Close()
		var usage map[string]int64
		if order.By == tenantd.ChildOrderUsage && len(children) > 0 {
			if usage, err = db.childUsage(ctx, tx, t, order); err != nil {
				return nil, err
			}
		}
		key := func(c child) int64 {
			switch order.By {
			case tenantd.ChildOrderAsIs:
				return c.created
			case tenantd.ChildOrderStatus:
				if c.enabled {
					return 0
				}
				return 1
			case tenantd.ChildOrderUsage:
				return usage[c.id]
			}
			return 0
		}
		slices.SortStableFunc(children, func(a, b child) int {
			c := cmp.Compare(key(a), key(b))
			if order.By == tenantd.ChildOrderName {
				c = cmp.Or(strings.Compare(a.nameKey, b.nameKey), strings.Compare(a.id, b.id))
			}
			if order.Desc {
				c = -c
			}
			return c
		})
		ids := make([]string, len(children))
		for i, c := range children {
			ids[i] = c.id
		}
		return ids, nil
	})
}

// childUsage returns the usage of the current period that order sorts the
// children of t by, per child: of one usage (its roll-up over the child's
// subtree for a computed usage), of the infra items at one infrastructure,
// or of every item.
func (db *DB) childUsage(ctx context.Context, tx *Tx, t *tenantd.Tenant, order tenantd.ChildOrder) (map[string]int64, error) {
	var rollup *tenantd.UsageRollup
	for _, r := range tenantd.UsageRollups() {
		if order.UsageName != "" && r.UsageName == order.UsageName {
			rollup = &r
			break
		}
	}
	// Each usage row of a child (or, for a roll-up, of a tenant of its
	// subtree), with whether it is the child's own and the infrastructure
	// its item is bound to.
	q := `SELECT c.id, u.application_id, u.name, u.value, oi.infra_id, u.tenant_id = c.id
		FROM tenants c JOIN usages u ON u.tenant_id = c.id AND u.range_start = ?
		LEFT JOIN offering_items oi ON oi.tenant_id = u.tenant_id AND oi.application_id = u.application_id AND oi.name = u.name
		WHERE c.parent_id = ? AND c.id <> c.parent_id`
	if rollup != nil {
		q = `SELECT c.id, u.application_id, u.name, u.value, oi.infra_id, u.tenant_id = c.id
		FROM tenants c JOIN tenants d ON d.path >= c.path AND d.path < (substr(c.path, 1, length(c.path) - 1) || '0')
			AND d.deleted_at IS NULL AND (SELECT CASE WHEN d.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= d.path ORDER BY h.path DESC LIMIT 1) IS NULL
		JOIN usages u ON u.tenant_id = d.id AND u.range_start = ?
		LEFT JOIN offering_items oi ON oi.tenant_id = u.tenant_id AND oi.application_id = u.application_id AND oi.name = u.name
		WHERE c.parent_id = ? AND c.id <> c.parent_id`
	}
	rows, err := tx.query(ctx, q, micros(tenantd.UsagePeriod(tx.now)), t.ID)
	if err != nil {
		return nil, fmt.Errorf("query the children's usage: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var child, app, name string
		var value int64
		var infra *string
		var own bool
		if err := rows.Scan(&child, &app, &name, &value, &infra, &own); err != nil {
			return nil, classify(err)
		}
		def, ok := db.catalog.Item(app, name)
		if !ok {
			continue
		}
		switch {
		case order.InfraID != "":
			bound := db.catalog.DefaultInfra(app)
			if infra != nil {
				bound = *infra
			}
			if def.Type != "infra" || bound != order.InfraID {
				continue
			}
		case rollup != nil:
			if app != rollup.ApplicationID || def.UsageName != rollup.Source || own && !rollup.Own {
				continue
			}
		case order.UsageName != "":
			if def.UsageName != order.UsageName {
				continue
			}
		}
		out[child] += value
	}
	return out, classify(rows.Err())
}

// TenantPath returns the tenants from the principal's home down to the
// tenant; see tenantd.TenantService.
func (db *DB) TenantPath(ctx context.Context, id string) ([]tenantd.PathElement, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]tenantd.PathElement, error) {
		t, err := visibleTenant(ctx, tx, p, id, true)
		if err != nil {
			return nil, err
		}
		names, err := tenantNames(ctx, tx, tenantd.PathIDs(t.Path))
		if err != nil {
			return nil, err
		}
		var out []tenantd.PathElement
		for _, pid := range tenantd.PathIDs(t.Path)[tenantd.PathDepth(p.TenantPath):] {
			out = append(out, names[pid])
		}
		return out, nil
	})
}

// tenantNames returns the name and kind of each tenant in ids.
func tenantNames(ctx context.Context, tx *Tx, ids []string) (map[string]tenantd.PathElement, error) {
	out := make(map[string]tenantd.PathElement, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.query(ctx, "SELECT id, name, kind FROM tenants WHERE id IN ("+placeholders(len(ids))+")", args...)
	if err != nil {
		return nil, fmt.Errorf("query names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e tenantd.PathElement
		var kind string
		if err := rows.Scan(&e.ID, &e.Name, &kind); err != nil {
			return nil, classify(err)
		}
		e.Kind = tenantd.TenantKind(kind)
		out[e.ID] = e
	}
	return out, classify(rows.Err())
}

// UpdateTenant changes a tenant; see tenantd.TenantService.
func (db *DB) UpdateTenant(ctx context.Context, id string, u *tenantd.TenantUpdate) (*tenantd.Tenant, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.Tenant, error) {
		t, err := writableTenant(ctx, tx, p, id)
		if err != nil {
			return nil, err
		}
		if err := checkUpdateLock(p, t); err != nil {
			return nil, err
		}
		if u.Version != t.Version {
			return nil, versionConflict("tenant", t.ID, t.Version)
		}
		before := tenantState(t)
		oldPath := t.Path
		if err := applyTenantUpdate(ctx, tx, p, t, u); err != nil {
			return nil, err
		}
		t.Version++
		t.UpdatedAt = tx.now
		contact, err := json.Marshal(t.Contact)
		if err != nil {
			return nil, fmt.Errorf("encode contact: %w", err)
		}
		_, err = tx.exec(ctx, `UPDATE tenants SET parent_id = ?, path = ?, depth = ?, kind = ?, name = ?,
			name_key = ?, enabled = ?, version = ?, customer_type = ?, customer_id = ?, internal_tag = ?,
			language = ?, default_idp_id = ?, update_lock_enabled = ?, update_lock_owner = ?,
			ancestral_access = ?, external_operation_status = ?, contact = ?, search_key = ?, updated_at = ?
			WHERE id = ?`,
			t.ParentID, t.Path, t.Depth(), string(t.Kind), t.Name, nameKey(t.Name), t.Enabled, t.Version,
			t.CustomerType, nullString(t.CustomerID), nullString(t.InternalTag), t.Language, t.DefaultIDPID,
			t.UpdateLock.Enabled, nullString(t.UpdateLock.OwnerID), t.AncestralAccess,
			nullString(t.ExternalOperationStatus), string(contact), searchKey(t), micros(t.UpdatedAt), t.ID)
		if errors.Is(err, errUnique) {
			return nil, tenantd.Errorf(tenantd.ECONFLICT, "a tenant named %q already exists under %s", t.Name, t.ParentID)
		}
		if err != nil {
			return nil, fmt.Errorf("update tenant: %w", err)
		}
		if t.Path != oldPath {
			if err := moveSubtree(ctx, tx, oldPath, t.Path); err != nil {
				return nil, err
			}
		}
		if err := audit(ctx, tx, change{tenantID: t.ID, path: t.Path, movedFrom: oldPath, objectType: tenantd.ObjectTenant,
			objectID: t.ID, action: tenantd.ActionUpdate, before: before, after: tenantState(t)}); err != nil {
			return nil, err
		}
		return t, nil
	})
}

func versionConflict(what, id string, current int64) error {
	return tenantd.CodedErrorf(tenantd.ECONFLICT, tenantd.CodeVersionConflict,
		"the %s %s has changed: its version is %d", what, id, current).
		With("id", id).With("version", current)
}

// checkUpdateLock refuses a change to a tenant whose update lock is held by
// a tenant the principal neither belongs to nor sits above.
func checkUpdateLock(p *tenantd.Principal, t *tenantd.Tenant) error {
	if !t.UpdateLock.Enabled || t.UpdateLock.OwnerID == nil || p.Type == tenantd.PrincipalSystem {
		return nil
	}
	owner := *t.UpdateLock.OwnerID
	if p.TenantID == owner {
		return nil
	}
	ownerPath := "/"
	for _, id := range tenantd.PathIDs(t.Path) {
		ownerPath = tenantd.ChildPath(ownerPath, id)
		if id == owner {
			if tenantd.InSubtree(ownerPath, p.TenantPath) {
				return nil
			}
			break
		}
	}
	return tenantd.Errorf(tenantd.EFORBIDDEN, "tenant %s is locked for updates by tenant %s", t.ID, owner)
}

// applyTenantUpdate changes t in memory by u, checking what needs the store.
func applyTenantUpdate(ctx context.Context, tx *Tx, p *tenantd.Principal, t *tenantd.Tenant, u *tenantd.TenantUpdate) error {
	fromAbove := p.IsStrictAncestorOf(t.Path)
	if u.Enabled != nil && *u.Enabled != t.Enabled {
		if !fromAbove {
			return tenantd.Errorf(tenantd.EFORBIDDEN, "only an ancestor of tenant %s may enable or disable it", t.ID)
		}
		t.Enabled = *u.Enabled
	}
	if u.Kind != nil && *u.Kind != t.Kind {
		if !fromAbove {
			return tenantd.Errorf(tenantd.EFORBIDDEN, "only an ancestor of tenant %s may change its kind", t.ID)
		}
		if err := checkKindChange(ctx, tx, t, *u.Kind); err != nil {
			return err
		}
		t.Kind = *u.Kind
	}
	if u.ParentID != nil && *u.ParentID != t.ParentID {
		if !fromAbove {
			return tenantd.Errorf(tenantd.EFORBIDDEN, "only an ancestor of tenant %s may move it", t.ID)
		}
		parent, err := findTenant(ctx, tx, *u.ParentID, false)
		if tenantd.ErrorKind(err) == tenantd.ENOTFOUND || err == nil && !p.CanSee(parent.Path) {
			return tenantd.Errorf(tenantd.EINVALID, "parent tenant %s not found", *u.ParentID)
		}
		if err != nil {
			return err
		}
		if tenantd.InSubtree(parent.Path, t.Path) {
			return tenantd.Errorf(tenantd.EINVALID, "tenant %s cannot move into its own subtree", t.ID)
		}
		if !tenantd.CanHoldChild(parent.Kind, t.Kind) {
			return tenantd.Errorf(tenantd.EINVALID, "a %s tenant cannot hold a %s tenant", parent.Kind, t.Kind)
		}
		t.ParentID, t.Path = parent.ID, tenantd.ChildPath(parent.Path, t.ID)
	} else if u.Kind != nil && t.Kind != tenantd.KindRoot {
		parent, err := findTenant(ctx, tx, t.ParentID, false)
		if err != nil {
			return err
		}
		if !tenantd.CanHoldChild(parent.Kind, t.Kind) {
			return tenantd.Errorf(tenantd.EINVALID, "a %s tenant cannot hold a %s tenant", parent.Kind, t.Kind)
		}
	}
	if u.Name != nil {
		t.Name = *u.Name
	}
	if u.CustomerType != nil {
		t.CustomerType = *u.CustomerType
	}
	if u.CustomerIDSet {
		t.CustomerID = u.CustomerID
	}
	if u.InternalTagSet {
		t.InternalTag = u.InternalTag
	}
	if u.Language != nil {
		t.Language = *u.Language
	}
	if u.DefaultIDPID != nil {
		t.DefaultIDPID = *u.DefaultIDPID
	}
	if u.AncestralAccess != nil {
		t.AncestralAccess = *u.AncestralAccess
	}
	if s := u.ExternalOperationStatus; s != nil {
		if *s == "no_operation" {
			t.ExternalOperationStatus = nil
		} else {
			t.ExternalOperationStatus = s
		}
	}
	if u.UpdateLock != nil && *u.UpdateLock != t.UpdateLock.Enabled {
		if *u.UpdateLock {
			owner := p.TenantID
			t.UpdateLock = tenantd.UpdateLock{Enabled: true, OwnerID: &owner}
		} else {
			t.UpdateLock = tenantd.UpdateLock{}
		}
	}
	if u.Contact != nil {
		t.Contact.Apply(u.Contact, tx.now)
	}
	return nil
}

// checkKindChange refuses a kind whose rules the tenant's children break.
func checkKindChange(ctx context.Context, tx *Tx, t *tenantd.Tenant, kind tenantd.TenantKind) error {
	if t.Kind == tenantd.KindRoot || kind == tenantd.KindRoot {
		return tenantd.Errorf(tenantd.EINVALID, "the root kind cannot be given or taken")
	}
	rows, err := tx.query(ctx, "SELECT DISTINCT kind FROM tenants WHERE parent_id = ? AND id <> parent_id AND deleted_at IS NULL", t.ID)
	if err != nil {
		return fmt.Errorf("query child kinds: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return classify(err)
		}
		if !tenantd.CanHoldChild(kind, tenantd.TenantKind(k)) {
			return tenantd.Errorf(tenantd.EINVALID, "a %s tenant cannot hold its %s children", kind, k)
		}
	}
	return classify(rows.Err())
}

// moveSubtree rewrites the paths below a moved tenant.
func moveSubtree(ctx context.Context, tx *Tx, oldPath, newPath string) error {
	shift := tenantd.PathDepth(newPath) - tenantd.PathDepth(oldPath)
	_, err := tx.exec(ctx, `UPDATE tenants SET path = CAST(? AS TEXT) || substr(path, CAST(? AS INTEGER)), depth = depth + ?
		WHERE path > ? AND path < ?`, newPath, len(oldPath)+1, shift, oldPath, subtreeUpper(oldPath))
	if err != nil {
		return fmt.Errorf("move subtree: %w", err)
	}
	return nil
}

// DeleteTenant soft-deletes a disabled tenant and its subtree; see
// tenantd.TenantService.
func (db *DB) DeleteTenant(ctx context.Context, id string, version int64) error {
	p, err := writer(ctx)
	if err != nil {
		return err
	}
	_, err = write(ctx, db, func(tx *Tx) (struct{}, error) {
		t, err := writableTenant(ctx, tx, p, id)
		if err != nil {
			return struct{}{}, err
		}
		if !p.IsStrictAncestorOf(t.Path) {
			return struct{}{}, tenantd.Errorf(tenantd.EFORBIDDEN, "only an ancestor of tenant %s may delete it", t.ID)
		}
		if version != t.Version {
			return struct{}{}, versionConflict("tenant", t.ID, t.Version)
		}
		if t.Enabled {
			return struct{}{}, tenantd.CodedErrorf(tenantd.EINVALID, tenantd.CodeTenantNotDisabled,
				"It is prohibited to delete a non-disabled tenant.").With("id", t.ID)
		}
		before := tenantState(t)
		now := micros(tx.now)
		// Only the tenant itself is marked: its descendants, their users and
		// API clients are hidden by its range in tenant_deletions, and their
		// tokens and sessions refused by the chain check of authentication
		// (the tenant is disabled). PurgeDeleted removes them for good after
		// the retention period.
		if _, err := tx.exec(ctx, `UPDATE tenants SET deleted_at = ?, deleted_with = ?, updated_at = ?, version = version + 1
			WHERE id = ?`, now, t.ID, now, t.ID); err != nil {
			return struct{}{}, fmt.Errorf("delete tenant: %w", err)
		}
		if err := hideSubtree(ctx, tx, t.Path, t.ID, now); err != nil {
			return struct{}{}, err
		}
		if err := auditTenant(ctx, tx, t.ID, tenantd.ActionDelete, before); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, nil
	})
	return err
}

// RestoreTenant brings back a deleted tenant; see tenantd.TenantService.
func (db *DB) RestoreTenant(ctx context.Context, id string, force bool) error {
	p, err := writer(ctx)
	if err != nil {
		return err
	}
	_, err = write(ctx, db, func(tx *Tx) (struct{}, error) {
		t, err := findTenantLocked(ctx, tx, id, true, true)
		if err != nil {
			return struct{}{}, err
		}
		if !p.CanSee(t.Path) {
			return struct{}{}, tenantd.Errorf(tenantd.EFORBIDDEN, "tenant %s is outside the caller's subtree", id)
		}
		if !p.IsStrictAncestorOf(t.Path) {
			return struct{}{}, tenantd.Errorf(tenantd.EFORBIDDEN, "only an ancestor of tenant %s may restore it", t.ID)
		}
		if t.DeletedAt == nil {
			return struct{}{}, tenantd.Errorf(tenantd.ENOTFOUND, "tenant %s is not deleted", t.ID)
		}
		if t.DeletedAt.Before(tx.now.Add(-db.retention())) {
			return struct{}{}, tenantd.Errorf(tenantd.ENOTFOUND, "tenant %s was deleted before the retention period", t.ID)
		}
		// A tenant hidden by a deleted ancestor, but not deleted itself,
		// comes back with that ancestor only.
		var own sql.NullString
		if err := tx.queryRow(ctx, "SELECT deleted_with FROM tenants WHERE id = ?", t.ID).Scan(&own); err != nil {
			return struct{}{}, fmt.Errorf("check deletion: %w", classify(err))
		}
		parent, err := findTenant(ctx, tx, t.ParentID, true)
		if err != nil {
			return struct{}{}, fmt.Errorf("check parent: %w", err)
		}
		if !own.Valid || parent.DeletedAt != nil {
			return struct{}{}, tenantd.CodedErrorf(tenantd.ECONFLICT, tenantd.CodeParentDeleted,
				"the parent of tenant %s is deleted: restore it first", t.ID)
		}
		with := own.String
		name, err := restoredName(ctx, tx, t, force)
		if err != nil {
			return struct{}{}, err
		}
		before := tenantState(t)
		now := micros(tx.now)
		if _, err := tx.exec(ctx, "UPDATE tenants SET name = ?, name_key = ? WHERE id = ?", name, nameKey(name), t.ID); err != nil {
			return struct{}{}, fmt.Errorf("rename: %w", err)
		}
		if _, err := tx.exec(ctx, `UPDATE tenants SET deleted_at = NULL, deleted_with = NULL, updated_at = ?, version = version + 1
			WHERE deleted_with = ?`, now, with); err != nil {
			return struct{}{}, fmt.Errorf("restore subtree: %w", classify(err))
		}
		if err := unhideSubtree(ctx, tx, t.Path); err != nil {
			return struct{}{}, err
		}
		// Recorded before the users come back: if a login was taken since,
		// the whole restore rolls back, this event with it.
		if err := auditTenant(ctx, tx, t.ID, tenantd.ActionRestore, before); err != nil {
			return struct{}{}, err
		}
		if _, err := tx.exec(ctx, `UPDATE clients SET deleted_at = NULL, deleted_with = NULL, updated_at = ? WHERE deleted_with = ?`,
			now, with); err != nil {
			return struct{}{}, fmt.Errorf("restore clients: %w", err)
		}
		_, err = tx.exec(ctx, `UPDATE users SET deleted_at = NULL, deleted_with = NULL, updated_at = ?, version = version + 1
			WHERE deleted_with = ?`, now, with)
		if errors.Is(err, errUnique) {
			return struct{}{}, tenantd.Errorf(tenantd.ECONFLICT, "a login of a user of the subtree was taken since the deletion")
		}
		if err != nil {
			return struct{}{}, fmt.Errorf("restore users: %w", err)
		}
		return struct{}{}, nil
	})
	return err
}

// restoredName returns the name a restored tenant takes: its own, or with
// force and a live sibling of that name, the first free "name (n)".
func restoredName(ctx context.Context, tx *Tx, t *tenantd.Tenant, force bool) (string, error) {
	taken := func(name string) (bool, error) {
		var n int
		err := tx.queryRow(ctx, "SELECT count(*) FROM tenants WHERE parent_id = ? AND name_key = ? AND deleted_at IS NULL AND id <> ?",
			t.ParentID, nameKey(name), t.ID).Scan(&n)
		return n > 0, classify(err)
	}
	name := t.Name
	for i := 2; ; i++ {
		busy, err := taken(name)
		if err != nil {
			return "", fmt.Errorf("check name: %w", err)
		}
		if !busy {
			return name, nil
		}
		if !force {
			return "", tenantd.Errorf(tenantd.ECONFLICT, "a tenant named %q already exists under %s", t.Name, t.ParentID)
		}
		name = fmt.Sprintf("%s (%d)", t.Name, i)
	}
}

// DefaultRetention is how long a deleted tenant can be restored.
const DefaultRetention = 30 * 24 * time.Hour

func (db *DB) retention() time.Duration {
	if db.Retention > 0 {
		return db.Retention
	}
	return DefaultRetention
}

// hideSubtree records the deletion of the tenant at path: its range
// replaces the ranges of the tenants of its subtree deleted earlier, which
// keep their own deleted_at for a later restore.
func hideSubtree(ctx context.Context, tx *Tx, path, id string, now int64) error {
	if _, err := tx.exec(ctx, "DELETE FROM tenant_deletions WHERE path > ? AND path < ?", path, subtreeUpper(path)); err != nil {
		return fmt.Errorf("merge deletions: %w", err)
	}
	if _, err := tx.exec(ctx, "INSERT INTO tenant_deletions (path, upper, tenant_id, deleted_at) VALUES (?, ?, ?, ?)",
		path, subtreeUpper(path), id, now); err != nil {
		return fmt.Errorf("record deletion: %w", classify(err))
	}
	return nil
}

// unhideSubtree removes the range of the restored tenant at path and puts
// back those of the tenants of its subtree that were deleted on their own,
// so that they stay deleted. Only deleted tenants are read (through the
// partial index tenants_deleted_path), not the subtree.
func unhideSubtree(ctx context.Context, tx *Tx, path string) error {
	if _, err := tx.exec(ctx, "DELETE FROM tenant_deletions WHERE path = ?", path); err != nil {
		return fmt.Errorf("remove deletion: %w", err)
	}
	rows, err := tx.query(ctx, `SELECT path, id, deleted_at FROM tenants
		WHERE path > ? AND path < ? AND deleted_at IS NOT NULL ORDER BY path`, path, subtreeUpper(path))
	if err != nil {
		return fmt.Errorf("find deletions inside: %w", err)
	}
	type deletion struct {
		path, id string
		at       int64
	}
	var tops []deletion
	for rows.Next() {
		var d deletion
		if err := rows.Scan(&d.path, &d.id, &d.at); err != nil {
			rows.Close()
			return fmt.Errorf("scan deletion: %w", err)
		}
		if n := len(tops); n > 0 && tenantd.InSubtree(d.path, tops[n-1].path) {
			continue
		}
		tops = append(tops, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find deletions inside: %w", err)
	}
	for _, d := range tops {
		if _, err := tx.exec(ctx, "INSERT INTO tenant_deletions (path, upper, tenant_id, deleted_at) VALUES (?, ?, ?, ?)",
			d.path, subtreeUpper(d.path), d.id, d.at); err != nil {
			return fmt.Errorf("record deletion: %w", classify(err))
		}
	}
	return nil
}

// PurgeBatch is how many tenants of a deleted subtree PurgeDeleted removes
// per transaction, so that writers wait for at most one short batch.
const PurgeBatch = 500

// PurgeDeleted removes for good the tenants and API clients deleted before
// the retention period, revoked-token records, one-time tokens, sessions
// and device authorizations past their expiry, and the daily usage history
// older than its retention (in transactions of a few thousand rows). A deleted subtree is removed
// in transactions of PurgeBatch tenants, from the last path backwards so
// that a tenant goes after its descendants; its range in tenant_deletions
// goes last, so it stays hidden meanwhile. It returns the number of tenants
// removed.
func (db *DB) PurgeDeleted(ctx context.Context) (int64, error) {
	cutoff, err := write(ctx, db, func(tx *Tx) (int64, error) {
		cutoff := micros(tx.now.Add(-db.retention()))
		if _, err := tx.exec(ctx, "DELETE FROM clients WHERE deleted_at IS NOT NULL AND deleted_at < ?", cutoff); err != nil {
			return 0, fmt.Errorf("purge clients: %w", err)
		}
		if _, err := tx.exec(ctx, "DELETE FROM revoked_tokens WHERE expires_at < ?", micros(tx.now)); err != nil {
			return 0, fmt.Errorf("purge revoked tokens: %w", err)
		}
		if _, err := tx.exec(ctx, "DELETE FROM users WHERE deleted_at IS NOT NULL AND deleted_at < ?", cutoff); err != nil {
			return 0, fmt.Errorf("purge users: %w", err)
		}
		if _, err := tx.exec(ctx, "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?", cutoff); err != nil {
			return 0, fmt.Errorf("purge sent e-mail: %w", err)
		}
		// Expired Idempotency-Keys go in small batches: one purge in each
		// run of the loop, never a long transaction.
		if _, err := purgeIdempotencyKeys(ctx, tx); err != nil {
			return 0, err
		}
		for _, table := range []string{"one_time_tokens", "sessions", "device_authorizations"} {
			if _, err := tx.exec(ctx, "DELETE FROM "+table+" WHERE expires_at < ?", micros(tx.now)); err != nil {
				return 0, fmt.Errorf("purge %s: %w", table, err)
			}
		}
		return cutoff, nil
	})
	if err != nil {
		return 0, err
	}
	// The old daily usage history, in short transactions.
	for {
		n, err := write(ctx, db, func(tx *Tx) (int64, error) { return db.purgeUsageHistory(ctx, tx) })
		if err != nil {
			return 0, err
		}
		if n < usageHistoryPurgeBatch {
			break
		}
	}
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, more, err := db.purgeBatch(ctx, cutoff)
		total += n
		if err != nil {
			return total, err
		}
		if !more {
			return total, nil
		}
	}
}

// purgeBatch removes up to PurgeBatch tenants of the first subtree deleted
// before cutoff, and its range once it is empty. It reports whether any
// such subtree was left when it started.
func (db *DB) purgeBatch(ctx context.Context, cutoff int64) (int64, bool, error) {
	type result struct {
		n    int64
		more bool
	}
	r, err := write(ctx, db, func(tx *Tx) (result, error) {
		var path, upper string
		err := tx.queryRow(ctx, "SELECT path, upper FROM tenant_deletions WHERE deleted_at < ? ORDER BY path LIMIT 1", cutoff).Scan(&path, &upper)
		if errors.Is(err, sql.ErrNoRows) {
			return result{}, nil
		}
		if err != nil {
			return result{}, fmt.Errorf("find a purgeable subtree: %w", err)
		}
		res, err := tx.exec(ctx, fmt.Sprintf(`DELETE FROM tenants WHERE id IN
			(SELECT id FROM tenants WHERE path >= ? AND path < ? ORDER BY path DESC LIMIT %d)`, PurgeBatch), path, upper)
		if err != nil {
			return result{}, fmt.Errorf("purge tenants: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return result{}, fmt.Errorf("purge tenants: %w", err)
		}
		if n < PurgeBatch {
			if _, err := tx.exec(ctx, "DELETE FROM tenant_deletions WHERE path = ?", path); err != nil {
				return result{}, fmt.Errorf("purge deletion: %w", err)
			}
		}
		return result{n: n, more: true}, nil
	})
	return r.n, r.more, err
}

// Search finds tenants under a root; see tenantd.TenantService.
func (db *DB) Search(ctx context.Context, q tenantd.SearchQuery) ([]tenantd.SearchResult, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]tenantd.SearchResult, error) {
		root, err := visibleTenant(ctx, tx, p, q.RootID, false)
		if err != nil {
			return nil, err
		}
		pattern := "%" + likeEscape(strings.ToLower(q.Text)) + "%"
		where := "t.path >= ? AND t.path < ? AND (t.name_key LIKE ? ESCAPE '\\' OR t.search_key LIKE ? ESCAPE '\\')"
		if !q.AllowDeleted {
			where += " AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL"
		}
		items, err := queryTenants(ctx, tx, "SELECT "+tenantColumns+" FROM tenants t WHERE "+where+
			fmt.Sprintf(" ORDER BY t.depth, t.name_key, t.id LIMIT %d", q.Limit),
			root.Path, subtreeUpper(root.Path), pattern, pattern)
		if err != nil {
			return nil, err
		}
		need := map[string]bool{}
		for _, t := range items {
			for _, id := range tenantd.PathIDs(t.Path)[root.Depth():] {
				need[id] = true
			}
		}
		ids := make([]string, 0, len(need))
		for id := range need {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		names, err := tenantNames(ctx, tx, ids)
		if err != nil {
			return nil, err
		}
		out := make([]tenantd.SearchResult, 0, len(items))
		for _, t := range items {
			r := tenantd.SearchResult{Type: "tenant", ID: t.ID, ParentID: t.ParentID, Kind: t.Kind, Name: t.Name,
				FirstName: t.Contact.Firstname, LastName: t.Contact.Lastname, DeletedAt: t.DeletedAt}
			for _, id := range tenantd.PathIDs(t.Path)[root.Depth():] {
				r.Path = append(r.Path, names[id].Name)
			}
			out = append(out, r)
		}
		if len(out) >= q.Limit {
			return out, nil
		}
		users, err := searchUsers(ctx, tx, root, pattern, q.AllowDeleted, q.Limit-len(out))
		if err != nil {
			return nil, err
		}
		return append(out, users...), nil
	})
}

// likeEscape escapes the wildcards of a LIKE pattern.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// searchUsers finds users under root whose login, e-mail, first or last name
// matches pattern. A user's path is its tenant's path followed by its login.
func searchUsers(ctx context.Context, tx *Tx, root *tenantd.Tenant, pattern string, allowDeleted bool, limit int) ([]tenantd.SearchResult, error) {
	where := "t.path >= ? AND t.path < ? AND u.search_key LIKE ? ESCAPE '\\'"
	if !allowDeleted {
		where += " AND u.deleted_at IS NULL AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL"
	}
	rows, err := tx.query(ctx, "SELECT "+userColumns+" FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE "+where+
		fmt.Sprintf(" ORDER BY u.login_key, u.id LIMIT %d", limit), root.Path, subtreeUpper(root.Path), pattern)
	if err != nil {
		return nil, fmt.Errorf("search users: %w", err)
	}
	type found struct {
		u    *tenantd.User
		path string
	}
	var hits []found
	need := map[string]bool{}
	for rows.Next() {
		u, path, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		hits = append(hits, found{u, path})
		for _, id := range tenantd.PathIDs(path)[root.Depth():] {
			need[id] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	ids := make([]string, 0, len(need))
	for id := range need {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	names, err := tenantNames(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]tenantd.SearchResult, 0, len(hits))
	for _, h := range hits {
		r := tenantd.SearchResult{Type: "user", ID: h.u.ID, ParentID: h.u.TenantID, Login: h.u.Login,
			FirstName: h.u.Contact.Firstname, LastName: h.u.Contact.Lastname, DeletedAt: h.u.DeletedAt}
		for _, id := range tenantd.PathIDs(h.path)[root.Depth():] {
			r.Path = append(r.Path, names[id].Name)
		}
		r.Path = append(r.Path, h.u.Login)
		out = append(out, r)
	}
	return out, nil
}
