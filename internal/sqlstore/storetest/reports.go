package storetest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
)

// reportTests are the conformance tests of usage reports.
var reportTests = []struct {
	name string
	fn   func(t *testing.T, f *fixture)
}{
	{"ReportDefinitions", testReportDefinitions},
	{"ReportRights", testReportRights},
	{"ReportOnceRun", testReportOnceRun},
	{"ReportMonthlyRuns", testReportMonthlyRuns},
	{"ReportMidMonthProduction", testReportMidMonthProduction},
	{"ReportLevels", testReportLevels},
	{"ReportRunsOnceConcurrently", testReportRunsOnceConcurrently},
	{"ReportSend", testReportSend},
	{"ReportDaily", testReportDaily},
	{"ReportBreakdown", testReportBreakdown},
}

const (
	repBackup = "6e6d758d-8e74-3ae3-ac84-50eb0dff12eb"
	repFiles  = "dfd85a5f-a464-32ab-81fd-99bcc66a070f"
)

// repCreate creates a report on tenant as ctx, failing the test on error.
func (f *fixture) repCreate(t *testing.T, ctx context.Context, c tenantd.ReportCreate) *tenantd.Report {
	t.Helper()
	if c.Level == "" {
		c.Level = tenantd.LevelItself
	}
	if c.Kind == "" {
		c.Kind = tenantd.ReportUsageSummary
	}
	if c.ScheduleType == "" {
		c.ScheduleType = tenantd.ScheduleOnce
	}
	if c.ResultAction == "" {
		c.ResultAction = tenantd.ResultSave
	}
	r, err := f.db.CreateReport(ctx, &c)
	if err != nil {
		t.Fatalf("CreateReport(%+v): %v", c, err)
	}
	return r
}

// repUsage reports the usage of a backup item of a tenant in the current
// month of the fixture's clock.
func (f *fixture) repUsage(t *testing.T, tenant *tenantd.Tenant, item string, value int64) {
	t.Helper()
	errs, err := f.db.ReportUsage(f.system(), []tenantd.UsageReport{{TenantID: tenant.ID, OfferingItem: item, Value: &value}},
		func(n *tenantd.QuotaNotice) (*tenantd.Email, error) { return tenantd.QuotaEmail(n), nil })
	if err != nil || errs[0] != nil {
		t.Fatalf("ReportUsage(%s %s=%d): %v %v", tenant.Name, item, value, err, errs)
	}
}

// repRun runs the due reports and checks how many runs there were.
func (f *fixture) repRun(t *testing.T, want int) {
	t.Helper()
	n, err := f.db.RunDueReports(context.Background())
	if err != nil || n != want {
		t.Fatalf("RunDueReports = %d, %v; want %d runs", n, err, want)
	}
}

// repStored returns the stored reports of a report, as the system sees them.
func (f *fixture) repStored(t *testing.T, reportID string) []tenantd.StoredReport {
	t.Helper()
	s, err := f.db.StoredReports(f.system(), reportID)
	if err != nil {
		t.Fatalf("StoredReports(%s): %v", reportID, err)
	}
	return s
}

// repCSV downloads a stored CSV report and returns its lines but the
// header, each as "tenant_name pricing_mode period_start item usage".
func (f *fixture) repCSV(t *testing.T, reportID, storedID string) []string {
	t.Helper()
	_, z, err := f.db.StoredReportFile(f.system(), reportID, storedID)
	if err != nil {
		t.Fatalf("StoredReportFile: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatalf("the stored report is not gzip: %v", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("the stored report is not CSV: %v\n%s", err, b)
	}
	var out []string
	for _, r := range recs[1:] {
		out = append(out, strings.Join([]string{r[1], r[4], r[5], r[10], r[13]}, " "))
	}
	return out
}

func repDate(s string) time.Time {
	d, err := tenantd.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func repPeriod(start, end string) *tenantd.Period {
	return &tenantd.Period{Start: repDate(start), End: repDate(end)}
}

func testReportDefinitions(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	once := f.repCreate(t, sys, tenantd.ReportCreate{TenantID: p.ID, Formats: []string{"csv", "json_v2_0"},
		Period: repPeriod("2026-02-01", "2026-02-28"), HideZeroUsage: true})
	if once.Version != 1 || once.Params.Formats[1] != tenantd.FormatJSON1 || !once.Enabled ||
		!once.GenerationDate.Equal(repDate("2026-03-15")) || once.Params.Period != *repPeriod("2026-02-01", "2026-02-28") {
		t.Errorf("once report = %+v", once)
	}
	monthly := f.repCreate(t, sys, tenantd.ReportCreate{TenantID: p.ID, ScheduleType: tenantd.ScheduleMonthly, Kind: tenantd.ReportUsageCurrent})
	if !monthly.GenerationDate.Equal(repDate("2026-04-01")) || monthly.Params.Period != *repPeriod("2026-03-01", "2026-03-31") {
		t.Errorf("monthly report: generation %v period %v, want the first of April for March", monthly.GenerationDate, monthly.Params.Period)
	}
	got, err := f.db.FindReportByID(sys, once.ID)
	if err != nil || got.Params.TenantID != p.ID || !got.Params.HideZeroUsage || len(got.Recipients) != 0 {
		t.Errorf("FindReportByID = %+v, %v", got, err)
	}
	ids, err := f.db.TenantReports(sys, p.ID)
	if err != nil || len(ids) != 2 || ids[0] != once.ID || ids[1] != monthly.ID {
		t.Errorf("TenantReports = %v, %v; want both, oldest first", ids, err)
	}
	if ids, _ := f.db.TenantReports(sys, f.root.ID); len(ids) != 0 {
		t.Errorf("the root has reports %v; they are on p", ids)
	}

	_, err = f.db.UpdateReport(sys, once.ID, &tenantd.ReportUpdate{Level: ptr(tenantd.LevelAccounts)})
	wantKind(t, "update a once report", err, tenantd.EINVALID, "")
	u, err := f.db.UpdateReport(sys, monthly.ID, &tenantd.ReportUpdate{Version: ptr(int64(1)), Level: ptr(tenantd.LevelAccounts), ShowSKUs: ptr(true)})
	if err != nil || u.Version != 2 || u.Params.Level != tenantd.LevelAccounts || !u.Params.ShowSKUs {
		t.Fatalf("UpdateReport = %+v, %v", u, err)
	}
	if u, err := f.db.UpdateReport(sys, monthly.ID, &tenantd.ReportUpdate{Level: ptr(tenantd.LevelAccounts)}); err != nil || u.Version != 2 {
		t.Errorf("an update that changes nothing: version %d, %v; want 2", u.Version, err)
	}
	_, err = f.db.UpdateReport(sys, monthly.ID, &tenantd.ReportUpdate{Version: ptr(int64(1)), Level: ptr(tenantd.LevelItself)})
	wantKind(t, "update with a stale version", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)
	_, err = f.db.UpdateReport(sys, monthly.ID, &tenantd.ReportUpdate{Kind: ptr("usage_yearly")})
	wantKind(t, "update to an unknown kind", err, tenantd.EINVALID, "")
	_, err = f.db.UpdateReport(sys, tenantd.NewID(), &tenantd.ReportUpdate{})
	wantKind(t, "update an unknown report", err, tenantd.ENOTFOUND, "")

	err = f.db.DeleteReport(sys, monthly.ID, 1)
	wantKind(t, "delete with a stale version", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)
	if err := f.db.DeleteReport(sys, monthly.ID, 2); err != nil {
		t.Fatal(err)
	}
	_, err = f.db.FindReportByID(sys, monthly.ID)
	wantKind(t, "read a deleted report", err, tenantd.ENOTFOUND, "")
	err = f.db.DeleteReport(sys, monthly.ID, 2)
	wantKind(t, "delete a deleted report", err, tenantd.ENOTFOUND, "")

	_, err = f.db.CreateReport(sys, &tenantd.ReportCreate{TenantID: tenantd.NewID(), Level: tenantd.LevelItself,
		Kind: tenantd.ReportUsageSummary, ScheduleType: tenantd.ScheduleOnce, ResultAction: tenantd.ResultSave})
	wantKind(t, "a report on an unknown tenant", err, tenantd.ENOTFOUND, "")
	_, err = f.db.CreateReport(sys, &tenantd.ReportCreate{TenantID: p.ID, Level: tenantd.LevelItself,
		Kind: tenantd.ReportUsageSummary, ScheduleType: tenantd.ScheduleOnce, ResultAction: tenantd.ResultSave,
		Recipients: []string{tenantd.NewID()}})
	wantKind(t, "a report to an unknown user", err, tenantd.ENOTFOUND, "")

	// A report goes when its tenant is deleted, and comes back with it.
	f.setEnabled(t, sys, p, false)
	if err := f.db.DeleteTenant(sys, p.ID, f.get(t, p.ID).Version); err != nil {
		t.Fatal(err)
	}
	_, err = f.db.FindReportByID(sys, once.ID)
	wantKind(t, "read a report of a deleted tenant", err, tenantd.ENOTFOUND, "")
	f.repRun(t, 0)
	if err := f.db.RestoreTenant(sys, p.ID, false); err != nil {
		t.Fatal(err)
	}
	f.repRun(t, 1)
	if s := f.repStored(t, once.ID); len(s) != 2 || s[0].Status != tenantd.StoredSaved {
		t.Errorf("stored reports after the restore = %+v", s)
	}
}

func testReportRights(t *testing.T, f *fixture) {
	sys := f.system()
	p1 := f.create(t, sys, f.root, tenantd.KindPartner, "p1")
	c1 := f.create(t, sys, p1, tenantd.KindCustomer, "c1")
	p2 := f.create(t, sys, f.root, tenantd.KindPartner, "p2")
	u2 := f.user(t, sys, p2, "u2", tenantd.RolePartnerAdmin)
	r1 := f.repCreate(t, as(p1), tenantd.ReportCreate{TenantID: c1.ID, ScheduleType: tenantd.ScheduleMonthly})

	ctx := as(p2)
	_, err := f.db.FindReportByID(ctx, r1.ID)
	wantKind(t, "read another partner's report", err, tenantd.ENOTFOUND, "")
	_, err = f.db.StoredReports(ctx, r1.ID)
	wantKind(t, "list another partner's stored reports", err, tenantd.ENOTFOUND, "")
	_, err = f.db.TenantReports(ctx, c1.ID)
	wantKind(t, "list another partner's tenant's reports", err, tenantd.ENOTFOUND, "")
	_, err = f.db.UpdateReport(ctx, r1.ID, &tenantd.ReportUpdate{Enabled: ptr(false)})
	wantKind(t, "change another partner's report", err, tenantd.EFORBIDDEN, "")
	err = f.db.DeleteReport(ctx, r1.ID, 1)
	wantKind(t, "delete another partner's report", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.CreateReport(ctx, &tenantd.ReportCreate{TenantID: c1.ID, Level: tenantd.LevelItself,
		Kind: tenantd.ReportUsageSummary, ScheduleType: tenantd.ScheduleOnce, ResultAction: tenantd.ResultSave})
	wantKind(t, "a report on another partner's customer", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.CreateReport(as(p1), &tenantd.ReportCreate{TenantID: c1.ID, Level: tenantd.LevelItself,
		Kind: tenantd.ReportUsageSummary, ScheduleType: tenantd.ScheduleOnce, ResultAction: tenantd.ResultSend,
		Recipients: []string{u2.ID}})
	wantKind(t, "a report to another partner's user", err, tenantd.EFORBIDDEN, "")

	// The customer reads the reports on itself; a read-only administrator
	// reads but does not write; a user with a service role does neither.
	if _, err := f.db.FindReportByID(as(c1), r1.ID); err != nil {
		t.Errorf("the customer reads a report on itself: %v", err)
	}
	ro := f.asUser(t, f.user(t, sys, c1, "ro", tenantd.RoleReadonlyAdmin))
	if _, err := f.db.StoredReports(ro, r1.ID); err != nil {
		t.Errorf("a read-only administrator lists stored reports: %v", err)
	}
	_, err = f.db.UpdateReport(ro, r1.ID, &tenantd.ReportUpdate{Enabled: ptr(false)})
	wantKind(t, "a read-only administrator changes a report", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.CreateReport(ro, &tenantd.ReportCreate{TenantID: c1.ID, Level: tenantd.LevelItself,
		Kind: tenantd.ReportUsageSummary, ScheduleType: tenantd.ScheduleOnce, ResultAction: tenantd.ResultSave})
	wantKind(t, "a read-only administrator creates a report", err, tenantd.EFORBIDDEN, "")
	bu := f.asUser(t, f.user(t, sys, c1, "bu", tenantd.RoleBackupUser))
	_, err = f.db.FindReportByID(bu, r1.ID)
	wantKind(t, "a backup user reads a report", err, tenantd.EFORBIDDEN, "")
	ca := f.asUser(t, f.user(t, sys, c1, "ca", tenantd.RoleCompanyAdmin))
	if _, err := f.db.UpdateReport(ca, r1.ID, &tenantd.ReportUpdate{Enabled: ptr(false)}); err != nil {
		t.Errorf("the customer's administrator changes a report on the customer: %v", err)
	}
}

func testReportOnceRun(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	f.grant(t, p, repBackup, "standard")
	f.repUsage(t, p, "workstations", 4)
	f.repUsage(t, p, "servers", 2)
	f.repUsage(t, p, "workstations", 5) // the latest report of a month counts
	r := f.repCreate(t, sys, tenantd.ReportCreate{TenantID: p.ID, Formats: []string{"csv_v2_0", "json_v1"}, HideZeroUsage: true})
	stored := f.repStored(t, r.ID)
	if len(stored) != 2 || stored[0].Status != tenantd.StoredInProgress || stored[0].Format != "csv_v2_0" || stored[1].Format != "json_v1" {
		t.Fatalf("stored reports at creation = %+v, want two in progress", stored)
	}
	_, _, err := f.db.StoredReportFile(sys, r.ID, stored[0].ID)
	wantKind(t, "download a report in progress", err, tenantd.ENOTFOUND, "")

	f.repRun(t, 1)
	f.repRun(t, 0)
	stored = f.repStored(t, r.ID)
	if len(stored) != 2 || stored[0].Status != tenantd.StoredSaved || stored[1].Status != tenantd.StoredSaved || stored[0].Size == 0 {
		t.Fatalf("stored reports after the run = %+v, want two saved", stored)
	}
	got := f.repCSV(t, r.ID, stored[0].ID)
	want := []string{"p trial 2026-03-01 workstations 5", "p trial 2026-03-01 servers 2"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("CSV lines = %q, want %q", got, want)
	}
	sr, z, err := f.db.StoredReportFile(sys, r.ID, stored[1].ID)
	if err != nil || sr.Format != tenantd.FormatJSON1 || int64(len(z)) != sr.Size {
		t.Fatalf("JSON file: %+v, %d bytes, %v", sr, len(z), err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Items []struct {
			OfferingItem string `json:"offering_item"`
			Usage        int64  `json:"usage"`
		} `json:"items"`
	}
	if err := json.NewDecoder(zr).Decode(&doc); err != nil || len(doc.Items) != 2 || doc.Items[0].Usage != 5 {
		t.Errorf("JSON report = %+v, %v", doc, err)
	}
	_, _, err = f.db.StoredReportFile(sys, r.ID, tenantd.NewID())
	wantKind(t, "download an unknown stored report", err, tenantd.ENOTFOUND, "")
	f.advance(62 * 24 * time.Hour)
	f.repRun(t, 0)

	// A once report with a later generation date waits for it, listed in
	// progress until then.
	later := f.repCreate(t, sys, tenantd.ReportCreate{TenantID: p.ID, GenerationDate: ptr(repDate("2026-06-01"))})
	f.repRun(t, 0)
	if s := f.repStored(t, later.ID); len(s) != 1 || s[0].Status != tenantd.StoredInProgress {
		t.Errorf("a report due later: %+v", s)
	}
	f.advance(16 * 24 * time.Hour) // 2026-06-01
	f.repRun(t, 1)
}

func testReportMonthlyRuns(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	f.grant(t, p, repBackup, "standard")
	f.repUsage(t, p, "workstations", 3) // March
	r := f.repCreate(t, sys, tenantd.ReportCreate{TenantID: p.ID, ScheduleType: tenantd.ScheduleMonthly, HideZeroUsage: true})
	f.repRun(t, 0)
	if s := f.repStored(t, r.ID); len(s) != 0 {
		t.Fatalf("a monthly report has stored reports before its first run: %+v", s)
	}

	f.advance(17*24*time.Hour + 12*time.Hour) // 2026-04-02
	f.repUsage(t, p, "workstations", 8)       // April
	f.repRun(t, 1)
	f.repRun(t, 0)
	s := f.repStored(t, r.ID)
	if len(s) != 1 || s[0].Status != tenantd.StoredSaved || !s[0].Period.Start.Equal(repDate("2026-03-01")) {
		t.Fatalf("after the first of April: %+v, want March's report", s)
	}
	if got := f.repCSV(t, r.ID, s[0].ID); len(got) != 1 || got[0] != "p trial 2026-03-01 workstations 3" {
		t.Errorf("March's report = %q", got)
	}
	if got, _ := f.db.FindReportByID(sys, r.ID); !got.GenerationDate.Equal(repDate("2026-05-01")) ||
		got.Params.Period != *repPeriod("2026-04-01", "2026-04-30") || got.Version != 1 {
		t.Errorf("after a run the report shows generation %v period %v version %d", got.GenerationDate, got.Params.Period, got.Version)
	}

	// Three months at once: one run for each.
	f.advance(92 * 24 * time.Hour) // 2026-07-03
	f.repRun(t, 3)
	s = f.repStored(t, r.ID)
	var periods []string
	for _, sr := range s {
		periods = append(periods, sr.Period.Start.Format(tenantd.DateLayout))
	}
	if strings.Join(periods, " ") != "2026-06-01 2026-05-01 2026-04-01 2026-03-01" {
		t.Errorf("stored report periods, newest first = %v", periods)
	}
	if got := f.repCSV(t, r.ID, s[2].ID); len(got) != 1 || got[0] != "p trial 2026-04-01 workstations 8" {
		t.Errorf("April's report = %q", got)
	}

	// Disabled, it does not run; enabled again, it runs from the next month.
	cur, _ := f.db.FindReportByID(sys, r.ID)
	if _, err := f.db.UpdateReport(sys, r.ID, &tenantd.ReportUpdate{Version: &cur.Version, Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	f.advance(62 * 24 * time.Hour) // 2026-09-03
	f.repRun(t, 0)
	u, err := f.db.UpdateReport(sys, r.ID, &tenantd.ReportUpdate{Enabled: ptr(true)})
	if err != nil || !u.GenerationDate.Equal(repDate("2026-10-01")) {
		t.Fatalf("enabled again: %+v, %v", u, err)
	}
	f.repRun(t, 0)
	f.advance(30 * 24 * time.Hour) // 2026-10-03
	f.repRun(t, 1)
	if s := f.repStored(t, r.ID); len(s) != 5 || !s[0].Period.Start.Equal(repDate("2026-09-01")) {
		t.Errorf("after enabling again: %d stored reports, the newest for %v", len(s), s[0].Period.Start)
	}
}

// testReportMidMonthProduction follows the documented rule: a tenant
// switched to production in the middle of a month is in production for the
// whole of that month in the usage summary.
func testReportMidMonthProduction(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	f.grant(t, p, repBackup, "standard")
	switched := f.create(t, sys, p, tenantd.KindCustomer, "switched")
	stays := f.create(t, sys, p, tenantd.KindCustomer, "stays")
	for _, c := range []*tenantd.Tenant{switched, stays} {
		f.grant(t, c, repBackup, "standard")
		f.repUsage(t, c, "workstations", 2) // March
	}
	monthly := f.repCreate(t, as(p), tenantd.ReportCreate{TenantID: p.ID, Level: tenantd.LevelAllCustomers,
		ScheduleType: tenantd.ScheduleMonthly, HideZeroUsage: true})
	f.advance(5 * 24 * time.Hour) // 2026-03-20
	cur, err := f.db.Pricing(sys, switched.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.UpdatePricing(as(p), switched.ID, &tenantd.PricingUpdate{Version: cur.Version, Mode: ptr(tenantd.PricingProduction)}); err != nil {
		t.Fatal(err)
	}
	summary := f.repCreate(t, as(p), tenantd.ReportCreate{TenantID: p.ID, Level: tenantd.LevelAllCustomers,
		Period: repPeriod("2026-03-01", "2026-03-31"), HideZeroUsage: true})
	f.repRun(t, 1)
	want := []string{"stays trial 2026-03-01 workstations 2", "switched production 2026-03-01 workstations 2"}
	if got := f.repCSV(t, summary.ID, f.repStored(t, summary.ID)[0].ID); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("March summary = %q, want %q", got, want)
	}

	// The monthly report of March says the same on the first of April.
	f.advance(12 * 24 * time.Hour) // 2026-04-01 12:00
	f.repRun(t, 1)
	if got := f.repCSV(t, monthly.ID, f.repStored(t, monthly.ID)[0].ID); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("March's monthly report = %q, want %q", got, want)
	}

	// The trial of stays ends on 15 April: April is production for it too.
	f.advance(15 * 24 * time.Hour) // 2026-04-16
	if n, err := f.db.SwitchDueToProduction(context.Background()); err != nil || n == 0 {
		t.Fatalf("SwitchDueToProduction = %d, %v", n, err)
	}
	f.repUsage(t, stays, "workstations", 6)
	april := f.repCreate(t, as(p), tenantd.ReportCreate{TenantID: p.ID, Level: tenantd.LevelAllCustomers,
		Period: repPeriod("2026-03-01", "2026-04-30"), HideZeroUsage: true})
	f.repRun(t, 1)
	want = []string{
		"stays trial 2026-03-01 workstations 2", "stays production 2026-04-01 workstations 6",
		"switched production 2026-03-01 workstations 2",
	}
	if got := f.repCSV(t, april.ID, f.repStored(t, april.ID)[0].ID); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("March and April summary = %q, want %q", got, want)
	}
}

func testReportLevels(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	sub := f.create(t, sys, p, tenantd.KindPartner, "sub")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	deep := f.create(t, sys, sub, tenantd.KindCustomer, "deep")
	u := f.create(t, sys, c, tenantd.KindUnit, "u")
	for _, tn := range []*tenantd.Tenant{p, sub, c, deep, u} {
		f.grant(t, tn, repBackup, "standard")
		f.repUsage(t, tn, "workstations", 1)
	}
	// File Sync & Share's child storages roll the customers' storage up.
	for _, tn := range []*tenantd.Tenant{p, c} {
		f.grant(t, tn, repFiles, "fss_legacy")
	}
	f.repUsage(t, p, "fc_storage", 5)
	f.repUsage(t, c, "fc_storage", 10)
	gone := f.create(t, sys, p, tenantd.KindCustomer, "gone")
	f.grant(t, gone, repBackup, "standard")
	f.repUsage(t, gone, "workstations", 1)
	f.setEnabled(t, sys, gone, false)
	if err := f.db.DeleteTenant(sys, gone.ID, f.get(t, gone.ID).Version); err != nil {
		t.Fatal(err)
	}
	reports := map[string]*tenantd.Report{}
	for _, level := range []string{tenantd.LevelItself, tenantd.LevelDirectPartners, tenantd.LevelAllPartners,
		tenantd.LevelAllCustomers, tenantd.LevelAccounts} {
		reports[level] = f.repCreate(t, sys, tenantd.ReportCreate{TenantID: p.ID, Level: level, Kind: tenantd.ReportUsageCurrent, HideZeroUsage: true})
	}
	f.repRun(t, 5)
	for level, want := range map[string]string{
		tenantd.LevelItself:         "p",
		tenantd.LevelDirectPartners: "p c sub",
		tenantd.LevelAllPartners:    "p c sub deep",
		tenantd.LevelAllCustomers:   "p c deep",
		tenantd.LevelAccounts:       "p c sub deep u",
	} {
		r := reports[level]
		var names []string
		for _, line := range f.repCSV(t, r.ID, f.repStored(t, r.ID)[0].ID) {
			if n := strings.Fields(line)[0]; len(names) == 0 || names[len(names)-1] != n {
				names = append(names, n)
			}
		}
		if strings.Join(names, " ") != want {
			t.Errorf("level %s lists %v, want %s", level, names, want)
		}
	}
	r := reports[tenantd.LevelItself]
	want := "p trial 2026-03-01 workstations 1|p trial 2026-03-01 fc_child_storages 10|p trial 2026-03-01 fc_storage 5"
	if got := strings.Join(f.repCSV(t, r.ID, f.repStored(t, r.ID)[0].ID), "|"); got != want {
		t.Errorf("p's own lines = %q, want %q", got, want)
	}
}

// testReportRunsOnceConcurrently runs the report job in several "instances"
// at once: every run is made exactly once.
func testReportRunsOnceConcurrently(t *testing.T, f *fixture) {
	sys := f.system()
	var reports []*tenantd.Report
	for i := range 4 {
		p := f.create(t, sys, f.root, tenantd.KindPartner, "p"+string(rune('a'+i)))
		reports = append(reports,
			f.repCreate(t, sys, tenantd.ReportCreate{TenantID: p.ID, Formats: []string{"csv", "json_v1"}}),
			f.repCreate(t, sys, tenantd.ReportCreate{TenantID: p.ID, ScheduleType: tenantd.ScheduleMonthly}))
	}
	f.advance(40 * 24 * time.Hour) // 2026-04-24: each monthly report is due once
	const instances = 6
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range instances {
		wg.Go(func() {
			n, err := f.db.RunDueReports(context.Background())
			if err != nil {
				t.Errorf("RunDueReports: %v", err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if total != len(reports) {
		t.Errorf("%d instances made %d runs, want %d", instances, total, len(reports))
	}
	for _, r := range reports {
		s := f.repStored(t, r.ID)
		if len(s) != len(r.Params.Formats) {
			t.Errorf("report %s (%s) has %d stored reports, want %d", r.ID, r.ScheduleType, len(s), len(r.Params.Formats))
		}
		for _, sr := range s {
			if sr.Status != tenantd.StoredSaved {
				t.Errorf("stored report %s is %s", sr.ID, sr.Status)
			}
		}
	}
}

func testReportSend(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "Sender & Co")
	f.grant(t, p, repBackup, "standard")
	f.repUsage(t, p, "workstations", 9)
	to := f.user(t, sys, p, "boss", tenantd.RolePartnerAdmin)
	off := f.user(t, sys, p, "off")
	if _, err := f.db.UpdateUser(sys, off.ID, &tenantd.UserUpdate{Version: off.Version, Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	r := f.repCreate(t, sys, tenantd.ReportCreate{TenantID: p.ID, ResultAction: tenantd.ResultSend,
		Recipients: []string{to.ID, off.ID, to.ID}, HideZeroUsage: true})
	if len(r.Recipients) != 2 {
		t.Errorf("recipients = %v, want the two users once each", r.Recipients)
	}
	_, err := f.db.CreateReport(sys, &tenantd.ReportCreate{TenantID: p.ID, Level: tenantd.LevelItself,
		Kind: tenantd.ReportUsageSummary, ScheduleType: tenantd.ScheduleOnce, ResultAction: tenantd.ResultSend})
	wantKind(t, "send to nobody", err, tenantd.EINVALID, "")
	f.repRun(t, 1)
	var mails []*tenantd.Email
	for {
		e, err := f.db.ClaimEmail(context.Background(), time.Minute)
		if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(e.Subject, "Usage report") {
			mails = append(mails, e)
		}
	}
	if len(mails) != 1 || mails[0].To != "boss@example.com" || !strings.Contains(mails[0].Subject, "Sender & Co") ||
		!strings.Contains(mails[0].Body, "workstations,quantity,9") || !strings.Contains(mails[0].Body, "/api/2/reports/"+r.ID+"/stored/") {
		for _, m := range mails {
			t.Logf("mail to %s: %s\n%s", m.To, m.Subject, m.Body)
		}
		t.Errorf("%d report e-mails, want one to the enabled recipient with the report", len(mails))
	}
}
