package tenantd

// Upsell is what a user is offered when more would serve them: a higher
// edition of a service (edition upsell) or more quota (quota upsell). The
// offer is either "Buy now", a link to the partner's Buy page (the Buy URL,
// the upsell_url of the tenant's effective brand), or "Contact your sales
// representative". tenantd computes which, for the UI and for the quota
// notifications.
//
// Decisions, where the API leaves a choice:
//   - "Buy now" needs all four: the user is a company administrator, has
//     business type buyer, the effective brand is enabled, and it has a Buy
//     URL. Anything less gets "Contact your sales representative": a Buy URL
//     alone does not give a non-administrator or a non-buyer a Buy link.
//   - Edition upsell shows only where PromoteHigherEditions is in force; it
//     then shows to everyone, buyer or not, as the published role table has
//     it (only the administrator who is a buyer may buy).
//   - Quota upsell goes only to buyers; PromoteHigherEditions does not
//     matter to it.
//   - A Buy URL of only spaces counts as none.
//   - The edition upsell link is the Buy URL as it is. The quota upsell link
//     (QuotaBuyURL) adds origin and user_quotas to its query; several quota
//     names are joined by commas in one user_quotas parameter, and a Buy URL
//     that already has either parameter has it replaced.

import (
	"net/url"
	"strings"
)

// Upsell prompt kinds.
const (
	UpsellBuyNow       = "buy_now"       // "Buy now", with the Buy URL
	UpsellContactSales = "contact_sales" // "Contact your sales representative"
)

// UpsellInput is what decides the upsell prompt a user sees.
type UpsellInput struct {
	CompanyAdmin bool // the user is a company administrator
	Buyer        bool // the user has business type buyer
	// BrandingEnabled is true when the tenant has an effective brand: its
	// nearest ancestor with branding enabled.
	BrandingEnabled bool
	// BuyURL is the upsell_url of that brand, "" if none.
	BuyURL string
	// PromoteHigherEditions is the value in force of the platform setting
	// PromoteHigherEditions for the user's tenant.
	PromoteHigherEditions bool
}

// UpsellPrompt is the upsell prompt a user sees.
type UpsellPrompt struct {
	Show bool
	Kind string // UpsellBuyNow, UpsellContactSales, or "" when Show is false
	URL  string // the Buy URL, for UpsellBuyNow only
}

// EditionUpsell returns the prompt a user sees for a higher edition: none
// unless PromoteHigherEditions is in force; "Buy now" for a company
// administrator who is a buyer under an enabled brand with a Buy URL;
// "Contact your sales representative" for everyone else.
func EditionUpsell(in UpsellInput) UpsellPrompt {
	if !in.PromoteHigherEditions {
		return UpsellPrompt{}
	}
	return prompt(in)
}

// QuotaUpsell returns the prompt a user sees when a quota is nearly or
// wholly used: none unless the user is a buyer; "Buy now" for a company
// administrator under an enabled brand with a Buy URL; "Contact your sales
// representative" for other buyers. Its URL is the bare Buy URL; see
// QuotaBuyURL for the link a notification carries.
func QuotaUpsell(in UpsellInput) UpsellPrompt {
	if !in.Buyer {
		return UpsellPrompt{}
	}
	return prompt(in)
}

func prompt(in UpsellInput) UpsellPrompt {
	u := strings.TrimSpace(in.BuyURL)
	if in.CompanyAdmin && in.Buyer && in.BrandingEnabled && u != "" {
		return UpsellPrompt{Show: true, Kind: UpsellBuyNow, URL: u}
	}
	return UpsellPrompt{Show: true, Kind: UpsellContactSales}
}

// Quota upsell origins: where the user followed the link from.
const (
	OriginEmailNotification = "email_notification" // a quota notification e-mail
	OriginUsageInfo         = "mc_usage_info"      // the usage page of the portal
	OriginAlertOnStorage    = "Alert_on_Storage"   // a storage quota alert
)

// upsellQuotas maps usage names to the quota names of the Buy page.
var upsellQuotas = map[string]string{
	"storage":      "storage_size",
	"workstations": "physical_machines",
	"servers":      "physical_servers",
	"vms":          "virtual_machines",
	"mobiles":      "mobile_devices",
}

// UpsellQuotaName returns the name the Buy page knows the quota of usage
// usageName by ("storage" → "storage_size", "vms" → "virtual_machines"), ""
// for a usage it does not know.
func UpsellQuotaName(usageName string) string { return upsellQuotas[usageName] }

// QuotaBuyURL returns the Buy URL with the query parameters origin (where
// the user comes from, such as OriginEmailNotification) and user_quotas (the
// quotas concerned, such as "storage_size", joined by commas) added. The
// URL's other query parameters and its fragment are kept as they are; an
// empty origin or no quotas leave that parameter out. An empty or
// unparsable Buy URL is returned as it is.
func QuotaBuyURL(buyURL, origin string, quotas []string) string {
	buyURL = strings.TrimSpace(buyURL)
	u, err := url.Parse(buyURL)
	if buyURL == "" || err != nil {
		return buyURL
	}
	var parts []string
	for _, p := range strings.Split(u.RawQuery, "&") {
		key, _, _ := strings.Cut(p, "=")
		if k, err := url.QueryUnescape(key); p == "" || err == nil && (k == "origin" || k == "user_quotas") {
			continue
		}
		parts = append(parts, p)
	}
	if origin != "" {
		parts = append(parts, "origin="+url.QueryEscape(origin))
	}
	if len(quotas) > 0 {
		q := make([]string, len(quotas))
		for i, n := range quotas {
			q[i] = url.QueryEscape(n)
		}
		parts = append(parts, "user_quotas="+strings.Join(q, ","))
	}
	u.RawQuery = strings.Join(parts, "&")
	u.ForceQuery = false
	return u.String()
}
