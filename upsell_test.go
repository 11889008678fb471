package tenantd_test

import (
	"testing"

	"github.com/tenantd/tenantd"
)

func TestUpsell(t *testing.T) {
	const (
		T      = true
		F      = false
		buyURL = "https://shop.example.com/buy?partner=42"
	)
	var (
		none  = tenantd.UpsellPrompt{}
		buy   = tenantd.UpsellPrompt{Show: true, Kind: tenantd.UpsellBuyNow, URL: buyURL}
		sales = tenantd.UpsellPrompt{Show: true, Kind: tenantd.UpsellContactSales}
	)
	// Every combination of the inputs, with the prompt of each kind of
	// upsell. "Buy now" needs all four of company administrator, buyer,
	// enabled brand and Buy URL; edition upsell needs PromoteHigherEditions
	// and shows to everyone; quota upsell shows to buyers only.
	tests := []struct {
		admin, buyer, branding, hasURL, promote bool
		edition, quota                          tenantd.UpsellPrompt
	}{
		// admin, buyer, branding, Buy URL, PromoteHigherEditions: edition upsell, quota upsell
		{F, F, F, F, F, none, none},
		{F, F, F, F, T, sales, none},
		{F, F, F, T, F, none, none},
		{F, F, F, T, T, sales, none},
		{F, F, T, F, F, none, none},
		{F, F, T, F, T, sales, none},
		{F, F, T, T, F, none, none},
		{F, F, T, T, T, sales, none},
		{F, T, F, F, F, none, sales},
		{F, T, F, F, T, sales, sales},
		{F, T, F, T, F, none, sales},
		{F, T, F, T, T, sales, sales},
		{F, T, T, F, F, none, sales},
		{F, T, T, F, T, sales, sales},
		{F, T, T, T, F, none, sales},
		{F, T, T, T, T, sales, sales},
		{T, F, F, F, F, none, none},
		{T, F, F, F, T, sales, none},
		{T, F, F, T, F, none, none},
		{T, F, F, T, T, sales, none},
		{T, F, T, F, F, none, none},
		{T, F, T, F, T, sales, none},
		{T, F, T, T, F, none, none},
		{T, F, T, T, T, sales, none},
		{T, T, F, F, F, none, sales},
		{T, T, F, F, T, sales, sales},
		{T, T, F, T, F, none, sales},
		{T, T, F, T, T, sales, sales},
		{T, T, T, F, F, none, sales},
		{T, T, T, F, T, sales, sales},
		{T, T, T, T, F, none, buy},
		{T, T, T, T, T, buy, buy},
	}
	for _, tt := range tests {
		in := tenantd.UpsellInput{
			CompanyAdmin:          tt.admin,
			Buyer:                 tt.buyer,
			BrandingEnabled:       tt.branding,
			PromoteHigherEditions: tt.promote,
		}
		if tt.hasURL {
			in.BuyURL = buyURL
		}
		if got := tenantd.EditionUpsell(in); got != tt.edition {
			t.Errorf("EditionUpsell(%+v) = %+v, want %+v", in, got, tt.edition)
		}
		if got := tenantd.QuotaUpsell(in); got != tt.quota {
			t.Errorf("QuotaUpsell(%+v) = %+v, want %+v", in, got, tt.quota)
		}
	}
	if len(tests) != 32 {
		t.Errorf("%d rows, want all 32 combinations", len(tests))
	}
}

func TestUpsellBlankBuyURL(t *testing.T) {
	in := tenantd.UpsellInput{CompanyAdmin: true, Buyer: true, BrandingEnabled: true, BuyURL: "  ", PromoteHigherEditions: true}
	want := tenantd.UpsellPrompt{Show: true, Kind: tenantd.UpsellContactSales}
	if got := tenantd.EditionUpsell(in); got != want {
		t.Errorf("EditionUpsell with a blank Buy URL = %+v, want %+v", got, want)
	}
	if got := tenantd.QuotaUpsell(in); got != want {
		t.Errorf("QuotaUpsell with a blank Buy URL = %+v, want %+v", got, want)
	}
}

func TestQuotaBuyURL(t *testing.T) {
	tests := []struct {
		url, origin string
		quotas      []string
		want        string
	}{
		{"https://shop.example.com/buy", "email_notification", []string{"storage_size"},
			"https://shop.example.com/buy?origin=email_notification&user_quotas=storage_size"},
		{"https://shop.example.com/buy?partner=42&lang=en", tenantd.OriginUsageInfo, []string{"storage_size", "physical_machines"},
			"https://shop.example.com/buy?partner=42&lang=en&origin=mc_usage_info&user_quotas=storage_size,physical_machines"},
		{"https://shop.example.com/buy?origin=old&a=1&user_quotas=x", tenantd.OriginEmailNotification, nil,
			"https://shop.example.com/buy?a=1&origin=email_notification"},
		{"https://shop.example.com/buy?q=a%20b#plans", tenantd.OriginAlertOnStorage, []string{"storage_size"},
			"https://shop.example.com/buy?q=a%20b&origin=Alert_on_Storage&user_quotas=storage_size#plans"},
		{"https://shop.example.com/buy?", "email_notification", nil,
			"https://shop.example.com/buy?origin=email_notification"},
		{"https://shop.example.com/buy?a=1", "", nil, "https://shop.example.com/buy?a=1"},
		{"https://shop.example.com/buy", "a&b", []string{"c d"}, "https://shop.example.com/buy?origin=a%26b&user_quotas=c+d"},
		{" https://shop.example.com/buy ", "", []string{"virtual_machines"}, "https://shop.example.com/buy?user_quotas=virtual_machines"},
		{"", "email_notification", []string{"storage_size"}, ""},
		{"http://[::1", "email_notification", nil, "http://[::1"},
	}
	for _, tt := range tests {
		if got := tenantd.QuotaBuyURL(tt.url, tt.origin, tt.quotas); got != tt.want {
			t.Errorf("QuotaBuyURL(%q, %q, %q) = %q, want %q", tt.url, tt.origin, tt.quotas, got, tt.want)
		}
	}
}

func TestUpsellQuotaName(t *testing.T) {
	for usage, want := range map[string]string{
		"storage": "storage_size", "workstations": "physical_machines", "servers": "physical_servers",
		"vms": "virtual_machines", "mobiles": "mobile_devices", "mailboxes": "",
	} {
		if got := tenantd.UpsellQuotaName(usage); got != want {
			t.Errorf("UpsellQuotaName(%q) = %q, want %q", usage, got, want)
		}
	}
}
