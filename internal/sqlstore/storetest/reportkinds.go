package storetest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
)

// repFile downloads a stored report and returns it uncompressed.
func (f *fixture) repFile(t *testing.T, reportID, storedID string) (*tenantd.StoredReport, []byte) {
	t.Helper()
	sr, z, err := f.db.StoredReportFile(f.system(), reportID, storedID)
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
	return sr, b
}

// repRecords reads a stored CSV report: its header and lines.
func (f *fixture) repRecords(t *testing.T, reportID, storedID string) ([]string, [][]string) {
	t.Helper()
	_, b := f.repFile(t, reportID, storedID)
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("the stored report is not CSV: %v\n%s", err, b)
	}
	return recs[0], recs[1:]
}

func testReportDaily(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	f.grant(t, p, repBackup, "standard")
	f.grant(t, c, repBackup, "standard")
	f.grant(t, p, repFiles, "fss_legacy")
	f.grant(t, c, repFiles, "fss_legacy")
	storage := f.db.Catalog().DefaultInfra(repBackup)

	// 2026-03-15: the day's last value counts.
	f.repUsage(t, c, "workstations", 3)
	f.repUsage(t, c, "storage", 100)
	f.repUsage(t, c, "fc_storage", 10)
	f.advance(time.Hour)
	f.repUsage(t, c, "workstations", 4)
	f.advance(2 * 24 * time.Hour) // 2026-03-17
	f.repUsage(t, c, "workstations", 6)
	f.repUsage(t, p, "storage", 50)
	f.repUsage(t, p, "fc_storage", 5)
	f.advance(16 * 24 * time.Hour) // 2026-04-02
	f.repUsage(t, c, "workstations", 1)

	r := f.repCreate(t, sys, tenantd.ReportCreate{TenantID: p.ID, Level: tenantd.LevelAccounts, Kind: tenantd.ReportUsageDaily,
		Period: repPeriod("2026-03-14", "2026-04-03"), Formats: []string{"csv", "json_v1", "html"}})
	f.repRun(t, 1)
	stored := f.repStored(t, r.ID)
	if len(stored) != 3 || stored[2].Format != tenantd.FormatHTML || stored[2].Status != tenantd.StoredSaved {
		t.Fatalf("stored reports = %+v, want csv, json_v1 and html saved", stored)
	}
	header, recs := f.repRecords(t, r.ID, stored[0].ID)
	if header[len(header)-1] != "infra_id" {
		t.Errorf("daily header = %v, want infra_id last", header)
	}
	lines := map[string]bool{}
	for _, rec := range recs {
		if rec[5] != rec[6] {
			t.Errorf("a daily line covers %s to %s", rec[5], rec[6])
		}
		lines[strings.Join([]string{rec[1], rec[5], rec[10], rec[13], rec[14]}, " ")] = true
	}
	for _, want := range []string{
		"c 2026-03-15 workstations 4 ", "c 2026-03-16 workstations 4 ", "c 2026-03-17 workstations 6 ", "c 2026-03-31 workstations 6 ",
		"c 2026-04-01 workstations 0 ", "c 2026-04-02 workstations 1 ", "c 2026-04-03 workstations 1 ",
		"c 2026-03-15 storage 100 " + storage, "c 2026-04-01 storage 0 " + storage,
		"p 2026-03-17 storage 50 " + storage, "p 2026-04-01 storage 0 " + storage,
		// Computed usages sum the subtree's values of the day, from the
		// first day one of them has history.
		"p 2026-03-15 fc_child_storages 10 ", "p 2026-03-17 fc_child_storages 10 ", "p 2026-04-01 fc_child_storages 0 ",
		"c 2026-03-15 fc_child_storages 0 ",
	} {
		if !lines[want] {
			t.Errorf("the daily report lacks %q", want)
		}
	}
	for _, absent := range []string{
		"c 2026-03-14 workstations", // before the history began
		"p 2026-03-15 workstations", // p never reported workstations: no history
		"p 2026-03-16 storage",      // p's storage history begins on the 17th
		"p 2026-03-14 fc_child_storages",
	} {
		for l := range lines {
			if strings.HasPrefix(l, absent) {
				t.Errorf("the daily report has %q", l)
			}
		}
	}
	if _, b := f.repFile(t, r.ID, stored[2].ID); !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) || !bytes.Contains(b, []byte("<td>2026-03-17</td>")) {
		t.Errorf("the HTML report = %.300s", b)
	}
	if _, b := f.repFile(t, r.ID, stored[1].ID); !bytes.Contains(b, []byte(`"kind":"usage_daily"`)) || !bytes.Contains(b, []byte(`"infra_id":"`+storage+`"`)) {
		t.Errorf("the JSON report = %.300s", b)
	}

	// A period before the history began has no lines; hide_zero_usage
	// leaves the zero days out.
	before := f.repCreate(t, sys, tenantd.ReportCreate{TenantID: c.ID, Kind: tenantd.ReportUsageDaily, Period: repPeriod("2026-03-01", "2026-03-14")})
	hidden := f.repCreate(t, sys, tenantd.ReportCreate{TenantID: c.ID, Kind: tenantd.ReportUsageDaily, Period: repPeriod("2026-03-30", "2026-04-02"), HideZeroUsage: true})
	f.repRun(t, 2)
	if _, recs := f.repRecords(t, before.ID, f.repStored(t, before.ID)[0].ID); len(recs) != 0 {
		t.Errorf("a period before the history began has lines %v", recs)
	}
	_, recs = f.repRecords(t, hidden.ID, f.repStored(t, hidden.ID)[0].ID)
	var got []string
	for _, rec := range recs {
		if rec[10] == "workstations" {
			got = append(got, rec[5]+"="+rec[13])
		}
	}
	if strings.Join(got, " ") != "2026-03-30=6 2026-03-31=6 2026-04-02=1" {
		t.Errorf("workstations with hide_zero_usage = %v", got)
	}

	// A daily report spans at most a year.
	_, err := f.db.CreateReport(sys, &tenantd.ReportCreate{TenantID: c.ID, Level: tenantd.LevelItself, Kind: tenantd.ReportUsageDaily,
		ScheduleType: tenantd.ScheduleOnce, ResultAction: tenantd.ResultSave, Period: repPeriod("2025-01-01", "2026-03-31")})
	wantKind(t, "a daily report of 15 months", err, tenantd.EINVALID, "")

	// The purge removes the history older than its retention; what is
	// left begins later.
	f.db.UsageHistoryRetention = 10 * 24 * time.Hour // from 2026-03-23
	if _, err := f.db.PurgeDeleted(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := f.repCreate(t, sys, tenantd.ReportCreate{TenantID: c.ID, Kind: tenantd.ReportUsageDaily, Period: repPeriod("2026-03-15", "2026-04-02")})
	f.repRun(t, 1)
	_, recs = f.repRecords(t, after.ID, f.repStored(t, after.ID)[0].ID)
	got = nil
	for _, rec := range recs {
		got = append(got, rec[5]+" "+rec[10]+"="+rec[13])
	}
	if !slices.Equal(got, []string{"2026-04-02 workstations=1"}) {
		t.Errorf("after the purge: %v, want the history of 2 April only", got)
	}
}

func testReportBreakdown(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	sub := f.create(t, sys, p, tenantd.KindPartner, "sub")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	d := f.create(t, sys, sub, tenantd.KindCustomer, "d")
	for _, tn := range []*tenantd.Tenant{p, sub, c, d} {
		f.grant(t, tn, repBackup, "standard")
	}
	storage := f.db.Catalog().DefaultInfra(repBackup)
	f.repUsage(t, p, "workstations", 1)
	f.repUsage(t, c, "workstations", 3)
	f.repUsage(t, d, "workstations", 5)
	f.repUsage(t, c, "storage", 10)
	f.repUsage(t, d, "storage", 20)

	itself := f.repCreate(t, sys, tenantd.ReportCreate{TenantID: p.ID, Kind: tenantd.ReportUsageBreakdown, Formats: []string{"csv", "html"}})
	accounts := f.repCreate(t, sys, tenantd.ReportCreate{TenantID: p.ID, Level: tenantd.LevelAccounts, Kind: tenantd.ReportUsageBreakdown, HideZeroUsage: true})
	f.repRun(t, 2)
	read := func(r *tenantd.Report) []string {
		header, recs := f.repRecords(t, r.ID, f.repStored(t, r.ID)[0].ID)
		if strings.Join(header[14:], " ") != "infra_id source_tenant_id source_tenant_name" {
			t.Errorf("breakdown header = %v", header)
		}
		var out []string
		for _, rec := range recs {
			infra := rec[14]
			if infra == storage {
				infra = "default"
			}
			out = append(out, strings.Join([]string{rec[1], rec[10], infra, rec[16], rec[13]}, " "))
		}
		return out
	}
	want := []string{
		"p workstations  p 1", "p workstations  c 3", "p workstations  sub 5",
		"p storage default p 0", "p storage default c 10", "p storage default sub 20",
	}
	got := read(itself)
	var plain []string // without the items nobody used
	for _, l := range got {
		if strings.HasPrefix(l, "p workstations") || strings.HasPrefix(l, "p storage") {
			plain = append(plain, l)
		}
		if strings.Contains(l, "total_storage") || strings.Contains(l, "child_storages") {
			t.Errorf("the breakdown lists a computed usage: %s", l)
		}
	}
	if strings.Join(plain, "|") != strings.Join(want, "|") {
		t.Errorf("breakdown of p = %q, want %q", plain, want)
	}
	if sr, b := f.repFile(t, itself.ID, f.repStored(t, itself.ID)[1].ID); sr.Format != tenantd.FormatHTML || !bytes.Contains(b, []byte("<th scope=\"col\">source_tenant_name</th>")) {
		t.Errorf("the HTML breakdown = %.300s", b)
	}

	want = []string{
		"p workstations  p 1", "p workstations  c 3", "p workstations  sub 5", "p storage default c 10", "p storage default sub 20",
		"c workstations  c 3", "c storage default c 10",
		"sub workstations  d 5", "sub storage default d 20",
		"d workstations  d 5", "d storage default d 20",
	}
	if got := read(accounts); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("breakdown of the accounts =\n%q\nwant\n%q", got, want)
	}
}
