package tenantd

import (
	"context"
	"time"
)

// Brand is a partner's (or the root's) branding: names, colours, links and
// an e-mail server for its customers' users. UpsellURL is the Buy URL that
// "Buy now" prompts open.
type Brand struct {
	ID       string // brand_uuid of the tenant
	TenantID string
	// Fields holds the brand's string fields by wire name (company_name,
	// upsell_url, ...); BrandStringFields lists them.
	Fields map[string]string
	// Flags holds the brand's boolean fields by wire name.
	Flags     map[string]bool
	HasLogo   bool
	UpdatedAt time.Time
}

// BrandStringFields are the string fields of a brand, by wire name.
var BrandStringFields = []string{
	"company_name", "service_name", "color", "color_scheme", "account_server_url", "backup_console_url",
	"router_url", "reg_server_url", "agent_gateway_url", "home_url", "help_url", "support_url", "support_phone",
	"knowledgebase_url", "user_guide_url", "upsell_url", "terms_url", "platform_terms_url", "privacy_policy_url",
	"mobile_app_android_download_url", "mobile_app_ios_download_url", "smtp_reply_address", "smtp_server",
	"smtp_user", "smtp_password", "smtp_encryption",
}

// BrandFlagFields are the boolean fields of a brand, by wire name.
var BrandFlagFields = []string{"owns_custom_legal_docs", "white_labeled_agent", "hide_predefined"}

// UpsellURL returns the brand's Buy URL, "" when none is set.
func (b *Brand) UpsellURL() string { return b.Fields["upsell_url"] }

// BrandService manages branding. Branding is enabled on partners and the
// root only, and every change is guarded by the tenant's version.
type BrandService interface {
	// EnableBrand enables branding on a tenant and returns the tenant.
	// Returns EINVALID on a customer or unit, ECONFLICT for a stale
	// version, EFORBIDDEN outside the principal's subtree.
	EnableBrand(ctx context.Context, tenantID string, version int64) (*Tenant, error)

	// DisableBrand disables branding on a tenant, keeping its settings.
	DisableBrand(ctx context.Context, tenantID string, version int64) (*Tenant, error)

	// Brand returns a tenant's brand; with effective, the nearest enabled
	// brand from the tenant up. Returns ENOTFOUND when there is none.
	Brand(ctx context.Context, tenantID string, effective bool) (*Brand, error)

	// UpdateBrand changes the fields of an enabled brand that fields and
	// flags carry and returns the tenant. Returns ENOTFOUND when branding is
	// not enabled, ECONFLICT for a stale version.
	UpdateBrand(ctx context.Context, tenantID string, version int64, fields map[string]string, flags map[string]bool) (*Tenant, error)

	// Logo returns a brand's logo and its media type. Returns ENOTFOUND.
	Logo(ctx context.Context, tenantID string) ([]byte, string, error)

	// SetLogo stores a brand's logo and returns the tenant.
	SetLogo(ctx context.Context, tenantID string, version int64, image []byte, mediaType string) (*Tenant, error)
}

// UpsellService tells what prompts a user sees.
type UpsellService interface {
	// UpsellInput gathers the facts the upsell rules need about a user: its
	// roles, business types, effective brand and PromoteHigherEditions.
	// Returns ENOTFOUND if the user is not visible.
	UpsellInput(ctx context.Context, userID string) (UpsellInput, error)
}
