package sqlstore

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/tenantd/tenantd"
)

var _ tenantd.DryRunService = (*DB)(nil)

// dryRun, in a context, makes write measure with measure in its
// transaction before running the change, and roll the change back instead
// of committing it. The change's own checks run as they always do, so a dry
// run fails exactly as the change would.
type dryRun struct {
	measure  func(tx *Tx) (*tenantd.TenantImpact, error)
	measured *tenantd.TenantImpact
	err      error
}

type dryRunKey struct{}

func (db *DB) dryRun(ctx context.Context, measure func(ctx context.Context, tx *Tx) (*tenantd.TenantImpact, error), change func(ctx context.Context) error) (*tenantd.TenantImpact, error) {
	d := &dryRun{}
	dctx := context.WithValue(ctx, dryRunKey{}, d)
	d.measure = func(tx *Tx) (*tenantd.TenantImpact, error) { return measure(ctx, tx) }
	if err := change(dctx); err != nil {
		return nil, err
	}
	if d.err != nil {
		return nil, d.err
	}
	if d.measured == nil {
		return nil, fmt.Errorf("dry run: the change ran no transaction")
	}
	return d.measured, nil
}

// DryRunUpdateTenant answers what a suspension or a move would do; see
// tenantd.DryRunService.
func (db *DB) DryRunUpdateTenant(ctx context.Context, id string, u *tenantd.TenantUpdate) (*tenantd.TenantImpact, error) {
	return db.dryRun(ctx, func(ctx context.Context, tx *Tx) (*tenantd.TenantImpact, error) {
		t, err := findTenant(ctx, tx, id, false)
		if err != nil {
			return nil, err
		}
		suspend := u.Enabled != nil && !*u.Enabled
		move := u.ParentID != nil && *u.ParentID != t.ParentID
		op := ""
		switch {
		case suspend && move:
			op = tenantd.OperationSuspendAndMove
		case suspend:
			op = tenantd.OperationSuspend
		case move:
			op = tenantd.OperationMove
		default:
			return nil, tenantd.Errorf(tenantd.EINVALID, "dry_run answers a suspension (enabled false) or a move (a new parent_id), and this update is neither")
		}
		im, err := db.measureSubtree(ctx, tx, t, op, suspend && !move)
		if err != nil {
			return nil, err
		}
		if move {
			if im.Move, err = db.measureMove(ctx, tx, t, *u.ParentID); err != nil {
				return nil, err
			}
		}
		return im, nil
	}, func(ctx context.Context) error {
		_, err := db.UpdateTenant(ctx, id, u)
		return err
	})
}

// DryRunDeleteTenant answers what a deletion would do; see
// tenantd.DryRunService.
func (db *DB) DryRunDeleteTenant(ctx context.Context, id string, version int64) (*tenantd.TenantImpact, error) {
	return db.dryRun(ctx, func(ctx context.Context, tx *Tx) (*tenantd.TenantImpact, error) {
		t, err := findTenant(ctx, tx, id, false)
		if err != nil {
			return nil, err
		}
		im, err := db.measureSubtree(ctx, tx, t, tenantd.OperationDelete, false)
		if err != nil {
			return nil, err
		}
		im.Retention = &tenantd.RetentionImpact{Period: db.retention(), RestorableUntil: tx.now.Add(db.retention())}
		return im, nil
	}, func(ctx context.Context) error { return db.DeleteTenant(ctx, id, version) })
}

// subtreeTenant is a live tenant of a measured subtree.
type subtreeTenant struct {
	id, path string
	kind     tenantd.TenantKind
	enabled  bool
}

// measureSubtree counts what an operation on t affects. With lockout, only
// the tenants that are not locked out already count.
func (db *DB) measureSubtree(ctx context.Context, tx *Tx, t *tenantd.Tenant, op string, lockout bool) (*tenantd.TenantImpact, error) {
	im := &tenantd.TenantImpact{Operation: op, TenantID: t.ID, TenantsByKind: map[tenantd.TenantKind]int{}}
	lo, hi := t.Path, subtreeUpper(t.Path)
	rows, err := tx.query(ctx, "SELECT id, path, kind, enabled FROM tenants t WHERE path >= ? AND path < ? AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL", lo, hi)
	if err != nil {
		return nil, fmt.Errorf("query subtree: %w", err)
	}
	var all []subtreeTenant
	disabled := map[string]bool{}
	for rows.Next() {
		var st subtreeTenant
		var kind string
		if err := rows.Scan(&st.id, &st.path, &kind, &st.enabled); err != nil {
			rows.Close()
			return nil, classify(err)
		}
		st.kind = tenantd.TenantKind(kind)
		all = append(all, st)
		if !st.enabled && st.id != t.ID {
			disabled[st.id] = true
		}
	}
	rows.Close()
	if err := classify(rows.Err()); err != nil {
		return nil, err
	}
	if lockout {
		locked, err := lockedOut(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		if locked {
			return im, nil // already locked out, the whole subtree with it
		}
	}
	affected := map[string]bool{}
	for _, st := range all {
		if lockout && underDisabled(st.path, t.ID, disabled) {
			continue
		}
		affected[st.id] = true
		im.Tenants++
		im.TenantsByKind[st.kind]++
	}
	if im.Tenants == 0 {
		return im, nil
	}
	sum := func(what, query string, args ...any) (int, error) {
		rows, err := tx.query(ctx, query, args...)
		if err != nil {
			return 0, fmt.Errorf("count %s: %w", what, err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var id string
			var c int
			if err := rows.Scan(&id, &c); err != nil {
				return 0, classify(err)
			}
			if affected[id] {
				n += c
			}
		}
		return n, classify(rows.Err())
	}
	const inSubtree = "t.path >= ? AND t.path < ? AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL"
	if im.Users, err = sum("users", `SELECT u.tenant_id, count(*) FROM users u JOIN tenants t ON t.id = u.tenant_id
		WHERE `+inSubtree+` AND u.deleted_at IS NULL GROUP BY u.tenant_id`, lo, hi); err != nil {
		return nil, err
	}
	if im.APIClients, err = sum("clients", `SELECT c.tenant_id, count(*) FROM clients c JOIN tenants t ON t.id = c.tenant_id
		WHERE `+inSubtree+` AND c.deleted_at IS NULL GROUP BY c.tenant_id`, lo, hi); err != nil {
		return nil, err
	}
	sessions, err := sum("sessions", `SELECT u.tenant_id, count(*) FROM sessions s JOIN users u ON u.id = s.user_id
		JOIN tenants t ON t.id = u.tenant_id WHERE `+inSubtree+` AND u.deleted_at IS NULL AND s.expires_at > ? GROUP BY u.tenant_id`,
		lo, hi, micros(tx.now))
	if err != nil {
		return nil, err
	}
	// A client's last access is recorded at most every lastAccessResolution.
	since := micros(tx.now.Add(-tenantd.TokenLifetime - lastAccessResolution))
	tokens, err := sum("tokens", `SELECT c.tenant_id, count(*) FROM clients c JOIN tenants t ON t.id = c.tenant_id
		WHERE `+inSubtree+` AND c.deleted_at IS NULL AND c.last_access_at > ? GROUP BY c.tenant_id`, lo, hi, since)
	if err != nil {
		return nil, err
	}
	im.ActiveTokens = sessions + tokens

	rows, err = tx.query(ctx, `SELECT b.tenant_id, b.application_id FROM app_bindings b JOIN tenants t ON t.id = b.tenant_id
		WHERE `+inSubtree, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("query services: %w", err)
	}
	services := map[string]int{}
	for rows.Next() {
		var tenant, app string
		if err := rows.Scan(&tenant, &app); err != nil {
			rows.Close()
			return nil, classify(err)
		}
		if affected[tenant] {
			services[app]++
		}
	}
	rows.Close()
	if err := classify(rows.Err()); err != nil {
		return nil, err
	}
	for app, n := range services {
		im.Services = append(im.Services, tenantd.ServiceImpact{ApplicationID: app, Tenants: n})
	}
	sort.Slice(im.Services, func(i, j int) bool { return im.Services[i].ApplicationID < im.Services[j].ApplicationID })

	rows, err = tx.query(ctx, `SELECT oi.tenant_id, oi.application_id, oi.name FROM offering_items oi JOIN tenants t ON t.id = oi.tenant_id
		WHERE `+inSubtree+` AND oi.status = 1 AND oi.quota_value IS NOT NULL`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("query quotas: %w", err)
	}
	quotas := map[tenantd.OfferingItemRef]int{}
	for rows.Next() {
		var tenant string
		var ref tenantd.OfferingItemRef
		if err := rows.Scan(&tenant, &ref.ApplicationID, &ref.Name); err != nil {
			rows.Close()
			return nil, classify(err)
		}
		if affected[tenant] {
			quotas[ref]++
		}
	}
	rows.Close()
	if err := classify(rows.Err()); err != nil {
		return nil, err
	}
	for ref, n := range quotas {
		im.Quotas = append(im.Quotas, tenantd.QuotaImpact{ApplicationID: ref.ApplicationID, Name: ref.Name, Tenants: n})
	}
	sort.Slice(im.Quotas, func(i, j int) bool {
		a, b := im.Quotas[i], im.Quotas[j]
		return a.ApplicationID < b.ApplicationID || a.ApplicationID == b.ApplicationID && a.Name < b.Name
	})
	return im, nil
}

// lockedOut tells whether t or one of its ancestors is disabled.
func lockedOut(ctx context.Context, tx *Tx, t *tenantd.Tenant) (bool, error) {
	ids := tenantd.PathIDs(t.Path)
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	var n int
	err := tx.queryRow(ctx, "SELECT count(*) FROM tenants WHERE enabled = ? AND id IN (?"+strings.Repeat(",?", len(ids)-1)+")",
		append([]any{false}, args...)...).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check ancestors: %w", classify(err))
	}
	return n > 0, nil
}

// underDisabled tells whether a tenant at path lies at or below a disabled
// tenant strictly below the tenant top.
func underDisabled(path, top string, disabled map[string]bool) bool {
	below := false
	for _, id := range tenantd.PathIDs(path) {
		if below && disabled[id] {
			return true
		}
		if id == top {
			below = true
		}
	}
	return false
}

// measureMove finds what the moved tenant has that its new parent lacks.
func (db *DB) measureMove(ctx context.Context, tx *Tx, t *tenantd.Tenant, parentID string) (*tenantd.MoveImpact, error) {
	m := &tenantd.MoveImpact{FromParentID: t.ParentID, ToParentID: parentID}
	parent, err := findTenant(ctx, tx, parentID, false)
	if err != nil {
		// The move itself refuses an unknown parent, with its own error.
		return m, nil
	}
	have, err := db.tenantApps(ctx, tx, t)
	if err != nil {
		return nil, err
	}
	offered, err := db.tenantApps(ctx, tx, parent)
	if err != nil {
		return nil, err
	}
	for app := range have {
		if !offered[app] {
			m.UnavailableServices = append(m.UnavailableServices, app)
		}
	}
	sort.Strings(m.UnavailableServices)
	items, err := db.items(ctx, tx, t)
	if err != nil {
		return nil, err
	}
	parentItems, err := db.items(ctx, tx, parent)
	if err != nil {
		return nil, err
	}
	on := map[tenantd.OfferingItemRef]bool{}
	for _, it := range parentItems {
		if it.Status == 1 {
			on[tenantd.OfferingItemRef{ApplicationID: it.ApplicationID, Name: it.Name}] = true
		}
	}
	for _, it := range items {
		ref := tenantd.OfferingItemRef{ApplicationID: it.ApplicationID, Name: it.Name}
		if it.Status == 1 && !on[ref] {
			m.UnavailableOfferingItems = append(m.UnavailableOfferingItems, ref)
		}
	}
	return m, nil
}
