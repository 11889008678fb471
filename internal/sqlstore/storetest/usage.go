package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
)

// usageTests are the conformance tests of usage and quota alerts.
var usageTests = []struct {
	name string
	fn   func(t *testing.T, f *fixture)
}{
	{"ReportUsage", testReportUsage},
	{"ReportUsageErrors", testReportUsageErrors},
	{"UsageRollup", testUsageRollup},
	{"QuotaCrossings", testQuotaCrossings},
	{"QuotaAlertThreshold", testQuotaAlertThreshold},
	{"FailedUsageWriteLeavesNothing", testFailedUsageWrite},
	{"Alerts", testAlerts},
	{"ConcurrentUsageReports", testConcurrentUsageReports},
}

// composeQuotaEmail writes quota e-mails as the API does.
func composeQuotaEmail(n *tenantd.QuotaNotice) (*tenantd.Email, error) {
	return tenantd.QuotaEmail(n), nil
}

// rep is a usage report of an item by value.
func rep(tn *tenantd.Tenant, item string, v int64) tenantd.UsageReport {
	return tenantd.UsageReport{TenantID: tn.ID, OfferingItem: item, Value: &v}
}

// report reports usage as ctx, failing the test on an error of the whole
// call, and returns the errors of the reports.
func (f *fixture) report(t *testing.T, ctx context.Context, reports ...tenantd.UsageReport) []error {
	t.Helper()
	errs, err := f.db.ReportUsage(ctx, reports, composeQuotaEmail)
	if err != nil {
		t.Fatalf("ReportUsage: %v", err)
	}
	if len(errs) != len(reports) {
		t.Fatalf("ReportUsage gave %d results for %d reports", len(errs), len(reports))
	}
	return errs
}

// reportOK reports usage that must be recorded.
func (f *fixture) reportOK(t *testing.T, reports ...tenantd.UsageReport) {
	t.Helper()
	for i, err := range f.report(t, f.system(), reports...) {
		if err != nil {
			t.Fatalf("report %d (%s of %s): %v", i, reports[i].OfferingItem, reports[i].TenantID, err)
		}
	}
}

// usages returns a tenant's usages by name.
func (f *fixture) usages(t *testing.T, tn *tenantd.Tenant) map[string]tenantd.Usage {
	t.Helper()
	us, err := f.db.TenantUsages(f.system(), tn.ID)
	if err != nil {
		t.Fatalf("TenantUsages(%s): %v", tn.Name, err)
	}
	m := map[string]tenantd.Usage{}
	for _, u := range us {
		if _, dup := m[u.Name]; dup {
			t.Errorf("usage %s listed twice for %s", u.Name, tn.Name)
		}
		m[u.Name] = u
	}
	return m
}

// setQuota sets the quota value of an item of tn.
func (f *fixture) setQuota(t *testing.T, tn *tenantd.Tenant, item string, v int64) {
	t.Helper()
	items, err := f.db.OfferingItems(f.system(), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	var version int64
	if q := itemsByName(items)[item].Quota; q != nil {
		version = q.Version
	}
	if _, err := f.db.SetOfferingItems(f.system(), tn.ID, []tenantd.OfferingItemChange{{ApplicationID: tenantd.BackupAppID, Name: item,
		Quota: &tenantd.Quota{Value: &v, Version: version}}}); err != nil {
		t.Fatalf("set the quota of %s of %s: %v", item, tn.Name, err)
	}
}

// emails claims every queued e-mail and marks it sent.
func (f *fixture) emails(t *testing.T) []*tenantd.Email {
	t.Helper()
	var out []*tenantd.Email
	for {
		e, err := f.db.ClaimEmail(context.Background(), time.Minute)
		if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := f.db.EmailSent(context.Background(), e.ID); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
}

// alerts lists every alert ctx sees with filter f.
func (f *fixture) alerts(t *testing.T, ctx context.Context, af tenantd.AlertFilter) []tenantd.Alert {
	t.Helper()
	var out []tenantd.Alert
	for {
		page, err := f.db.Alerts(ctx, af)
		if err != nil {
			t.Fatalf("Alerts(%+v): %v", af, err)
		}
		out = append(out, page.Items...)
		if page.Next == nil {
			return out
		}
		af.After = page.Next
	}
}

func testReportUsage(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	app := tenantd.BackupAppID
	f.grant(t, p, app, "pck_per_workload")
	f.grant(t, c, app, "pck_per_workload")

	period := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	got := f.usages(t, c)
	ws, ok := got["pw_base_workstations"]
	if !ok || ws.Value != 0 || !ws.RangeStart.Equal(period) || ws.Item == nil || ws.Item.Status != 1 || ws.UsageName != "workstations" ||
		ws.Edition != "pck_per_workload" || ws.TenantID != c.ID {
		t.Fatalf("usage before any report = %+v", ws)
	}
	if _, ok := got["pg_base_workstations"]; ok {
		t.Errorf("usage of an item the tenant never had is listed")
	}

	// A partner's client reports for its customer; the latest value wins.
	for i, err := range f.report(t, as(p), rep(c, "pw_base_workstations", 3), rep(c, "pw_base_servers", 2), rep(c, "pw_base_workstations", 4)) {
		if err != nil {
			t.Fatalf("report %d: %v", i, err)
		}
	}
	got = f.usages(t, c)
	if got["pw_base_workstations"].Value != 4 || got["pw_base_servers"].Value != 2 {
		t.Errorf("usage = workstations %d servers %d, want 4 and 2", got["pw_base_workstations"].Value, got["pw_base_servers"].Value)
	}
	f.reportOK(t, rep(c, "pw_base_workstations", 1))
	if got := f.usages(t, c)["pw_base_workstations"].Value; got != 1 {
		t.Errorf("a lower value reported later reads %d, want 1", got)
	}
	// A usage name names the one item on that measures it.
	v := int64(9)
	f.reportOK(t, tenantd.UsageReport{TenantID: c.ID, UsageType: "servers", Value: &v})
	if got := f.usages(t, c)["pw_base_servers"].Value; got != 9 {
		t.Errorf("usage reported by usage name reads %d, want 9", got)
	}
	// The partner has its own usage, apart from its customer's.
	f.reportOK(t, rep(p, "pw_base_workstations", 50))
	if got := f.usages(t, p)["pw_base_workstations"].Value; got != 50 {
		t.Errorf("the partner's own usage reads %d, want 50", got)
	}
	if got := f.usages(t, c)["pw_base_workstations"].Value; got != 1 {
		t.Errorf("the partner's report changed its customer's usage to %d", got)
	}

	// A new month starts from nothing.
	f.advance(20 * 24 * time.Hour)
	got = f.usages(t, c)
	if ws := got["pw_base_workstations"]; ws.Value != 0 || !ws.RangeStart.Equal(period.AddDate(0, 1, 0)) {
		t.Errorf("usage in the next month = %d from %v, want 0 from %v", ws.Value, ws.RangeStart, period.AddDate(0, 1, 0))
	}
	f.reportOK(t, rep(c, "pw_base_workstations", 6))
	if got := f.usages(t, c)["pw_base_workstations"].Value; got != 6 {
		t.Errorf("usage of the new month reads %d, want 6", got)
	}

	// Readers read; outsiders do not.
	other := f.create(t, sys, f.root, tenantd.KindPartner, "other")
	_, err := f.db.TenantUsages(as(other), c.ID)
	wantKind(t, "another partner reads the usage", err, tenantd.ENOTFOUND, "")
	_, err = f.db.TenantUsages(sys, tenantd.NewID())
	wantKind(t, "usage of an unknown tenant", err, tenantd.ENOTFOUND, "")
	worker := f.asUser(t, f.user(t, sys, c, "worker", tenantd.RoleBackupUser))
	_, err = f.db.TenantUsages(worker, c.ID)
	wantKind(t, "a backup user reads the usage", err, tenantd.EFORBIDDEN, "")
	viewer := f.asUser(t, f.user(t, sys, c, "viewer", tenantd.RoleReadonlyAdmin))
	if _, err := f.db.TenantUsages(viewer, c.ID); err != nil {
		t.Errorf("a read-only admin reads the usage: %v", err)
	}
}

func testReportUsageErrors(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	other := f.create(t, sys, f.root, tenantd.KindPartner, "other")
	oc := f.create(t, sys, other, tenantd.KindCustomer, "oc")
	app := tenantd.BackupAppID
	for _, tn := range []*tenantd.Tenant{p, c, other, oc} {
		f.grant(t, tn, app, "pck_per_workload")
	}
	none := int64(-1)
	reports := []tenantd.UsageReport{
		rep(c, "pw_base_workstations", 3), // recorded
		rep(&tenantd.Tenant{ID: tenantd.NewID()}, "pw_base_workstations", 3),
		rep(oc, "pw_base_workstations", 3), // another partner's customer
		rep(c, "no_such_item", 3),
		rep(c, "pw_base_servers", -2),
		rep(c, "pg_base_servers", 3),                  // not on for the tenant
		{TenantID: c.ID, OfferingItem: "pw_base_vms"}, // no value
		{TenantID: "not-a-uuid", OfferingItem: "pw_base_vms", Value: &none},
		{TenantID: c.ID, UsageType: "total_storage", Value: ptr(int64(1))}, // computed
		rep(c, "pw_base_servers", 5),                                       // recorded
	}
	want := []tenantd.Kind{"", tenantd.ENOTFOUND, tenantd.EFORBIDDEN, tenantd.EINVALID, tenantd.EINVALID, tenantd.EINVALID,
		tenantd.EINVALID, tenantd.EINVALID, tenantd.EINVALID, ""}
	errs := f.report(t, as(p), reports...)
	for i, err := range errs {
		if got := tenantd.ErrorKind(err); got != want[i] {
			t.Errorf("report %d: error %v, want kind %q", i, err, want[i])
		}
	}
	got := f.usages(t, c)
	if got["pw_base_workstations"].Value != 3 || got["pw_base_servers"].Value != 5 || got["pw_base_vms"].Value != 0 {
		t.Errorf("after a report with failed items: workstations %d servers %d vms %d, want 3, 5, 0",
			got["pw_base_workstations"].Value, got["pw_base_servers"].Value, got["pw_base_vms"].Value)
	}
	if got := f.usages(t, oc)["pw_base_workstations"].Value; got != 0 {
		t.Errorf("a refused report wrote %d for another partner's customer", got)
	}

	// Who may report at all.
	cadmin := f.asUser(t, f.user(t, sys, c, "cadmin", tenantd.RoleCompanyAdmin))
	_, err := f.db.ReportUsage(cadmin, []tenantd.UsageReport{rep(c, "pw_base_workstations", 1)}, composeQuotaEmail)
	wantKind(t, "a company admin reports usage", err, tenantd.EFORBIDDEN, "")
	padmin := f.asUser(t, f.user(t, sys, p, "padmin", tenantd.RolePartnerAdmin))
	_, err = f.db.ReportUsage(padmin, []tenantd.UsageReport{rep(c, "pw_base_workstations", 1)}, composeQuotaEmail)
	wantKind(t, "a partner admin reports usage", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.ReportUsage(context.Background(), []tenantd.UsageReport{rep(c, "pw_base_workstations", 1)}, composeQuotaEmail)
	wantKind(t, "no principal", err, tenantd.EUNAUTHORIZED, "")
	if got := f.usages(t, c)["pw_base_workstations"].Value; got != 3 {
		t.Errorf("refused reporters changed the usage to %d", got)
	}
	// A customer's own client may report for its own tenant.
	if errs := f.report(t, as(c), rep(c, "pw_base_workstations", 7)); errs[0] != nil {
		t.Errorf("a customer's client reports its own usage: %v", errs[0])
	}
	// An empty report is fine.
	if errs := f.report(t, sys); len(errs) != 0 {
		t.Errorf("an empty report gave %v", errs)
	}
}

func testUsageRollup(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	u := f.create(t, sys, c, tenantd.KindUnit, "u")
	gone := f.create(t, sys, p, tenantd.KindCustomer, "gone")
	lone := f.create(t, sys, f.root, tenantd.KindCustomer, "lone") // no storage item: no roll-up rows
	backup, files := tenantd.BackupAppID, tenantd.FilesCloudAppID
	for _, tn := range []*tenantd.Tenant{p, c, u, gone} {
		f.grant(t, tn, backup, "pck_per_workload")
		f.grant(t, tn, files, "fss_per_user")
	}
	f.reportOK(t,
		rep(p, "pw_base_storage", 1000), rep(c, "pw_base_storage", 200), rep(u, "pw_base_storage", 30), rep(gone, "pw_base_storage", 4),
		rep(p, "pu_base_fc_storage", 7000), rep(c, "pu_base_fc_storage", 600), rep(u, "pu_base_fc_storage", 50))
	f.setEnabled(t, sys, gone, false)
	if err := f.db.DeleteTenant(sys, gone.ID, f.get(t, gone.ID).Version); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		tn   *tenantd.Tenant
		want map[string]int64
	}{
		{p, map[string]int64{"pw_base_storage": 1000, "total_storage": 1230, "child_storages": 230,
			"pu_base_fc_storage": 7000, "fc_total_storage": 7650, "fc_child_storages": 650}},
		{c, map[string]int64{"pw_base_storage": 200, "total_storage": 230, "child_storages": 30,
			"pu_base_fc_storage": 600, "fc_total_storage": 650, "fc_child_storages": 50}},
		{u, map[string]int64{"pw_base_storage": 30, "total_storage": 30, "child_storages": 0,
			"pu_base_fc_storage": 50, "fc_total_storage": 50, "fc_child_storages": 0}},
	}
	for _, tt := range tests {
		got := f.usages(t, tt.tn)
		for name, want := range tt.want {
			if g, ok := got[name]; !ok || g.Value != want {
				t.Errorf("%s of %s = %d (listed %v), want %d", name, tt.tn.Name, g.Value, ok, want)
			}
		}
		// Computed usages without an item are described by their source.
		if ts := got["total_storage"]; ts.Item != nil || ts.UsageName != "total_storage" || ts.Type != tenantd.ItemInfra ||
			ts.MeasurementUnit != tenantd.UnitBytes || ts.Edition != "" || ts.ApplicationID != backup {
			t.Errorf("total_storage of %s = %+v", tt.tn.Name, ts)
		}
		// fc_child_storages is an item: its row carries the computed value.
		if fc := got["fc_child_storages"]; fc.Item == nil || fc.Item.Status != 1 {
			t.Errorf("fc_child_storages of %s = %+v, want the item's row", tt.tn.Name, fc)
		}
	}
	for name := range f.usages(t, lone) {
		if _, ok := tenantd.RollupOf(backup, name); ok {
			t.Errorf("a tenant without storage items lists %s", name)
		}
	}
	// The root has every item: its totals cover the tree.
	if got := f.usages(t, f.root)["total_storage"].Value; got != 1230 {
		t.Errorf("total_storage of the root = %d, want 1230", got)
	}
}

// quotaSetup is a partner with a Buy URL and a customer with a workstation
// quota of 10 and users: a buyer administrator, a buyer, a buyer who
// subscribes to no quota notifications, a non-buyer, a disabled buyer and
// a deleted buyer.
type quotaSetup struct {
	p, c                                     *tenantd.Tenant
	admin, buyer, quiet, nonBuyer, off, gone *tenantd.User
}

const buyURL = "https://shop.example.com/buy?partner=p"

func (f *fixture) quotaSetup(t *testing.T) quotaSetup {
	t.Helper()
	sys := f.system()
	var s quotaSetup
	s.p = f.create(t, sys, f.root, tenantd.KindPartner, "p")
	s.c = f.create(t, sys, s.p, tenantd.KindCustomer, "Acme")
	f.grant(t, s.p, tenantd.BackupAppID, "pck_per_workload")
	f.grant(t, s.c, tenantd.BackupAppID, "pck_per_workload")
	f.setQuota(t, s.c, "pw_base_workstations", 10)
	f.enableBrand(t, sys, s.p)
	f.setBrand(t, sys, s.p, map[string]string{"upsell_url": buyURL})
	s.admin = f.upsellUser(t, s.c, "admin", true, true)
	s.buyer = f.upsellUser(t, s.c, "buyer", false, true)
	s.quiet = f.upsellUser(t, s.c, "quiet", false, true)
	var err error
	if s.quiet, err = f.db.UpdateUser(sys, s.quiet.ID, &tenantd.UserUpdate{Version: s.quiet.Version, NotificationsSet: true,
		Notifications: []string{"reports"}}); err != nil {
		t.Fatal(err)
	}
	s.nonBuyer = f.upsellUser(t, s.c, "nonbuyer", true, false)
	s.off = f.upsellUser(t, s.c, "off", true, true)
	if s.off, err = f.db.UpdateUser(sys, s.off.ID, &tenantd.UserUpdate{Version: s.off.Version, Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	s.gone = f.upsellUser(t, s.c, "gone", true, true)
	if err := f.db.DeleteUser(sys, s.gone.ID, s.gone.Version); err != nil {
		t.Fatal(err)
	}
	return s
}

// notified returns, sorted, "user type prompt-kind" for alerts and
// "to subject" for e-mails.
func notified(alerts []tenantd.Alert, emails []*tenantd.Email, users ...*tenantd.User) ([]string, []string) {
	names := map[string]string{}
	for _, u := range users {
		names[u.ID] = u.Login
	}
	var as, es []string
	for _, a := range alerts {
		as = append(as, fmt.Sprintf("%s %s %s", names[a.UserID], a.Type, a.Prompt.Kind))
	}
	for _, e := range emails {
		es = append(es, e.To+" "+e.Subject)
	}
	sort.Strings(as)
	sort.Strings(es)
	return as, es
}

func testQuotaCrossings(t *testing.T, f *fixture) {
	s := f.quotaSetup(t)
	sys := f.system()
	users := []*tenantd.User{s.admin, s.buyer, s.quiet, s.nonBuyer, s.off, s.gone}
	seen := 0
	step := func(v int64, wantType string) {
		t.Helper()
		f.reportOK(t, rep(s.c, "pw_base_workstations", v))
		all := f.alerts(t, sys, tenantd.AlertFilter{})
		fresh, emails := all[seen:], f.emails(t)
		seen = len(all)
		as, es := notified(fresh, emails, users...)
		var wantAlerts, wantEmails []string
		if wantType != "" {
			subject := "Quota almost reached: pw_base_workstations"
			if wantType == tenantd.AlertQuotaExceeded {
				subject = "Quota exceeded: pw_base_workstations"
			}
			wantAlerts = []string{"admin " + wantType + " buy_now", "buyer " + wantType + " contact_sales", "quiet " + wantType + " contact_sales"}
			wantEmails = []string{"admin@example.com " + subject, "buyer@example.com " + subject}
		}
		if !slices.Equal(as, wantAlerts) || !slices.Equal(es, wantEmails) {
			t.Errorf("usage %d: alerts %q e-mails %q; want %q and %q", v, as, es, wantAlerts, wantEmails)
		}
		for _, a := range fresh {
			if a.Value != v || a.Quota != 10 || a.Threshold != 80 || a.TenantID != s.c.ID || a.OfferingItem != "pw_base_workstations" ||
				a.UsageName != "workstations" || a.ApplicationID != tenantd.BackupAppID || !tenantd.ValidID(a.ID) || a.CreatedAt.IsZero() {
				t.Errorf("usage %d: alert %+v", v, a)
			}
			switch a.UserID {
			case s.admin.ID:
				want := buyURL + "&origin=alert_on_physical_machines&user_quotas=physical_machines"
				if a.Prompt.URL != want || a.Prompt.Text != "Buy now" {
					t.Errorf("the admin's alert prompt = %+v, want Buy now with %s", a.Prompt, want)
				}
			default:
				if a.Prompt.URL != "" || a.Prompt.Text != "Contact your sales representative" {
					t.Errorf("a buyer's alert prompt = %+v", a.Prompt)
				}
			}
		}
		for _, e := range emails {
			switch e.To {
			case "admin@example.com":
				if want := "\nBuy now: " + buyURL + "&origin=email_notification&user_quotas=physical_machines\n"; !strings.HasSuffix(e.Body, want) {
					t.Errorf("the admin's e-mail does not end with %q:\n%s", want, e.Body)
				}
			default:
				if !strings.HasSuffix(e.Body, "\nContact your sales representative.\n") {
					t.Errorf("the buyer's e-mail does not end with the sales line:\n%s", e.Body)
				}
			}
			if !strings.Contains(e.Body, "Acme") || !strings.Contains(e.Body, fmt.Sprint(v)) {
				t.Errorf("the e-mail names neither the tenant nor the usage:\n%s", e.Body)
			}
		}
	}
	step(7, "")
	step(8, tenantd.AlertQuotaAlmostReached)
	step(8, "")  // the same crossing again
	step(10, "") // still almost reached
	step(11, tenantd.AlertQuotaExceeded)
	step(12, "")
	step(9, "")  // back under the quota, over the threshold
	step(11, "") // the quota crossing was notified already
	step(5, "")  // under the threshold: re-armed
	step(9, tenantd.AlertQuotaAlmostReached)
	step(7, "")
	step(20, tenantd.AlertQuotaExceeded) // straight over: one notification, exceeded

	// The usage reads with its quota.
	ws := f.usages(t, s.c)["pw_base_workstations"]
	if ws.Value != 20 || ws.Item == nil || ws.Item.Quota == nil || ws.Item.Quota.Value == nil || *ws.Item.Quota.Value != 10 {
		t.Errorf("usage with quota = %+v", ws)
	}

	// No quota, no limit: no alerts.
	f.reportOK(t, rep(s.c, "pw_base_servers", 1<<40))
	if got := f.alerts(t, sys, tenantd.AlertFilter{}); len(got) != seen {
		t.Errorf("usage of an item without quota raised %d alerts", len(got)-seen)
	}
	if e := f.emails(t); len(e) != 0 {
		t.Errorf("usage of an item without quota sent %d e-mails", len(e))
	}
}

func testQuotaAlertThreshold(t *testing.T, f *fixture) {
	s := f.quotaSetup(t)
	sys := f.system()
	set := func(tn *tenantd.Tenant, v string, lock bool) {
		t.Helper()
		if _, err := f.db.SetSetting(sys, tenantd.PlatformAppID, tn.ID, tenantd.SettingQuotaAlertThreshold,
			tenantd.SettingValue{Value: json.RawMessage(v), Lock: lock}); err != nil {
			t.Fatalf("set the threshold of %s to %s: %v", tn.Name, v, err)
		}
	}
	count := func() int { return len(f.alerts(t, sys, tenantd.AlertFilter{UserID: &s.admin.ID})) }
	// The partner's threshold passes down to its customer.
	set(s.p, "50", false)
	f.reportOK(t, rep(s.c, "pw_base_workstations", 4))
	if n := count(); n != 0 {
		t.Fatalf("usage of 40%% under a threshold of 50%% raised %d alerts", n)
	}
	f.reportOK(t, rep(s.c, "pw_base_workstations", 5))
	got := f.alerts(t, sys, tenantd.AlertFilter{UserID: &s.admin.ID})
	if len(got) != 1 || got[0].Type != tenantd.AlertQuotaAlmostReached || got[0].Threshold != 50 {
		t.Fatalf("usage of 50%% under a threshold of 50%% = %+v, want one almost-reached alert at 50", got)
	}
	// The customer's own threshold, as a string too, wins over the partner's.
	f.reportOK(t, rep(s.c, "pw_base_workstations", 0))
	set(s.c, `"90"`, false)
	f.reportOK(t, rep(s.c, "pw_base_workstations", 8))
	if n := count(); n != 1 {
		t.Errorf("usage of 80%% under a threshold of 90%% raised an alert")
	}
	f.reportOK(t, rep(s.c, "pw_base_workstations", 9))
	if got := f.alerts(t, sys, tenantd.AlertFilter{UserID: &s.admin.ID}); len(got) != 2 || got[1].Threshold != 90 {
		t.Errorf("usage of 90%% under a threshold of 90%% = %+v", got)
	}
	// A lock above binds the customer.
	f.reportOK(t, rep(s.c, "pw_base_workstations", 0))
	set(s.p, "30", true)
	f.reportOK(t, rep(s.c, "pw_base_workstations", 3))
	if got := f.alerts(t, sys, tenantd.AlertFilter{UserID: &s.admin.ID}); len(got) != 3 || got[2].Threshold != 30 {
		t.Errorf("usage of 30%% under a locked threshold of 30%% = %+v", got)
	}
}

// errCompose is the error of a compose that fails.
var errCompose = errors.New("no template")

func testFailedUsageWrite(t *testing.T, f *fixture) {
	s := f.quotaSetup(t)
	sys := f.system()
	// The second report crosses the quota, and writing its e-mail fails:
	// nothing of the whole call is written, the first report's usage
	// neither.
	reports := []tenantd.UsageReport{rep(s.c, "pw_base_servers", 3), rep(s.c, "pw_base_workstations", 11)}
	_, err := f.db.ReportUsage(sys, reports, func(*tenantd.QuotaNotice) (*tenantd.Email, error) { return nil, errCompose })
	if !errors.Is(err, errCompose) {
		t.Fatalf("ReportUsage with a failing compose = %v, want its error", err)
	}
	got := f.usages(t, s.c)
	if got["pw_base_servers"].Value != 0 || got["pw_base_workstations"].Value != 0 {
		t.Errorf("a failed write left usage: servers %d workstations %d", got["pw_base_servers"].Value, got["pw_base_workstations"].Value)
	}
	if a := f.alerts(t, sys, tenantd.AlertFilter{}); len(a) != 0 {
		t.Errorf("a failed write left %d alerts", len(a))
	}
	if e := f.emails(t); len(e) != 0 {
		t.Errorf("a failed write left %d e-mails", len(e))
	}
	// Nor was the crossing recorded: reported again, it notifies.
	f.reportOK(t, reports...)
	as, es := notified(f.alerts(t, sys, tenantd.AlertFilter{}), f.emails(t), s.admin, s.buyer, s.quiet)
	if len(as) != 3 || len(es) != 2 {
		t.Errorf("the crossing after a failed write: alerts %q e-mails %q", as, es)
	}

	// A refused report writes nothing of itself, and no alert.
	f.reportOK(t, rep(s.c, "pw_base_workstations", 0))
	errs := f.report(t, sys, tenantd.UsageReport{TenantID: s.c.ID, OfferingItem: "pw_base_workstations", Value: ptr(int64(-11))})
	wantKind(t, "a negative usage", errs[0], tenantd.EINVALID, "")
	if got := f.usages(t, s.c)["pw_base_workstations"].Value; got != 0 {
		t.Errorf("a refused report left usage %d", got)
	}
	if a := f.alerts(t, sys, tenantd.AlertFilter{}); len(a) != 3 {
		t.Errorf("a refused report raised alerts: %d in all", len(a))
	}
	if e := f.emails(t); len(e) != 0 {
		t.Errorf("a refused report sent %d e-mails", len(e))
	}
}

func testAlerts(t *testing.T, f *fixture) {
	s := f.quotaSetup(t)
	sys := f.system()
	other := f.create(t, sys, f.root, tenantd.KindPartner, "other")
	oc := f.create(t, sys, other, tenantd.KindCustomer, "oc")
	f.grant(t, other, tenantd.BackupAppID, "pck_per_workload")
	f.grant(t, oc, tenantd.BackupAppID, "pck_per_workload")
	f.setQuota(t, oc, "pw_base_workstations", 1)
	ob := f.upsellUser(t, oc, "obuyer", false, true)
	f.reportOK(t, rep(s.c, "pw_base_workstations", 8), rep(oc, "pw_base_workstations", 2))
	f.reportOK(t, rep(s.c, "pw_base_workstations", 11))

	count := func(ctx context.Context, af tenantd.AlertFilter) int { return len(f.alerts(t, ctx, af)) }
	if n := count(sys, tenantd.AlertFilter{}); n != 7 {
		t.Errorf("the system sees %d alerts, want 7", n)
	}
	if n := count(as(s.p), tenantd.AlertFilter{}); n != 6 {
		t.Errorf("the partner sees %d alerts, want its customer's 6", n)
	}
	if n := count(as(other), tenantd.AlertFilter{}); n != 1 {
		t.Errorf("the other partner sees %d alerts, want 1", n)
	}
	if n := count(sys, tenantd.AlertFilter{TenantID: &oc.ID}); n != 1 {
		t.Errorf("alerts of oc = %d, want 1", n)
	}
	if n := count(sys, tenantd.AlertFilter{UserID: &s.buyer.ID}); n != 2 {
		t.Errorf("alerts of the buyer = %d, want 2", n)
	}
	if got := f.alerts(t, sys, tenantd.AlertFilter{UserID: &ob.ID}); len(got) != 1 || got[0].Type != tenantd.AlertQuotaExceeded {
		t.Errorf("alerts of the other buyer = %+v", got)
	}
	_, err := f.db.Alerts(as(s.p), tenantd.AlertFilter{TenantID: &oc.ID})
	wantKind(t, "alerts of another partner's tenant", err, tenantd.ENOTFOUND, "")
	_, err = f.db.Alerts(sys, tenantd.AlertFilter{TenantID: ptr(tenantd.NewID())})
	wantKind(t, "alerts of an unknown tenant", err, tenantd.ENOTFOUND, "")
	_, err = f.db.Alerts(context.Background(), tenantd.AlertFilter{})
	wantKind(t, "alerts without a principal", err, tenantd.EUNAUTHORIZED, "")

	// A user without read rights sees its own alerts; a reader its subtree's.
	buyer := f.asUser(t, s.buyer)
	got := f.alerts(t, buyer, tenantd.AlertFilter{})
	if len(got) != 2 || got[0].UserID != s.buyer.ID || got[1].UserID != s.buyer.ID {
		t.Errorf("the buyer sees %+v, want its own 2 alerts", got)
	}
	if n := count(buyer, tenantd.AlertFilter{UserID: &s.admin.ID}); n != 0 {
		t.Errorf("the buyer sees %d of the admin's alerts", n)
	}
	if n := count(f.asUser(t, s.admin), tenantd.AlertFilter{}); n != 6 {
		t.Errorf("the company admin sees %d alerts, want its tenant's 6", n)
	}
	viewer := f.asUser(t, f.user(t, sys, s.p, "viewer", tenantd.RoleReadonlyAdmin))
	if n := count(viewer, tenantd.AlertFilter{TenantID: &s.c.ID}); n != 6 {
		t.Errorf("the partner's read-only admin sees %d alerts, want 6", n)
	}

	// Paging: oldest first, every alert once.
	all := f.alerts(t, sys, tenantd.AlertFilter{})
	var paged []tenantd.Alert
	var after *tenantd.AlertCursor
	for pages := 0; ; pages++ {
		page, err := f.db.Alerts(sys, tenantd.AlertFilter{Limit: 2, After: after})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > 2 || pages > 10 {
			t.Fatalf("page %d holds %d alerts", pages, len(page.Items))
		}
		paged = append(paged, page.Items...)
		if after = page.Next; after == nil {
			break
		}
	}
	if len(paged) != len(all) {
		t.Fatalf("paging gave %d alerts, want %d", len(paged), len(all))
	}
	for i := range all {
		if paged[i].ID != all[i].ID {
			t.Errorf("paged alert %d = %s, want %s", i, paged[i].ID, all[i].ID)
		}
		if i > 0 && all[i].CreatedAt.Before(all[i-1].CreatedAt) {
			t.Errorf("alert %d is older than alert %d", i, i-1)
		}
	}
	for i, a := range all {
		if second := a.Value == 11; second != (i >= 4) {
			t.Errorf("alert %d has value %d: the second report's alerts do not come last", i, a.Value)
		}
	}
}

func testConcurrentUsageReports(t *testing.T, f *fixture) {
	s := f.quotaSetup(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			v := int64(11 + i%2)
			if _, err := f.db.ReportUsage(f.system(), []tenantd.UsageReport{rep(s.c, "pw_base_workstations", v)}, composeQuotaEmail); err != nil {
				t.Errorf("concurrent report: %v", err)
			}
		})
	}
	wg.Wait()
	as, es := notified(f.alerts(t, f.system(), tenantd.AlertFilter{}), f.emails(t), s.admin, s.buyer, s.quiet)
	if len(as) != 3 || len(es) != 2 {
		t.Errorf("8 concurrent reports of one crossing: alerts %q e-mails %q, want one notification each", as, es)
	}
}
