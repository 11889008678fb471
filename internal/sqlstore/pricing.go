package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tenantd/tenantd"
)

var _ tenantd.PricingService = (*DB)(nil)

func (db *DB) pricing(ctx context.Context, tx *Tx, t *tenantd.Tenant) (*tenantd.Pricing, error) {
	var version int64
	var currency sql.NullString
	if err := tx.queryRow(ctx, "SELECT pricing_version, currency FROM tenants WHERE id = ?", t.ID).Scan(&version, &currency); err != nil {
		return nil, fmt.Errorf("read pricing: %w", classify(err))
	}
	if version == 0 {
		version = t.CreatedAt.UnixMilli()
	}
	return &tenantd.Pricing{Mode: t.PricingMode, Currency: fromNullString(currency), Version: version, ProductionStartDate: t.ProductionStartDate}, nil
}

// Pricing returns a tenant's pricing; see tenantd.PricingService.
func (db *DB) Pricing(ctx context.Context, tenantID string) (*tenantd.Pricing, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.Pricing, error) {
		t, err := visibleTenant(ctx, tx, p, tenantID, false)
		if err != nil {
			return nil, err
		}
		return db.pricing(ctx, tx, t)
	})
}

// UpdatePricing changes a tenant's pricing; see tenantd.PricingService.
func (db *DB) UpdatePricing(ctx context.Context, tenantID string, u *tenantd.PricingUpdate) (*tenantd.Pricing, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	if u.Mode != nil && *u.Mode != tenantd.PricingTrial && *u.Mode != tenantd.PricingProduction {
		return nil, tenantd.Errorf(tenantd.EINVALID, "mode %q cannot be set; a tenant goes from trial to production", *u.Mode)
	}
	if u.Currency != nil && !tenantd.ValidCurrency(*u.Currency) {
		return nil, tenantd.Errorf(tenantd.EINVALID, "currency %q is not one of the API's currencies", *u.Currency)
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.Pricing, error) {
		t, err := ancestorWritable(ctx, tx, p, tenantID, "pricing")
		if err != nil {
			return nil, err
		}
		cur, err := db.pricing(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		if u.Version != cur.Version {
			return nil, tenantd.CodedErrorf(tenantd.ECONFLICT, tenantd.CodeVersionConflict,
				"the pricing of tenant %s has changed: its version is %d", t.ID, cur.Version).With("version", cur.Version)
		}
		changed := false
		if u.Mode != nil && *u.Mode != cur.Mode {
			if *u.Mode == tenantd.PricingTrial {
				return nil, tenantd.Errorf(tenantd.EINVALID, "tenant %s is in production; that cannot be undone", t.ID)
			}
			if t.Kind == tenantd.KindUnit {
				return nil, tenantd.Errorf(tenantd.EINVALID, "a unit follows the pricing of its customer")
			}
			if err := switchToProduction(ctx, tx, t, tx.now, p.ID); err != nil {
				return nil, err
			}
			t.PricingMode, t.ProductionStartDate = tenantd.PricingProduction, &tx.now
			changed = true
		}
		if u.CurrencySet && !sameString(u.Currency, cur.Currency) {
			if _, err := tx.exec(ctx, "UPDATE tenants SET currency = ? WHERE id = ?", nullString(u.Currency), t.ID); err != nil {
				return nil, fmt.Errorf("set currency: %w", err)
			}
			changed = true
		}
		if changed {
			if _, err := tx.exec(ctx, "UPDATE tenants SET pricing_version = ?, updated_at = ? WHERE id = ?", tx.nextVersion(cur.Version), micros(tx.now), t.ID); err != nil {
				return nil, fmt.Errorf("version pricing: %w", err)
			}
		}
		after, err := db.pricing(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		if err := audit(ctx, tx, change{tenantID: t.ID, path: t.Path, objectType: tenantd.ObjectPricing, objectID: t.ID,
			action: tenantd.ActionUpdate, before: pricingState(cur), after: pricingState(after)}); err != nil {
			return nil, err
		}
		return after, nil
	})
}

// nextVersionSQL is Tx.nextVersion of pricing_version in SQL; it takes the
// transaction's millisecond time twice.
const nextVersionSQL = "CASE WHEN pricing_version < ? THEN ? ELSE pricing_version + 1 END"

// switchToProduction puts a tenant in trial, and the units below it, in
// production from start, and records the switch, which the primary key of
// pricing_switches allows once per tenant.
func switchToProduction(ctx context.Context, tx *Tx, t *tenantd.Tenant, start time.Time, by string) error {
	res, err := tx.exec(ctx, `UPDATE tenants SET pricing_mode = ?, production_start_date = ?, pricing_version = `+nextVersionSQL+`, updated_at = ?
		WHERE id = ? AND pricing_mode = ?`, tenantd.PricingProduction, micros(start), tx.millis(), tx.millis(), micros(tx.now), t.ID, tenantd.PricingTrial)
	if err != nil {
		return fmt.Errorf("switch to production: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return tenantd.Errorf(tenantd.ECONFLICT, "tenant %s is no longer in trial", t.ID)
	}
	if _, err := tx.exec(ctx, "INSERT INTO pricing_switches (tenant_id, switched_at, switched_by) VALUES (?, ?, ?)", t.ID, micros(tx.now), by); err != nil {
		return fmt.Errorf("record switch: %w", err)
	}
	_, err = tx.exec(ctx, `UPDATE tenants SET pricing_mode = ?, production_start_date = ?, pricing_version = `+nextVersionSQL+`, updated_at = ?
		WHERE path > ? AND path < ? AND kind = 'unit' AND pricing_mode = ?`,
		tenantd.PricingProduction, micros(start), tx.millis(), tx.millis(), micros(tx.now), t.Path, subtreeUpper(t.Path), tenantd.PricingTrial)
	if err != nil {
		return fmt.Errorf("switch units: %w", err)
	}
	return nil
}

// switchBatch is how many due tenants one transaction of
// SwitchDueToProduction switches.
const switchBatch = 500

// SwitchDueToProduction switches tenants whose trial has ended; see
// tenantd.PricingService. Instances running it at once skip each other's
// rows on PostgreSQL and take turns on SQLite; a tenant is switched only
// while still in trial, so never twice.
func (db *DB) SwitchDueToProduction(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := write(ctx, db, func(tx *Tx) (int, error) {
			q := `SELECT ` + tenantColumns + ` FROM tenants t WHERE t.pricing_mode = 'trial' AND t.kind <> 'unit'
				AND t.production_start_date <= ? AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL ORDER BY t.production_start_date LIMIT ?`
			if db.dialect.name == "postgres" {
				q += " FOR UPDATE OF t SKIP LOCKED"
			}
			due, err := queryTenants(ctx, tx, q, micros(tx.now), switchBatch)
			if err != nil {
				return 0, err
			}
			for _, t := range due {
				before, err := db.pricing(ctx, tx, t)
				if err != nil {
					return 0, err
				}
				if err := switchToProduction(ctx, tx, t, *t.ProductionStartDate, "trial-expiry"); err != nil {
					return 0, err
				}
				t.PricingMode = tenantd.PricingProduction
				after, err := db.pricing(ctx, tx, t)
				if err != nil {
					return 0, err
				}
				if err := audit(ctx, tx, change{tenantID: t.ID, path: t.Path, objectType: tenantd.ObjectPricing, objectID: t.ID,
					action: tenantd.ActionUpdate, before: pricingState(before), after: pricingState(after), actor: &tenantd.SystemActor}); err != nil {
					return 0, err
				}
			}
			return len(due), nil
		})
		total += n
		if err != nil || n < switchBatch {
			return total, err
		}
	}
}
