package tenantd_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/catalog"
)

func TestUsagePeriod(t *testing.T) {
	east := time.FixedZone("east", 5*3600)
	tests := []struct{ at, want time.Time }{
		{time.Date(2026, 3, 15, 12, 30, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(2026, 12, 31, 23, 59, 59, 999, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		// 1 April 02:00 at +05:00 is still 31 March in UTC.
		{time.Date(2026, 4, 1, 2, 0, 0, 0, east), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := tenantd.UsagePeriod(tt.at); !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("UsagePeriod(%v) = %v, want %v", tt.at, got, tt.want)
		}
	}
}

func TestUsageReportValidate(t *testing.T) {
	id := tenantd.NewID()
	v := func(n int64) *int64 { return &n }
	tests := []struct {
		r    tenantd.UsageReport
		want string // "" for valid, else a part of the message
	}{
		{tenantd.UsageReport{TenantID: id, OfferingItem: "storage", Value: v(0)}, ""},
		{tenantd.UsageReport{TenantID: id, UsageType: "storage", Value: v(5)}, ""},
		{tenantd.UsageReport{OfferingItem: "storage", Value: v(1)}, "tenant_id is required"},
		{tenantd.UsageReport{TenantID: strings.ToUpper(id), OfferingItem: "storage", Value: v(1)}, "not a lowercase UUID"},
		{tenantd.UsageReport{TenantID: id, Value: v(1)}, "offering_item"},
		{tenantd.UsageReport{TenantID: id, OfferingItem: "storage"}, "usage_value is required"},
		{tenantd.UsageReport{TenantID: id, OfferingItem: "storage", Value: v(-1)}, "must not be negative"},
	}
	for _, tt := range tests {
		err := tt.r.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Validate(%+v) = %v, want nil", tt.r, err)
		case tt.want != "" && (tenantd.ErrorKind(err) != tenantd.EINVALID || !strings.Contains(tenantd.ErrorMessage(err), tt.want)):
			t.Errorf("Validate(%+v) = %v, want EINVALID with %q", tt.r, err, tt.want)
		}
	}
}

func TestResolveUsageItem(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	item := func(app, name string, status int) tenantd.OfferingItem {
		def, ok := cat.Item(app, name)
		if !ok {
			t.Fatalf("no item %s", name)
		}
		return tenantd.OfferingItem{OfferingItemDef: def, Status: status}
	}
	b, f := tenantd.BackupAppID, tenantd.FilesCloudAppID
	customer := []tenantd.OfferingItem{
		item(b, "pw_base_workstations", 1), item(b, "pw_base_storage", 1), item(b, "pw_base_servers", 0),
		item(f, "fc_child_storages", 1), item(f, "pu_base_fc_storage", 1),
	}
	partner := append(customer, item(b, "pg_base_workstations", 1))
	id := tenantd.NewID()
	tests := []struct {
		items        []tenantd.OfferingItem
		item, usage  string
		want, errHas string
	}{
		{customer, "pw_base_workstations", "", "pw_base_workstations", ""},
		{customer, "pw_base_workstations", "anything", "pw_base_workstations", ""}, // usage_type is ignored
		{customer, "", "storage", "pw_base_storage", ""},
		{customer, "", "fc_storage", "pu_base_fc_storage", ""},
		{customer, "pw_base_servers", "", "", "not on"},
		{customer, "pw_base_vms", "", "", "not on"},
		{customer, "nope", "", "", "no application has"},
		{customer, "fc_child_storages", "", "", "computed"},
		{customer, "", "fc_child_storages", "", "computed"},
		{customer, "", "servers", "", "no offering item that measures"},
		{customer, "", "nope", "", "no offering item that measures"},
		{partner, "", "workstations", "", "several offering items"},
		{partner, "pg_base_workstations", "", "pg_base_workstations", ""},
	}
	for _, tt := range tests {
		r := &tenantd.UsageReport{TenantID: id, OfferingItem: tt.item, UsageType: tt.usage}
		got, err := cat.ResolveUsageItem(tt.items, r)
		if tt.errHas != "" {
			if tenantd.ErrorKind(err) != tenantd.EINVALID || !strings.Contains(tenantd.ErrorMessage(err), tt.errHas) {
				t.Errorf("ResolveUsageItem(%q, %q) = %v, want EINVALID with %q", tt.item, tt.usage, err, tt.errHas)
			}
			continue
		}
		if err != nil || got.Name != tt.want {
			t.Errorf("ResolveUsageItem(%q, %q) = %s, %v; want %s", tt.item, tt.usage, got.Name, err, tt.want)
		}
	}
}

// TestUsageCatalog checks the catalog against what usage relies on: item
// names name one item across applications (a report names no application),
// and every roll-up computes and sums usages of its own application.
func TestUsageCatalog(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, it := range cat.Items {
		if app, dup := seen[it.Name]; dup {
			t.Errorf("offering item %s belongs to %s and %s", it.Name, app, it.ApplicationID)
		}
		seen[it.Name] = it.ApplicationID
	}
	for _, r := range tenantd.UsageRollups() {
		app, ok := cat.Application(r.ApplicationID)
		if !ok {
			t.Errorf("roll-up %s: unknown application %s", r.UsageName, r.ApplicationID)
			continue
		}
		for _, u := range []string{r.UsageName, r.Source} {
			found := false
			for _, x := range app.Usages {
				found = found || x == u
			}
			if !found {
				t.Errorf("roll-up %s: %s is not a usage of %s", r.UsageName, u, app.Name)
			}
		}
		if got, ok := tenantd.RollupOf(r.ApplicationID, r.UsageName); !ok || got != r {
			t.Errorf("RollupOf(%s) = %+v, %v", r.UsageName, got, ok)
		}
	}
	for _, name := range []string{"total_storage", "child_storages"} {
		if r, ok := tenantd.RollupOf(tenantd.BackupAppID, name); !ok || r.Source != "storage" {
			t.Errorf("%s = %+v, %v; want a roll-up of storage", name, r, ok)
		}
	}
	for _, name := range []string{"fc_total_storage", "fc_child_storages"} {
		if r, ok := tenantd.RollupOf(tenantd.FilesCloudAppID, name); !ok || r.Source != "fc_storage" {
			t.Errorf("%s = %+v, %v; want a roll-up of fc_storage", name, r, ok)
		}
	}
	if _, ok := tenantd.RollupOf(tenantd.BackupAppID, "storage"); ok {
		t.Errorf("storage is reported, not computed")
	}
	if _, ok := tenantd.RollupOf(tenantd.FilesCloudAppID, "total_storage"); ok {
		t.Errorf("total_storage is a usage of backup, not of files")
	}
}

func TestRollupValue(t *testing.T) {
	total, _ := tenantd.RollupOf(tenantd.BackupAppID, "total_storage")
	child, _ := tenantd.RollupOf(tenantd.BackupAppID, "child_storages")
	if got := total.Value(5, 7); got != 12 {
		t.Errorf("total_storage of own 5, descendants 7 = %d, want 12", got)
	}
	if got := child.Value(5, 7); got != 7 {
		t.Errorf("child_storages of own 5, descendants 7 = %d, want 7", got)
	}
}

func TestQuotaLevelOf(t *testing.T) {
	q := func(n int64) *int64 { return &n }
	const (
		none     = tenantd.QuotaLevelNone
		almost   = tenantd.QuotaLevelAlmost
		exceeded = tenantd.QuotaLevelExceeded
	)
	tests := []struct {
		value     int64
		quota     *int64
		threshold int64
		want      tenantd.QuotaLevel
	}{
		{0, q(10), 80, none},
		{7, q(10), 80, none},
		{8, q(10), 80, almost},
		{10, q(10), 80, almost},
		{11, q(10), 80, exceeded},
		{1 << 40, nil, 80, none}, // no quota, no limit
		{0, q(0), 80, none},      // nothing used of nothing
		{1, q(0), 80, exceeded},
		{5, q(10), 50, almost},
		{4, q(10), 50, none},
		{10, q(10), 100, almost},
		{9, q(10), 100, none},
		{10, q(10), 150, none}, // a threshold above 100 leaves only exceeded
		{1, q(10), 0, almost},  // a threshold of 0: any use
		{799, q(1000), 80, none},
		{800, q(1000), 80, almost},
		{1<<62 - 1, q(1 << 62), 80, almost}, // no overflow
		{1 << 61, q(1 << 62), 80, none},
		{1 << 62, q(1 << 62), 1 << 40, none},
	}
	for _, tt := range tests {
		if got := tenantd.QuotaLevelOf(tt.value, tt.quota, tt.threshold); got != tt.want {
			quota := "nil"
			if tt.quota != nil {
				quota = fmt.Sprint(*tt.quota)
			}
			t.Errorf("QuotaLevelOf(%d, %s, %d) = %s, want %s", tt.value, quota, tt.threshold, got, tt.want)
		}
	}
}

// TestNextQuotaLevel walks a usage through a month: one notification per
// crossing, none for the same level again or for falling back, and
// notifications again once the usage was under the threshold.
func TestNextQuotaLevel(t *testing.T) {
	const (
		none     = tenantd.QuotaLevelNone
		almost   = tenantd.QuotaLevelAlmost
		exceeded = tenantd.QuotaLevelExceeded
	)
	steps := []struct {
		current tenantd.QuotaLevel
		notify  bool
		kept    tenantd.QuotaLevel
	}{
		{none, false, none},
		{almost, true, almost},
		{almost, false, almost},
		{exceeded, true, exceeded},
		{exceeded, false, exceeded},
		{almost, false, exceeded}, // back under the quota: nothing, the crossing stays notified
		{exceeded, false, exceeded},
		{none, false, none}, // under the threshold: re-armed
		{exceeded, true, exceeded},
		{none, false, none},
		{almost, true, almost},
	}
	kept := tenantd.QuotaLevel("")
	for i, s := range steps {
		next, notify := tenantd.NextQuotaLevel(kept, s.current)
		if next != s.kept || notify != s.notify {
			t.Errorf("step %d: NextQuotaLevel(%q, %s) = %s, %v; want %s, %v", i, kept, s.current, next, notify, s.kept, s.notify)
		}
		kept = next
	}
	if got := tenantd.AlertType(almost); got != tenantd.AlertQuotaAlmostReached {
		t.Errorf("AlertType(almost) = %q", got)
	}
	if got := tenantd.AlertType(exceeded); got != tenantd.AlertQuotaExceeded {
		t.Errorf("AlertType(exceeded) = %q", got)
	}
	if got := tenantd.AlertType(none); got != "" {
		t.Errorf("AlertType(none) = %q", got)
	}
}

func TestQuotaPrompt(t *testing.T) {
	const buyURL = "https://shop.example.com/buy?partner=42"
	admin := tenantd.UpsellInput{CompanyAdmin: true, Buyer: true, BrandingEnabled: true, BuyURL: buyURL}
	tests := []struct {
		in            tenantd.UpsellInput
		usage, origin string
		want          tenantd.AlertPrompt
		ok            bool
	}{
		{admin, "workstations", tenantd.OriginEmailNotification, tenantd.AlertPrompt{Kind: tenantd.UpsellBuyNow,
			URL: buyURL + "&origin=email_notification&user_quotas=physical_machines", Text: "Buy now"}, true},
		{admin, "storage", tenantd.AlertOrigin("storage"), tenantd.AlertPrompt{Kind: tenantd.UpsellBuyNow,
			URL: buyURL + "&origin=Alert_on_Storage&user_quotas=storage_size", Text: "Buy now"}, true},
		{admin, "fc_storage", tenantd.OriginEmailNotification, tenantd.AlertPrompt{Kind: tenantd.UpsellBuyNow,
			URL: buyURL + "&origin=email_notification", Text: "Buy now"}, true},
		{admin, "notarizations", tenantd.AlertOrigin("notarizations"), tenantd.AlertPrompt{Kind: tenantd.UpsellBuyNow,
			URL: buyURL, Text: "Buy now"}, true},
		{tenantd.UpsellInput{Buyer: true, BrandingEnabled: true, BuyURL: buyURL}, "workstations", tenantd.OriginEmailNotification,
			tenantd.AlertPrompt{Kind: tenantd.UpsellContactSales, Text: "Contact your sales representative"}, true},
		{tenantd.UpsellInput{CompanyAdmin: true, Buyer: true, BrandingEnabled: true}, "vms", tenantd.OriginEmailNotification,
			tenantd.AlertPrompt{Kind: tenantd.UpsellContactSales, Text: "Contact your sales representative"}, true},
		{tenantd.UpsellInput{CompanyAdmin: true, BrandingEnabled: true, BuyURL: buyURL}, "vms", tenantd.OriginEmailNotification,
			tenantd.AlertPrompt{}, false},
	}
	for _, tt := range tests {
		got, ok := tenantd.QuotaPrompt(tt.in, tt.usage, tt.origin)
		if got != tt.want || ok != tt.ok {
			t.Errorf("QuotaPrompt(%+v, %s, %s) = %+v, %v; want %+v, %v", tt.in, tt.usage, tt.origin, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAlertOrigin(t *testing.T) {
	for usage, want := range map[string]string{
		"storage": "Alert_on_Storage", "workstations": "alert_on_physical_machines", "servers": "alert_on_physical_servers",
		"vms": "alert_on_virtual_machines", "mobiles": "alert_on_mobile_devices", "mailboxes": "",
	} {
		if got := tenantd.AlertOrigin(usage); got != want {
			t.Errorf("AlertOrigin(%q) = %q, want %q", usage, got, want)
		}
	}
}

func TestQuotaEmail(t *testing.T) {
	alert := tenantd.Alert{TenantID: tenantd.NewID(), UserID: tenantd.NewID(), ApplicationID: tenantd.BackupAppID,
		OfferingItem: "pw_base_workstations", UsageName: "workstations", Value: 8, Quota: 10, Threshold: 80,
		Type: tenantd.AlertQuotaAlmostReached}
	buy := tenantd.AlertPrompt{Kind: tenantd.UpsellBuyNow, URL: "https://shop.example.com/buy?origin=email_notification", Text: "Buy now"}
	sales := tenantd.AlertPrompt{Kind: tenantd.UpsellContactSales, Text: "Contact your sales representative"}

	e := tenantd.QuotaEmail(&tenantd.QuotaNotice{Alert: alert, To: "ada@example.com", Name: "Ada", TenantName: "Acme",
		Unit: tenantd.UnitQuantity, Prompt: buy})
	if e.To != "ada@example.com" || e.Subject != "Quota almost reached: pw_base_workstations" {
		t.Errorf("almost reached: to %q subject %q", e.To, e.Subject)
	}
	for _, want := range []string{"Hello Ada,", "Acme", "pw_base_workstations", "workstations", " 8 ", "quota of 10", "80%"} {
		if !strings.Contains(e.Body, want) {
			t.Errorf("almost reached body lacks %q:\n%s", want, e.Body)
		}
	}
	if !strings.HasSuffix(e.Body, "\nBuy now: https://shop.example.com/buy?origin=email_notification\n") {
		t.Errorf("almost reached body does not end with the Buy now line:\n%s", e.Body)
	}

	alert.Type, alert.Value, alert.Quota = tenantd.AlertQuotaExceeded, 11<<30, 10<<30
	alert.OfferingItem, alert.UsageName = "pw_base_storage", "storage"
	e = tenantd.QuotaEmail(&tenantd.QuotaNotice{Alert: alert, To: "bob@example.com", Name: "bob", TenantName: "Acme",
		Unit: tenantd.UnitBytes, Prompt: sales})
	if e.Subject != "Quota exceeded: pw_base_storage" {
		t.Errorf("exceeded: subject %q", e.Subject)
	}
	for _, want := range []string{"Hello bob,", "Acme", "11811160064 bytes", "quota of 10737418240 bytes"} {
		if !strings.Contains(e.Body, want) {
			t.Errorf("exceeded body lacks %q:\n%s", want, e.Body)
		}
	}
	if !strings.HasSuffix(e.Body, "\nContact your sales representative.\n") || strings.Contains(e.Body, "http") {
		t.Errorf("exceeded body does not end with the sales line alone:\n%s", e.Body)
	}
}

func TestCanReportUsage(t *testing.T) {
	tests := []struct {
		p    tenantd.Principal
		want bool
	}{
		{tenantd.Principal{Type: tenantd.PrincipalClient}, true},
		{tenantd.Principal{Type: tenantd.PrincipalSystem}, true},
		{tenantd.Principal{Type: tenantd.PrincipalUser, Roles: []string{tenantd.RolePartnerAdmin}}, false},
		{tenantd.Principal{Type: tenantd.PrincipalUser, Roles: []string{tenantd.RoleCompanyAdmin}}, false},
		{tenantd.Principal{Type: tenantd.PrincipalUser, Roles: []string{tenantd.RoleReadonlyAdmin}}, false},
	}
	for _, tt := range tests {
		if got := tt.p.CanReportUsage(); got != tt.want {
			t.Errorf("CanReportUsage(%s %v) = %v, want %v", tt.p.Type, tt.p.Roles, got, tt.want)
		}
	}
}
