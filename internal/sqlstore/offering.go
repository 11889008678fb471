package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/tenantd/tenantd"
)

var _ tenantd.OfferingService = (*DB)(nil)

// millis is the millisecond Unix time that versions quotas and prices.
func (tx *Tx) millis() int64 { return tx.now.UnixMilli() }

// nextVersion is the version of a change to what has version old: the
// transaction's millisecond time, or old+1 when that is not later, so that
// two changes in one millisecond never share a version (a writer holding
// the first would overwrite the second unseen).
func (tx *Tx) nextVersion(old int64) int64 { return max(tx.millis(), old+1) }

// rootItems are the root's items: the whole catalog, on, without quotas.
func (db *DB) rootItems(root *tenantd.Tenant) []tenantd.OfferingItem {
	out := make([]tenantd.OfferingItem, 0, len(db.catalog.Items))
	for _, def := range db.catalog.Items {
		it := tenantd.OfferingItem{OfferingItemDef: def, TenantID: root.ID, Status: 1, UpdatedAt: root.CreatedAt}
		if def.Type == tenantd.ItemInfra {
			it.InfraID = db.catalog.DefaultInfra(def.ApplicationID)
		}
		if def.Type != tenantd.ItemFeature {
			it.Quota = &tenantd.Quota{}
		}
		out = append(out, it)
	}
	return out
}

type itemRow struct {
	tenantID, app, name string
	status              int
	value, overage      sql.NullInt64
	version, updated    int64
	infra               sql.NullString
}

func scanItemRow(s scanner) (itemRow, error) {
	var r itemRow
	err := s.Scan(&r.tenantID, &r.app, &r.name, &r.status, &r.value, &r.overage, &r.version, &r.updated, &r.infra)
	return r, classify(err)
}

// item joins a stored row with its catalog definition; ok is false for a
// row whose item the catalog no longer has.
func (db *DB) item(r itemRow) (tenantd.OfferingItem, bool) {
	def, ok := db.catalog.Item(r.app, r.name)
	if !ok {
		return tenantd.OfferingItem{}, false
	}
	it := tenantd.OfferingItem{OfferingItemDef: def, TenantID: r.tenantID, Status: r.status, UpdatedAt: fromMicros(r.updated)}
	if def.Type == tenantd.ItemInfra {
		it.InfraID = r.infra.String
		if !r.infra.Valid {
			it.InfraID = db.catalog.DefaultInfra(def.ApplicationID)
		}
	}
	if def.Type != tenantd.ItemFeature {
		q := &tenantd.Quota{Version: r.version}
		if r.value.Valid {
			q.Value = &r.value.Int64
		}
		if r.overage.Valid {
			q.Overage = &r.overage.Int64
		}
		it.Quota = q
	}
	return it, true
}

const itemColumns = "oi.tenant_id, oi.application_id, oi.name, oi.status, oi.quota_value, oi.quota_overage, oi.quota_version, oi.updated_at, oi.infra_id"

// items returns every item of a tenant, in catalog order.
func (db *DB) items(ctx context.Context, tx *Tx, t *tenantd.Tenant) ([]tenantd.OfferingItem, error) {
	if t.Kind == tenantd.KindRoot {
		return db.rootItems(t), nil
	}
	rows, err := tx.query(ctx, "SELECT "+itemColumns+" FROM offering_items oi WHERE oi.tenant_id = ?", t.ID)
	if err != nil {
		return nil, fmt.Errorf("query offering items: %w", err)
	}
	defer rows.Close()
	byKey := map[catalogKey]tenantd.OfferingItem{}
	for rows.Next() {
		r, err := scanItemRow(rows)
		if err != nil {
			return nil, err
		}
		if it, ok := db.item(r); ok {
			byKey[catalogKey{it.ApplicationID, it.Name}] = it
		}
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	out := make([]tenantd.OfferingItem, 0, len(byKey))
	for _, def := range db.catalog.Items {
		if it, ok := byKey[catalogKey{def.ApplicationID, def.Name}]; ok {
			out = append(out, it)
		}
	}
	return out, nil
}

type catalogKey struct{ app, name string }

func itemMap(items []tenantd.OfferingItem) map[catalogKey]tenantd.OfferingItem {
	m := make(map[catalogKey]tenantd.OfferingItem, len(items))
	for _, it := range items {
		m[catalogKey{it.ApplicationID, it.Name}] = it
	}
	return m
}

// OfferingItems returns a tenant's items; see tenantd.OfferingService.
func (db *DB) OfferingItems(ctx context.Context, tenantID string) ([]tenantd.OfferingItem, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]tenantd.OfferingItem, error) {
		t, err := visibleTenant(ctx, tx, p, tenantID, false)
		if err != nil {
			return nil, err
		}
		return db.items(ctx, tx, t)
	})
}

// AvailableForChild returns what a new child could get; see
// tenantd.OfferingService.
func (db *DB) AvailableForChild(ctx context.Context, tenantID string, kind tenantd.TenantKind) ([]tenantd.OfferingItem, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]tenantd.OfferingItem, error) {
		t, err := visibleTenant(ctx, tx, p, tenantID, false)
		if err != nil {
			return nil, err
		}
		if kind != "" && !tenantd.CanHoldChild(t.Kind, kind) {
			return nil, tenantd.Errorf(tenantd.EINVALID, "a %s tenant cannot hold a %s tenant", t.Kind, kind)
		}
		items, err := db.items(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		out := []tenantd.OfferingItem{}
		for _, it := range items {
			if it.Status != 1 {
				continue
			}
			if it.Quota != nil {
				it.Quota = &tenantd.Quota{}
			}
			out = append(out, it)
		}
		return out, nil
	})
}

// SetOfferingItems changes a tenant's items; see tenantd.OfferingService.
func (db *DB) SetOfferingItems(ctx context.Context, tenantID string, changes []tenantd.OfferingItemChange) ([]tenantd.OfferingItem, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) ([]tenantd.OfferingItem, error) {
		t, err := ancestorWritable(ctx, tx, p, tenantID, "offering items")
		if err != nil {
			return nil, err
		}
		parent, err := parentOf(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		parentItems, err := db.items(ctx, tx, parent)
		if err != nil {
			return nil, err
		}
		current, err := db.items(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		if err := db.applyItemChanges(ctx, tx, t, itemMap(parentItems), itemMap(current), changes); err != nil {
			return nil, err
		}
		items, err := db.items(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		if err := audit(ctx, tx, change{tenantID: t.ID, path: t.Path, objectType: tenantd.ObjectOfferingItems, objectID: t.ID,
			action: tenantd.ActionUpdate, before: changedItemsState(current, changes), after: changedItemsState(items, changes)}); err != nil {
			return nil, err
		}
		return items, nil
	})
}

// applyItemChanges checks and writes item changes of tenant t.
func (db *DB) applyItemChanges(ctx context.Context, tx *Tx, t *tenantd.Tenant, parent, current map[catalogKey]tenantd.OfferingItem, changes []tenantd.OfferingItemChange) error {
	for _, c := range changes {
		key := catalogKey{c.ApplicationID, c.Name}
		def, ok := db.catalog.Item(c.ApplicationID, c.Name)
		if !ok {
			return tenantd.Errorf(tenantd.EINVALID, "application %s has no offering item %q", c.ApplicationID, c.Name)
		}
		cur, exists := current[key]
		status := cur.Status
		if c.Status != nil {
			status = *c.Status
		}
		if status == 1 && parent[key].Status != 1 {
			return tenantd.Errorf(tenantd.EINVALID, "the parent of tenant %s does not offer item %s", t.ID, c.Name)
		}
		var value, overage sql.NullInt64
		version := int64(0)
		if exists && cur.Quota != nil {
			value, overage, version = nullInt(cur.Quota.Value), nullInt(cur.Quota.Overage), cur.Quota.Version
		}
		if q := c.Quota; q != nil && def.Type != tenantd.ItemFeature {
			if q.Version != version {
				return tenantd.CodedErrorf(tenantd.ECONFLICT, tenantd.CodeQuotaVersion,
					"the quota of item %s has changed: its version is %d", c.Name, version).With("name", c.Name).With("version", version)
			}
			for _, v := range []*int64{q.Value, q.Overage} {
				if v != nil && *v < 0 {
					return tenantd.Errorf(tenantd.EINVALID, "the quota of item %s must not be negative", c.Name)
				}
			}
			if pq := parent[key].Quota; pq != nil && pq.Value != nil && q.Value != nil && *q.Value > *pq.Value {
				return tenantd.Errorf(tenantd.EINVALID, "the quota %d of item %s is above the parent's %d", *q.Value, c.Name, *pq.Value)
			}
			changed := !sameInt(q.Value, fromNullInt(value)) || !sameInt(q.Overage, fromNullInt(overage))
			value, overage = nullInt(q.Value), nullInt(q.Overage)
			if changed {
				version = tx.nextVersion(version)
				if q.Value == nil && q.Overage == nil {
					version = 0
				}
			}
		}
		if status != 0 && status != 1 {
			return tenantd.Errorf(tenantd.EINVALID, "the status of item %s must be 0 or 1", c.Name)
		}
		var infra sql.NullString
		if c.InfraID != nil {
			if err := db.checkItemInfra(ctx, tx, t, def, *c.InfraID); err != nil {
				return err
			}
			infra = sql.NullString{String: *c.InfraID, Valid: true}
		}
		// An item sent without infra_id keeps the infrastructure it has.
		_, err := tx.exec(ctx, `INSERT INTO offering_items (tenant_id, application_id, name, status, quota_value, quota_overage, quota_version, updated_at, infra_id)
			VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (tenant_id, application_id, name) DO UPDATE SET status = excluded.status,
			quota_value = excluded.quota_value, quota_overage = excluded.quota_overage, quota_version = excluded.quota_version,
			updated_at = excluded.updated_at, infra_id = COALESCE(excluded.infra_id, offering_items.infra_id)`,
			t.ID, c.ApplicationID, c.Name, status, value, overage, version, micros(tx.now), infra)
		if err != nil {
			return fmt.Errorf("set offering item: %w", err)
		}
		if status == 1 {
			if err := db.bind(ctx, tx, t, c.ApplicationID); err != nil {
				return err
			}
		} else if cur.Status == 1 {
			if err := turnOffBelow(ctx, tx, t, c.ApplicationID, c.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

// turnOffBelow turns an item off in every descendant of t.
func turnOffBelow(ctx context.Context, tx *Tx, t *tenantd.Tenant, app, name string) error {
	_, err := tx.exec(ctx, `UPDATE offering_items SET status = 0, updated_at = ? WHERE application_id = ? AND name = ? AND status = 1
		AND tenant_id IN (SELECT id FROM tenants WHERE path > ? AND path < ?)`, micros(tx.now), app, name, t.Path, subtreeUpper(t.Path))
	if err != nil {
		return fmt.Errorf("turn item off below: %w", err)
	}
	return nil
}

func nullInt(v *int64) sql.NullInt64 {
	if v == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *v, Valid: true}
}

func fromNullInt(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

func sameInt(a, b *int64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

// SubtreeOfferingItems lists the items of a subtree; see
// tenantd.OfferingService.
func (db *DB) SubtreeOfferingItems(ctx context.Context, rootID string, after *tenantd.OfferingItemKey, limit int, allowDeleted bool) ([]tenantd.OfferingItem, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]tenantd.OfferingItem, error) {
		root, err := visibleTenant(ctx, tx, p, rootID, allowDeleted)
		if err != nil {
			return nil, err
		}
		var out []tenantd.OfferingItem
		if root.Kind == tenantd.KindRoot && after == nil {
			out = db.rootItems(root)
		}
		where := []string{"t.path >= ?", "t.path < ?"}
		args := []any{root.Path, subtreeUpper(root.Path)}
		if !allowDeleted {
			where = append(where, "t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL")
		}
		if after != nil {
			where = append(where, "(oi.tenant_id > ? OR (oi.tenant_id = ? AND (oi.application_id > ? OR (oi.application_id = ? AND oi.name > ?))))")
			args = append(args, after.TenantID, after.TenantID, after.ApplicationID, after.ApplicationID, after.Name)
		}
		rows, err := tx.query(ctx, "SELECT "+itemColumns+" FROM offering_items oi JOIN tenants t ON t.id = oi.tenant_id WHERE "+
			strings.Join(where, " AND ")+fmt.Sprintf(" ORDER BY oi.tenant_id, oi.application_id, oi.name LIMIT %d", limit), args...)
		if err != nil {
			return nil, fmt.Errorf("query subtree items: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanItemRow(rows)
			if err != nil {
				return nil, err
			}
			if it, ok := db.item(r); ok {
				out = append(out, it)
			}
		}
		return out, classify(rows.Err())
	})
}

var priceRE = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,4})?$`)

// ItemPrices returns a tenant's prices; see tenantd.OfferingService.
func (db *DB) ItemPrices(ctx context.Context, tenantID string) ([]tenantd.ItemPrice, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]tenantd.ItemPrice, error) {
		t, err := visibleTenant(ctx, tx, p, tenantID, false)
		if err != nil {
			return nil, err
		}
		return itemPrices(ctx, tx, t.ID)
	})
}

func itemPrices(ctx context.Context, tx *Tx, tenantID string) ([]tenantd.ItemPrice, error) {
	rows, err := tx.query(ctx, "SELECT application_id, name, price, version FROM item_prices WHERE tenant_id = ? ORDER BY application_id, name", tenantID)
	if err != nil {
		return nil, fmt.Errorf("query prices: %w", err)
	}
	defer rows.Close()
	out := []tenantd.ItemPrice{}
	for rows.Next() {
		var ip tenantd.ItemPrice
		if err := rows.Scan(&ip.ApplicationID, &ip.Name, &ip.Price, &ip.Version); err != nil {
			return nil, classify(err)
		}
		out = append(out, ip)
	}
	return out, classify(rows.Err())
}

// SetItemPrices sets prices; see tenantd.OfferingService.
func (db *DB) SetItemPrices(ctx context.Context, tenantID string, prices []tenantd.ItemPrice) ([]tenantd.ItemPrice, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) ([]tenantd.ItemPrice, error) {
		t, err := ancestorWritable(ctx, tx, p, tenantID, "prices")
		if err != nil {
			return nil, err
		}
		current, err := itemPrices(ctx, tx, t.ID)
		if err != nil {
			return nil, err
		}
		versions := map[catalogKey]int64{}
		for _, ip := range current {
			versions[catalogKey{ip.ApplicationID, ip.Name}] = ip.Version
		}
		for _, ip := range prices {
			if _, ok := db.catalog.Item(ip.ApplicationID, ip.Name); !ok {
				return nil, tenantd.Errorf(tenantd.EINVALID, "application %s has no offering item %q", ip.ApplicationID, ip.Name)
			}
			if !priceRE.MatchString(ip.Price) {
				return nil, tenantd.Errorf(tenantd.EINVALID, "price %q of item %s is not a decimal number", ip.Price, ip.Name)
			}
			if cur := versions[catalogKey{ip.ApplicationID, ip.Name}]; ip.Version != 0 && ip.Version != cur {
				return nil, tenantd.CodedErrorf(tenantd.ECONFLICT, tenantd.CodeVersionConflict,
					"the price of item %s has changed: its version is %d", ip.Name, cur).With("version", cur)
			}
			_, err := tx.exec(ctx, `INSERT INTO item_prices (tenant_id, application_id, name, price, version) VALUES (?,?,?,?,?)
				ON CONFLICT (tenant_id, application_id, name) DO UPDATE SET price = excluded.price, version = excluded.version`,
				t.ID, ip.ApplicationID, ip.Name, ip.Price, tx.nextVersion(versions[catalogKey{ip.ApplicationID, ip.Name}]))
			if err != nil {
				return nil, fmt.Errorf("set price: %w", err)
			}
		}
		after, err := itemPrices(ctx, tx, t.ID)
		if err != nil {
			return nil, err
		}
		if err := audit(ctx, tx, change{tenantID: t.ID, path: t.Path, objectType: tenantd.ObjectItemPrices, objectID: t.ID,
			action: tenantd.ActionUpdate, before: pricesState(current, prices), after: pricesState(after, prices)}); err != nil {
			return nil, err
		}
		return after, nil
	})
}

// editionPlan computes an edition switch of tenant t.
func (db *DB) editionPlan(ctx context.Context, tx *Tx, t *tenantd.Tenant, appID, target string) (*tenantd.EditionSwitch, error) {
	if err := db.knownApp(appID); err != nil {
		return nil, tenantd.Errorf(tenantd.EINVALID, "application %s not found", appID)
	}
	items, err := db.items(ctx, tx, t)
	if err != nil {
		return nil, err
	}
	enabled := map[string]bool{}
	for _, it := range items {
		if it.ApplicationID == appID && it.Status == 1 {
			enabled[it.Name] = true
		}
	}
	available := map[string]bool{}
	if t.Kind == tenantd.KindRoot {
		for _, def := range db.catalog.ItemsOf(appID) {
			available[def.Name] = true
		}
	} else {
		parent, err := parentOf(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		parentItems, err := db.items(ctx, tx, parent)
		if err != nil {
			return nil, err
		}
		for _, it := range parentItems {
			if it.ApplicationID == appID && it.Status == 1 {
				available[it.Name] = true
			}
		}
	}
	plan, err := db.catalog.PlanEditionSwitch(appID, target, enabled, available)
	if err != nil {
		return nil, err
	}
	return &plan, nil
}

// CheckEdition is the dry run of an edition switch; see
// tenantd.OfferingService.
func (db *DB) CheckEdition(ctx context.Context, tenantID, appID, target string) (*tenantd.EditionSwitch, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.EditionSwitch, error) {
		t, err := visibleTenant(ctx, tx, p, tenantID, false)
		if err != nil {
			return nil, err
		}
		return db.editionPlan(ctx, tx, t, appID, target)
	})
}

// SwitchEdition switches a tenant's edition; see tenantd.OfferingService.
func (db *DB) SwitchEdition(ctx context.Context, tenantID, appID, target string) (*tenantd.EditionSwitch, []tenantd.OfferingItem, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, nil, err
	}
	type result struct {
		plan  *tenantd.EditionSwitch
		items []tenantd.OfferingItem
	}
	r, err := write(ctx, db, func(tx *Tx) (result, error) {
		t, err := ancestorWritable(ctx, tx, p, tenantID, "edition")
		if err != nil {
			return result{}, err
		}
		plan, err := db.editionPlan(ctx, tx, t, appID, target)
		if err != nil {
			return result{}, err
		}
		current, err := db.items(ctx, tx, t)
		if err != nil {
			return result{}, err
		}
		before := editionState(appID, "", current)
		cur := itemMap(current)
		for _, name := range plan.Off {
			if _, err := tx.exec(ctx, "UPDATE offering_items SET status = 0, updated_at = ? WHERE tenant_id = ? AND application_id = ? AND name = ?",
				micros(tx.now), t.ID, appID, name); err != nil {
				return result{}, fmt.Errorf("turn item off: %w", err)
			}
			if err := turnOffBelow(ctx, tx, t, appID, name); err != nil {
				return result{}, err
			}
		}
		for _, name := range plan.On {
			var value, overage sql.NullInt64
			version := int64(0)
			if from, ok := plan.QuotaFrom[name]; ok {
				if q := cur[catalogKey{appID, from}].Quota; q != nil && (q.Value != nil || q.Overage != nil) {
					var old int64
					if prev := cur[catalogKey{appID, name}].Quota; prev != nil {
						old = prev.Version
					}
					value, overage, version = nullInt(q.Value), nullInt(q.Overage), tx.nextVersion(old)
				}
			}
			_, err := tx.exec(ctx, `INSERT INTO offering_items (tenant_id, application_id, name, status, quota_value, quota_overage, quota_version, updated_at)
				VALUES (?,?,?,1,?,?,?,?) ON CONFLICT (tenant_id, application_id, name) DO UPDATE SET status = 1,
				quota_value = excluded.quota_value, quota_overage = excluded.quota_overage, quota_version = excluded.quota_version,
				updated_at = excluded.updated_at`, t.ID, appID, name, value, overage, version, micros(tx.now))
			if err != nil {
				return result{}, fmt.Errorf("turn item on: %w", err)
			}
		}
		if len(plan.On) > 0 {
			if err := db.bind(ctx, tx, t, appID); err != nil {
				return result{}, err
			}
		}
		items, err := db.items(ctx, tx, t)
		if err != nil {
			return result{}, err
		}
		var mine []tenantd.OfferingItem
		for _, it := range items {
			if it.ApplicationID == appID {
				mine = append(mine, it)
			}
		}
		if err := audit(ctx, tx, change{tenantID: t.ID, path: t.Path, objectType: tenantd.ObjectEdition, objectID: appID,
			action: tenantd.ActionSwitch, before: before, after: editionState(appID, target, items)}); err != nil {
			return result{}, err
		}
		return result{plan, mine}, nil
	})
	return r.plan, r.items, err
}

// checkItemInfra checks that tenant t's item def may offer infrastructure
// id: an item of type infra, an infrastructure owned by t or an ancestor of
// it, with the capability the item's service needs.
func (db *DB) checkItemInfra(ctx context.Context, tx *Tx, t *tenantd.Tenant, def tenantd.OfferingItemDef, id string) error {
	if def.Type != tenantd.ItemInfra {
		return tenantd.Errorf(tenantd.EINVALID, "item %s is of type %s: only items of type infra have an infra_id", def.Name, def.Type)
	}
	if !tenantd.ValidID(id) {
		return tenantd.Errorf(tenantd.EINVALID, "infra_id of item %s must be a lowercase UUID, not %q", def.Name, id)
	}
	x, path, err := findInfra(ctx, tx, id)
	if tenantd.ErrorKind(err) == tenantd.ENOTFOUND || err == nil && !tenantd.InSubtree(t.Path, path) {
		return tenantd.Errorf(tenantd.EINVALID, "infrastructure %s is not one tenant %s may use", id, t.ID).With("infra_id", id)
	}
	if err != nil {
		return err
	}
	if need := db.catalog.InfraCapability(def.ApplicationID); need != "" && !slices.Contains(x.Capabilities, need) {
		return tenantd.Errorf(tenantd.EINVALID, "infrastructure %s lacks the capability %s that item %s needs", id, need, def.Name).
			With("infra_id", id)
	}
	return nil
}
