package tenantd_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
)

func repDays(vals map[tenantd.DayKey][]tenantd.DayValue, k tenantd.ItemKey, days ...string) []string {
	var out []string
	for _, d := range days {
		vs, ok := vals[tenantd.DayKey{TenantID: k.TenantID, ApplicationID: k.ApplicationID, Item: k.Item, Day: repDay(d)}]
		if !ok {
			out = append(out, d+" none")
			continue
		}
		var parts []string
		for _, v := range vs {
			parts = append(parts, v.InfraID+"="+repItoa(v.Value))
		}
		out = append(out, d+" "+strings.Join(parts, ","))
	}
	return out
}

func TestDailyValues(t *testing.T) {
	ws := tenantd.ItemKey{TenantID: "c1", ApplicationID: "app", Item: "workstations"}
	st := tenantd.ItemKey{TenantID: "c1", ApplicationID: "app", Item: "storage"}
	late := tenantd.ItemKey{TenantID: "c2", ApplicationID: "app", Item: "workstations"}
	at := func(day string, h int) time.Time { return repDay(day).Add(time.Duration(h) * time.Hour) }
	hist := []tenantd.UsageDay{
		{ItemKey: ws, Day: repDay("2026-03-02"), Value: 4, UpdatedAt: at("2026-03-02", 9)},
		{ItemKey: ws, Day: repDay("2026-03-05"), Value: 6, UpdatedAt: at("2026-03-05", 9)},
		{ItemKey: ws, Day: repDay("2026-04-02"), Value: 1, UpdatedAt: at("2026-04-02", 9)},
		// The storage item moved from infrastructure x to y on the 3rd.
		{ItemKey: st, InfraID: "x", Day: repDay("2026-03-03"), Value: 10, UpdatedAt: at("2026-03-03", 8)},
		{ItemKey: st, InfraID: "y", Day: repDay("2026-03-03"), Value: 12, UpdatedAt: at("2026-03-03", 20)},
		{ItemKey: late, Day: repDay("2026-03-20"), Value: 2, UpdatedAt: at("2026-03-20", 1)},
	}
	first := map[tenantd.ItemKey]time.Time{ws: repDay("2026-01-10"), st: repDay("2026-03-03"), late: repDay("2026-03-20"),
		{TenantID: "c3", ApplicationID: "app", Item: "workstations"}: repDay("2026-05-01")}
	got := tenantd.DailyValues(hist, first, tenantd.Period{Start: repDay("2026-03-04"), End: repDay("2026-04-03")},
		func(k tenantd.ItemKey) string {
			if k.Item == "storage" {
				return "y"
			}
			return ""
		})
	check := func(name string, got, want []string) {
		t.Helper()
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s:\n got %q\nwant %q", name, got, want)
		}
	}
	check("workstations", repDays(got, ws, "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-31", "2026-04-01", "2026-04-02", "2026-04-03", "2026-04-04"),
		[]string{"2026-03-03 none", // before the period
			"2026-03-04 =4",   // carried from the 2nd, before the period
			"2026-03-05 =6",   // written that day
			"2026-03-31 =6",   // carried to the month's end
			"2026-04-01 =0",   // a new month starts from 0
			"2026-04-02 =1",   //
			"2026-04-03 =1",   //
			"2026-04-04 none", // after the period
		})
	check("storage", repDays(got, st, "2026-03-04", "2026-04-01"), []string{"2026-03-04 y=12", "2026-04-01 y=0"})
	check("created later", repDays(got, late, "2026-03-19", "2026-03-20", "2026-03-21"), []string{"2026-03-19 none", "2026-03-20 =2", "2026-03-21 =2"})
	if n := len(repDays(got, tenantd.ItemKey{TenantID: "c3", ApplicationID: "app", Item: "workstations"}, "2026-04-03")); n != 1 {
		t.Fatal(n)
	}
	for k := range got {
		if k.TenantID == "c3" {
			t.Errorf("an item whose history begins after the period has day %v", k.Day)
		}
	}
	// Both infrastructures written on one day give one value each.
	got = tenantd.DailyValues(hist, first, tenantd.Period{Start: repDay("2026-03-03"), End: repDay("2026-03-04")}, func(tenantd.ItemKey) string { return "" })
	check("the day of the move", repDays(got, st, "2026-03-03", "2026-03-04"), []string{"2026-03-03 x=10,y=12", "2026-03-04 y=12"})
}

// repKindRows reads rows as "tenant day item infra source value".
func repKindRows(rows []tenantd.ReportRow) []string {
	var out []string
	for _, r := range rows {
		src := ""
		if r.Source != nil {
			src = r.Source.ID
		}
		out = append(out, strings.Join([]string{r.Tenant.ID, r.Period.Start.Format(tenantd.DateLayout), r.Period.End.Format(tenantd.DateLayout),
			r.Item, r.InfraID, src, repItoa(r.Value)}, " "))
	}
	return out
}

func TestBuildReportRowsDaily(t *testing.T) {
	in := reportFixture(t, tenantd.ReportUsageDaily, false, tenantd.Period{Start: repDay("2026-04-09"), End: repDay("2026-04-11")})
	backup := in.Items["p"][0].Def.ApplicationID
	key := func(tenant, item, day string) tenantd.DayKey {
		return tenantd.DayKey{TenantID: tenant, ApplicationID: backup, Item: item, Day: repDay(day)}
	}
	in.Daily = map[tenantd.DayKey][]tenantd.DayValue{
		key("p", "workstations", "2026-04-09"):  {{Value: 7}},
		key("p", "workstations", "2026-04-10"):  {{Value: 0}},
		key("p", "workstations", "2026-04-11"):  {{Value: 8}},
		key("p", "local_storage", "2026-04-11"): {{InfraID: "x", Value: 5}, {InfraID: "y", Value: 6}},
		key("c2", "workstations", "2026-04-09"): {{Value: 1}}, // c2 was created on the 10th
		key("c2", "workstations", "2026-04-10"): {{Value: 1}},
	}
	in.Report.Params.Level = tenantd.LevelAccounts
	got := repKindRows(tenantd.BuildReportRows(in))
	want := []string{
		"p 2026-04-09 2026-04-09 workstations   7",
		"p 2026-04-10 2026-04-10 workstations   0",
		"p 2026-04-11 2026-04-11 workstations   8",
		"p 2026-04-11 2026-04-11 local_storage x  5",
		"p 2026-04-11 2026-04-11 local_storage y  6",
		"c2 2026-04-10 2026-04-10 workstations   1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("daily rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	in.Report.Params.HideZeroUsage = true
	if got := repKindRows(tenantd.BuildReportRows(in)); len(got) != 5 {
		t.Errorf("hide_zero_usage: %q", got)
	}
}

func TestBuildReportRowsBreakdown(t *testing.T) {
	in := reportFixture(t, tenantd.ReportUsageBreakdown, false, tenantd.Period{Start: repDay("2026-04-01"), End: repDay("2026-04-30")})
	backup := in.Items["p"][0].Def.ApplicationID
	april := repDay("2026-04-01")
	p, c1, c2 := in.Tenants[0], in.Tenants[1], in.Tenants[2]
	in.Report.Params.Level = tenantd.LevelItself
	in.Breakdown = map[tenantd.UsageKey][]tenantd.BreakdownPart{
		{TenantID: "p", ApplicationID: backup, Item: "workstations", Month: april}: {{Source: p, Value: 2}, {Source: c1, Value: 5}, {Source: c2, Value: 1}},
	}
	got := repKindRows(tenantd.BuildReportRows(in))
	want := []string{
		"p 2026-04-01 2026-04-30 workstations  p 2",
		"p 2026-04-01 2026-04-30 workstations  c1 5",
		"p 2026-04-01 2026-04-30 workstations  c2 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("breakdown rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	in.Items["p"] = append(in.Items["p"], tenantd.ReportItem{Def: in.Items["c1"][1].Def, On: true}) // servers, on and unused
	got = repKindRows(tenantd.BuildReportRows(in))
	if len(got) != 4 || got[3] != "p 2026-04-01 2026-04-30 servers  p 0" {
		t.Errorf("an item on and unused has one zero line of the tenant's own: %q", got)
	}
	in.Report.Params.HideZeroUsage = true
	if got := repKindRows(tenantd.BuildReportRows(in)); len(got) != 3 {
		t.Errorf("hide_zero_usage: %q", got)
	}

	// The CSV and JSON carry the source and infrastructure.
	rows := tenantd.BuildReportRows(in)
	b, err := tenantd.RenderReport(tenantd.FormatCSV, in.Report, in.Period, april, rows)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) != 4 || strings.Join(recs[0][14:], " ") != "infra_id source_tenant_id source_tenant_name" || recs[2][15] != "c1" || recs[2][16] != "c1" {
		t.Errorf("breakdown CSV = %q, %v", recs, err)
	}
	b, err = tenantd.RenderReport(tenantd.FormatJSON1, in.Report, in.Period, april, rows)
	if err != nil || !strings.Contains(string(b), `"infra_id":"","source_tenant_id":"c2","source_tenant_name":"c2"`) {
		t.Errorf("breakdown JSON = %s, %v", b, err)
	}
}

func TestRenderReportHTML(t *testing.T) {
	in := reportFixture(t, tenantd.ReportUsageSummary, true, tenantd.Period{Start: repDay("2026-03-01"), End: repDay("2026-03-31")})
	in.Tenants[0].Name = `<script>alert("P")</script> & Co`
	rows := tenantd.BuildReportRows(in)
	b, err := tenantd.RenderReport(tenantd.FormatHTML, in.Report, in.Period, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), rows)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	if !strings.HasPrefix(doc, "<!DOCTYPE html>\n<html") || strings.Contains(doc, "<script") || !strings.Contains(doc, "&lt;script&gt;") {
		t.Errorf("HTML report does not escape the tenant's name:\n%s", doc)
	}
	for _, bad := range []string{"src=", "href=", "http://", "https://"} {
		if strings.Contains(doc, bad) {
			t.Errorf("the HTML report is not self-contained: it holds %q", bad)
		}
	}
	// Well-formed: it parses as XML, with one table whose header has the
	// CSV's columns and whose body has a row per line.
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	var cells, headers []string
	depth, rowsSeen, cell := 0, 0, ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the HTML report is not well-formed: %v\n%s", err, doc)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			cell = ""
			if tok.Name.Local == "tr" {
				rowsSeen++
			}
		case xml.CharData:
			cell += string(tok)
		case xml.EndElement:
			depth--
			switch tok.Name.Local {
			case "th":
				headers = append(headers, cell)
			case "td":
				cells = append(cells, cell)
			}
		}
	}
	if depth != 0 || rowsSeen != 3 || strings.Join(headers, ",") != "tenant_id,tenant_name,tenant_kind,parent_id,pricing_mode,period_start,period_end,application_id,application_name,edition,offering_item,usage_name,measurement_unit,usage" {
		t.Errorf("HTML table: %d rows, headers %v", rowsSeen, headers)
	}
	if len(cells) != 28 || cells[1] != `<script>alert("P")</script> & Co` || cells[13] != "7" {
		t.Errorf("HTML cells = %q", cells)
	}
	empty, err := tenantd.RenderReport(tenantd.FormatHTML, in.Report, in.Period, time.Now(), nil)
	if err != nil || !strings.Contains(string(empty), "<tbody>\n</tbody>") {
		t.Errorf("an empty HTML report = %s, %v", empty, err)
	}
	var v any
	if json.Valid(b) || xml.Unmarshal(empty, &v) != nil {
		t.Errorf("the empty HTML report does not parse")
	}
}
