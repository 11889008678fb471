package tenantd

import (
	"context"
	"time"
)

// OfferingItem is an offering item of one tenant: the catalog's item with the
// tenant's status and quota.
type OfferingItem struct {
	OfferingItemDef
	TenantID  string
	Status    int // 1 on, 0 off
	Locked    bool
	Quota     *Quota // nil for items that have no quota (features)
	UpdatedAt time.Time
	// InfraID is, for an item of type infra, the infrastructure the item
	// offers: the catalog's platform storage unless set otherwise; "" for
	// the other types.
	InfraID string
}

// Quota limits an item: Value is the limit and Overage how far usage may
// exceed it; nil means no limit. Version is the millisecond Unix time of the
// quota's last change, 0 while both are nil.
type Quota struct {
	Value   *int64
	Overage *int64
	Version int64
}

// OfferingItemChange changes one item of a tenant: its status, its quota,
// or both.
type OfferingItemChange struct {
	ApplicationID string
	Name          string
	Status        *int
	// Quota, when set, replaces the quota; its Version must be the current
	// one (0 for an item that never had a quota).
	Quota *Quota
	// InfraID, when set, binds an item of type infra to an infrastructure
	// the tenant may use (its own or an ancestor's) that serves the item's
	// service.
	InfraID *string
}

// ItemPrice is what a tenant pays for an item: a decimal string in the
// tenant's currency, versioned by the millisecond time of its last change.
type ItemPrice struct {
	ApplicationID string
	Name          string
	Price         string
	Version       int64
}

// Pricing is a tenant's pricing mode: trial, then production once, for good.
type Pricing struct {
	Mode                string
	Currency            *string
	Version             int64 // millisecond Unix time of the last change
	ProductionStartDate *time.Time
}

// PricingUpdate changes a tenant's pricing.
type PricingUpdate struct {
	Version     int64
	Mode        *string
	CurrencySet bool
	Currency    *string
}

// Currencies are the currencies prices may be in.
var currencies = map[string]bool{
	"AUD": true, "BRL": true, "CAD": true, "EUR": true, "CNY": true, "GBP": true, "JPY": true, "KZT": true,
	"NZD": true, "RUB": true, "USD": true, "ZAR": true,
}

// ValidCurrency reports whether c is a currency of the API.
func ValidCurrency(c string) bool { return currencies[c] }

// ApplicationService binds services to tenants. A tenant has the platform
// application always, and another service only when its parent has it.
type ApplicationService interface {
	// TenantApplications returns the ids of the applications bound to a
	// tenant. Returns ENOTFOUND if the tenant is not visible.
	TenantApplications(ctx context.Context, tenantID string) ([]string, error)

	// BindApplication binds an application to a tenant. Returns ENOTFOUND,
	// EFORBIDDEN unless the principal is a strict ancestor, EINVALID if the
	// parent lacks the application.
	BindApplication(ctx context.Context, appID, tenantID string) error

	// UnbindApplication unbinds an application from a tenant and its
	// subtree, turning its offering items off there. Returns ENOTFOUND,
	// EFORBIDDEN, EINVALID for the platform application.
	UnbindApplication(ctx context.Context, appID, tenantID string) error
}

// SettingService reads and changes the settings of applications per tenant.
type SettingService interface {
	// Setting returns a setting of a tenant, resolved along its ancestors.
	// Returns ENOTFOUND for an unknown application, setting or tenant, or an
	// application the tenant lacks.
	Setting(ctx context.Context, appID, tenantID, name string) (*ResolvedSetting, error)

	// Settings returns every setting of an application for a tenant.
	Settings(ctx context.Context, appID, tenantID string) ([]ResolvedSetting, error)

	// SetSetting sets a tenant's own value of a setting. Returns EINVALID for
	// a value of the wrong type, EFORBIDDEN under a locked ancestor or
	// outside the principal's subtree.
	SetSetting(ctx context.Context, appID, tenantID, name string, v SettingValue) (*ResolvedSetting, error)

	// DeleteSetting removes a tenant's own value of a setting.
	DeleteSetting(ctx context.Context, appID, tenantID, name string) error
}

// OfferingService manages the offering items, quotas, prices and editions
// of tenants. Only a strict ancestor changes a tenant's items, edition and
// prices: nobody raises their own quota.
type OfferingService interface {
	// OfferingItems returns every item of a tenant (the root has all of the
	// catalog, on, without quotas). Returns ENOTFOUND if it is not visible.
	OfferingItems(ctx context.Context, tenantID string) ([]OfferingItem, error)

	// AvailableForChild returns the items a new child of kind could get:
	// the tenant's items that are on, without quotas; kind "" is a child of
	// any kind. Returns EINVALID if the tenant cannot hold a child of kind.
	AvailableForChild(ctx context.Context, tenantID string, kind TenantKind) ([]OfferingItem, error)

	// SetOfferingItems applies changes and returns the tenant's items.
	// Returns EINVALID for unknown items, negative quotas, quotas above the
	// parent's, items the parent lacks; ECONFLICT with code QuotaVersion for
	// a stale quota version; EFORBIDDEN unless from a strict ancestor.
	SetOfferingItems(ctx context.Context, tenantID string, changes []OfferingItemChange) ([]OfferingItem, error)

	// SubtreeOfferingItems returns the items of every tenant of a subtree,
	// ordered by tenant, application and name, after the given key.
	SubtreeOfferingItems(ctx context.Context, rootID string, after *OfferingItemKey, limit int, allowDeleted bool) ([]OfferingItem, error)

	// ItemPrices returns the prices of a tenant's items.
	ItemPrices(ctx context.Context, tenantID string) ([]ItemPrice, error)

	// SetItemPrices sets prices; a price's version, when not 0, must be the
	// current one (ECONFLICT).
	SetItemPrices(ctx context.Context, tenantID string, prices []ItemPrice) ([]ItemPrice, error)

	// CheckEdition computes what switching a tenant's service to an edition
	// would do, changing nothing.
	CheckEdition(ctx context.Context, tenantID, appID, target string) (*EditionSwitch, error)

	// SwitchEdition switches a tenant's service to an edition and returns
	// what it did with the tenant's items.
	SwitchEdition(ctx context.Context, tenantID, appID, target string) (*EditionSwitch, []OfferingItem, error)
}

// OfferingItemKey is the position of an item in a subtree listing.
type OfferingItemKey struct {
	TenantID      string `json:"t"`
	ApplicationID string `json:"a"`
	Name          string `json:"n"`
}

// PricingService manages the pricing mode of tenants.
type PricingService interface {
	// Pricing returns a tenant's pricing. Returns ENOTFOUND.
	Pricing(ctx context.Context, tenantID string) (*Pricing, error)

	// UpdatePricing changes a tenant's pricing: trial to production once,
	// and the currency. Returns EINVALID for production to trial or an
	// unknown currency or mode, ECONFLICT for a stale version, EFORBIDDEN
	// unless from a strict ancestor.
	UpdatePricing(ctx context.Context, tenantID string, u *PricingUpdate) (*Pricing, error)

	// SwitchDueToProduction switches every tenant whose trial has ended to
	// production, each exactly once even with several instances at work,
	// and returns how many it switched. It needs no principal.
	SwitchDueToProduction(ctx context.Context) (int, error)
}
