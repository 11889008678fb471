package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/tenantd/tenantd"
)

var _ tenantd.UpsellService = (*DB)(nil)

// promoteHigherEditions names the platform setting that turns edition upsell
// on.
const promoteHigherEditions = "PromoteHigherEditions"

// UpsellInput gathers what decides a user's upsell prompts; see
// tenantd.UpsellService. The user itself may ask, and so may whoever may
// read users of its tenant. The effective brand is found from the user's
// tenant up, even above the principal's home tenant.
func (db *DB) UpsellInput(ctx context.Context, userID string) (tenantd.UpsellInput, error) {
	p, err := principal(ctx)
	if err != nil {
		return tenantd.UpsellInput{}, err
	}
	return read(ctx, db, func(tx *Tx) (tenantd.UpsellInput, error) {
		u, err := readableUser(ctx, tx, p, userID, false)
		if err != nil {
			return tenantd.UpsellInput{}, err
		}
		t, err := findTenant(ctx, tx, u.TenantID, false)
		if err != nil {
			return tenantd.UpsellInput{}, err
		}
		roles, err := userRoles(ctx, tx, u.ID)
		if err != nil {
			return tenantd.UpsellInput{}, err
		}
		in := tenantd.UpsellInput{CompanyAdmin: slices.Contains(roles, tenantd.RoleCompanyAdmin), Buyer: u.IsBuyer()}
		b, err := effectiveBrand(ctx, tx, t.Path)
		switch {
		case err == nil:
			in.BrandingEnabled, in.BuyURL = true, b.UpsellURL()
		case tenantd.ErrorKind(err) != tenantd.ENOTFOUND:
			return tenantd.UpsellInput{}, err
		}
		if in.PromoteHigherEditions, err = db.promoteHigherEditions(ctx, tx, t); err != nil {
			return tenantd.UpsellInput{}, err
		}
		return in, nil
	})
}

// promoteHigherEditions returns the value in force of the platform setting
// PromoteHigherEditions for a tenant.
func (db *DB) promoteHigherEditions(ctx context.Context, tx *Tx, t *tenantd.Tenant) (bool, error) {
	def := tenantd.SettingDef{ApplicationID: tenantd.PlatformAppID, Name: promoteHigherEditions,
		Type: tenantd.SettingBoolean, Default: json.RawMessage("false")}
	if db.catalog != nil {
		if d, ok := db.catalog.Setting(tenantd.PlatformAppID, promoteHigherEditions); ok {
			def = d
		}
	}
	chain, err := settingChain(ctx, tx, t, def.ApplicationID, def.Name)
	if err != nil {
		return false, err
	}
	var on bool
	if err := json.Unmarshal(tenantd.ResolveSetting(def, chain).Value, &on); err != nil {
		return false, fmt.Errorf("decode %s of tenant %s: %w", promoteHigherEditions, t.ID, err)
	}
	return on, nil
}
