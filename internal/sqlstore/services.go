package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/tenantd/tenantd"
)

var (
	_ tenantd.ApplicationService = (*DB)(nil)
	_ tenantd.SettingService     = (*DB)(nil)
)

// tenantApps returns the applications bound to a tenant: the root has every
// application of the catalog, every tenant has the platform.
func (db *DB) tenantApps(ctx context.Context, tx *Tx, t *tenantd.Tenant) (map[string]bool, error) {
	apps := map[string]bool{tenantd.PlatformAppID: true}
	if t.Kind == tenantd.KindRoot {
		for _, a := range db.catalog.Applications {
			apps[a.ID] = true
		}
		return apps, nil
	}
	rows, err := tx.query(ctx, "SELECT application_id FROM app_bindings WHERE tenant_id = ?", t.ID)
	if err != nil {
		return nil, fmt.Errorf("query bindings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, classify(err)
		}
		apps[id] = true
	}
	return apps, classify(rows.Err())
}

// sortedKeys returns the keys of a set, sorted.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// knownApp returns ENOTFOUND for an application the catalog lacks.
func (db *DB) knownApp(appID string) error {
	if _, ok := db.catalog.Application(appID); !ok {
		return tenantd.Errorf(tenantd.ENOTFOUND, "application %s not found", appID)
	}
	return nil
}

// TenantApplications returns a tenant's applications; see
// tenantd.ApplicationService.
func (db *DB) TenantApplications(ctx context.Context, tenantID string) ([]string, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]string, error) {
		t, err := visibleTenant(ctx, tx, p, tenantID, false)
		if err != nil {
			return nil, err
		}
		apps, err := db.tenantApps(ctx, tx, t)
		return sortedKeys(apps), err
	})
}

// ancestorWritable returns a live tenant that the principal may change as a
// strict ancestor: services, offering items, editions and pricing.
func ancestorWritable(ctx context.Context, tx *Tx, p *tenantd.Principal, id, what string) (*tenantd.Tenant, error) {
	t, err := writableTenant(ctx, tx, p, id)
	if err != nil {
		return nil, err
	}
	if !p.IsStrictAncestorOf(t.Path) {
		return nil, tenantd.Errorf(tenantd.EFORBIDDEN, "only an ancestor of tenant %s may change its %s", t.ID, what)
	}
	return t, nil
}

// parentOf returns the parent of a tenant that is not the root.
func parentOf(ctx context.Context, tx *Tx, t *tenantd.Tenant) (*tenantd.Tenant, error) {
	return findTenant(ctx, tx, t.ParentID, false)
}

// BindApplication binds an application; see tenantd.ApplicationService.
func (db *DB) BindApplication(ctx context.Context, appID, tenantID string) error {
	p, err := writer(ctx)
	if err != nil {
		return err
	}
	if err := db.knownApp(appID); err != nil {
		return err
	}
	_, err = write(ctx, db, func(tx *Tx) (struct{}, error) {
		t, err := ancestorWritable(ctx, tx, p, tenantID, "services")
		if err != nil {
			return struct{}{}, err
		}
		had, err := db.tenantApps(ctx, tx, t)
		if err != nil {
			return struct{}{}, err
		}
		if err := db.bind(ctx, tx, t, appID); err != nil || had[appID] {
			return struct{}{}, err
		}
		return struct{}{}, audit(ctx, tx, change{tenantID: t.ID, path: t.Path, objectType: tenantd.ObjectBinding, objectID: appID,
			action: tenantd.ActionBind, after: bindingState(appID)})
	})
	return err
}

// bind binds an application to a tenant whose parent has it.
func (db *DB) bind(ctx context.Context, tx *Tx, t *tenantd.Tenant, appID string) error {
	if appID == tenantd.PlatformAppID || t.Kind == tenantd.KindRoot {
		return nil
	}
	parent, err := parentOf(ctx, tx, t)
	if err != nil {
		return err
	}
	has, err := db.tenantApps(ctx, tx, parent)
	if err != nil {
		return err
	}
	if !has[appID] {
		return tenantd.Errorf(tenantd.EINVALID, "the parent of tenant %s does not have application %s", t.ID, appID)
	}
	_, err = tx.exec(ctx, "INSERT INTO app_bindings (tenant_id, application_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		t.ID, appID, micros(tx.now))
	if err != nil {
		return fmt.Errorf("bind application: %w", err)
	}
	return nil
}

// UnbindApplication unbinds an application from a subtree; see
// tenantd.ApplicationService.
func (db *DB) UnbindApplication(ctx context.Context, appID, tenantID string) error {
	p, err := writer(ctx)
	if err != nil {
		return err
	}
	if err := db.knownApp(appID); err != nil {
		return err
	}
	if appID == tenantd.PlatformAppID {
		return tenantd.Errorf(tenantd.EINVALID, "the platform application is bound to every tenant")
	}
	_, err = write(ctx, db, func(tx *Tx) (struct{}, error) {
		t, err := ancestorWritable(ctx, tx, p, tenantID, "services")
		if err != nil {
			return struct{}{}, err
		}
		had, err := db.tenantApps(ctx, tx, t)
		if err != nil {
			return struct{}{}, err
		}
		lo, hi := t.Path, subtreeUpper(t.Path)
		if _, err := tx.exec(ctx, `DELETE FROM app_bindings WHERE application_id = ?
			AND tenant_id IN (SELECT id FROM tenants WHERE path >= ? AND path < ?)`, appID, lo, hi); err != nil {
			return struct{}{}, fmt.Errorf("unbind: %w", err)
		}
		if _, err := tx.exec(ctx, `UPDATE offering_items SET status = 0, updated_at = ? WHERE application_id = ? AND status = 1
			AND tenant_id IN (SELECT id FROM tenants WHERE path >= ? AND path < ?)`, micros(tx.now), appID, lo, hi); err != nil {
			return struct{}{}, fmt.Errorf("turn items off: %w", err)
		}
		if !had[appID] {
			return struct{}{}, nil
		}
		return struct{}{}, audit(ctx, tx, change{tenantID: t.ID, path: t.Path, objectType: tenantd.ObjectBinding, objectID: appID,
			action: tenantd.ActionUnbind, before: bindingState(appID)})
	})
	return err
}

// settingChain returns the values of a setting along the path of a tenant,
// from the root down to the tenant; nil where a tenant sets none.
func settingChain(ctx context.Context, tx *Tx, t *tenantd.Tenant, appID, name string) ([]*tenantd.SettingValue, error) {
	ids := tenantd.PathIDs(t.Path)
	args := []any{appID, name}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := tx.query(ctx, "SELECT tenant_id, value, locked, is_exclusive FROM settings WHERE application_id = ? AND name = ? AND tenant_id IN ("+
		placeholders(len(ids))+")", args...)
	if err != nil {
		return nil, fmt.Errorf("query setting: %w", err)
	}
	defer rows.Close()
	byTenant := map[string]*tenantd.SettingValue{}
	for rows.Next() {
		var v tenantd.SettingValue
		var value string
		if err := rows.Scan(&v.TenantID, &value, &v.Lock, &v.Exclusive); err != nil {
			return nil, classify(err)
		}
		v.Value = json.RawMessage(value)
		byTenant[v.TenantID] = &v
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	chain := make([]*tenantd.SettingValue, len(ids))
	for i, id := range ids {
		chain[i] = byTenant[id]
	}
	return chain, nil
}

// settingTarget checks that a tenant has an application with a setting.
func (db *DB) settingTarget(ctx context.Context, tx *Tx, t *tenantd.Tenant, appID, name string) (tenantd.SettingDef, error) {
	if err := db.knownApp(appID); err != nil {
		return tenantd.SettingDef{}, err
	}
	apps, err := db.tenantApps(ctx, tx, t)
	if err != nil {
		return tenantd.SettingDef{}, err
	}
	if !apps[appID] {
		return tenantd.SettingDef{}, tenantd.Errorf(tenantd.ENOTFOUND, "tenant %s does not have application %s", t.ID, appID)
	}
	if name == "" {
		return tenantd.SettingDef{}, nil
	}
	def, ok := db.catalog.Setting(appID, name)
	if !ok {
		return def, tenantd.Errorf(tenantd.ENOTFOUND, "application %s has no setting %q", appID, name)
	}
	return def, nil
}

func (db *DB) resolve(ctx context.Context, tx *Tx, t *tenantd.Tenant, def tenantd.SettingDef) (*tenantd.ResolvedSetting, error) {
	chain, err := settingChain(ctx, tx, t, def.ApplicationID, def.Name)
	if err != nil {
		return nil, err
	}
	r := tenantd.ResolveSetting(def, chain)
	return &r, nil
}

// Setting returns a resolved setting; see tenantd.SettingService.
func (db *DB) Setting(ctx context.Context, appID, tenantID, name string) (*tenantd.ResolvedSetting, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.ResolvedSetting, error) {
		t, err := visibleTenant(ctx, tx, p, tenantID, false)
		if err != nil {
			return nil, err
		}
		def, err := db.settingTarget(ctx, tx, t, appID, name)
		if err != nil {
			return nil, err
		}
		return db.resolve(ctx, tx, t, def)
	})
}

// Settings returns every setting of an application; see
// tenantd.SettingService.
func (db *DB) Settings(ctx context.Context, appID, tenantID string) ([]tenantd.ResolvedSetting, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]tenantd.ResolvedSetting, error) {
		t, err := visibleTenant(ctx, tx, p, tenantID, false)
		if err != nil {
			return nil, err
		}
		if _, err := db.settingTarget(ctx, tx, t, appID, ""); err != nil {
			return nil, err
		}
		out := []tenantd.ResolvedSetting{}
		for _, def := range db.catalog.SettingsOf(appID) {
			r, err := db.resolve(ctx, tx, t, def)
			if err != nil {
				return nil, err
			}
			out = append(out, *r)
		}
		return out, nil
	})
}

// SetSetting sets a tenant's own value; see tenantd.SettingService.
func (db *DB) SetSetting(ctx context.Context, appID, tenantID, name string, v tenantd.SettingValue) (*tenantd.ResolvedSetting, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.ResolvedSetting, error) {
		t, err := writableTenant(ctx, tx, p, tenantID)
		if err != nil {
			return nil, err
		}
		def, err := db.settingTarget(ctx, tx, t, appID, name)
		if err != nil {
			return nil, err
		}
		value, err := def.NormalizeValue(v.Value)
		if err != nil {
			return nil, err
		}
		chain, err := settingChain(ctx, tx, t, appID, name)
		if err != nil {
			return nil, err
		}
		if err := tenantd.CheckSettingWrite(chain); err != nil {
			return nil, err
		}
		before := settingState(appID, name, ownSetting(chain))
		_, err = tx.exec(ctx, `INSERT INTO settings (tenant_id, application_id, name, value, locked, is_exclusive, updated_at)
			VALUES (?,?,?,?,?,?,?) ON CONFLICT (tenant_id, application_id, name)
			DO UPDATE SET value = excluded.value, locked = excluded.locked, is_exclusive = excluded.is_exclusive, updated_at = excluded.updated_at`,
			t.ID, appID, name, string(value), v.Lock, v.Exclusive, micros(tx.now))
		if err != nil {
			return nil, fmt.Errorf("set setting: %w", err)
		}
		rs, err := db.resolve(ctx, tx, t, def)
		if err != nil {
			return nil, err
		}
		if err := audit(ctx, tx, change{tenantID: t.ID, path: t.Path, objectType: tenantd.ObjectSetting, objectID: appID + "/" + name,
			action: tenantd.ActionSet, before: before, after: settingState(appID, name, rs.Own)}); err != nil {
			return nil, err
		}
		return rs, nil
	})
}

// DeleteSetting removes a tenant's own value; see tenantd.SettingService.
func (db *DB) DeleteSetting(ctx context.Context, appID, tenantID, name string) error {
	p, err := writer(ctx)
	if err != nil {
		return err
	}
	_, err = write(ctx, db, func(tx *Tx) (struct{}, error) {
		t, err := writableTenant(ctx, tx, p, tenantID)
		if err != nil {
			return struct{}{}, err
		}
		if _, err := db.settingTarget(ctx, tx, t, appID, name); err != nil {
			return struct{}{}, err
		}
		chain, err := settingChain(ctx, tx, t, appID, name)
		if err != nil {
			return struct{}{}, err
		}
		_, err = tx.exec(ctx, "DELETE FROM settings WHERE tenant_id = ? AND application_id = ? AND name = ?", t.ID, appID, name)
		if err != nil || ownSetting(chain) == nil {
			return struct{}{}, err
		}
		return struct{}{}, audit(ctx, tx, change{tenantID: t.ID, path: t.Path, objectType: tenantd.ObjectSetting, objectID: appID + "/" + name,
			action: tenantd.ActionDelete, before: settingState(appID, name, ownSetting(chain))})
	})
	return err
}
