package tenantd_test

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
)

func repDay(s string) time.Time {
	d, err := tenantd.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestParseDate(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"2026-03-01", true}, {"2024-02-29", true}, {"2026-02-29", false}, {"2026-13-01", false},
		{"2026-3-1", false}, {"2026-03-01T00:00:00", false}, {"", false}, {"01-03-2026", false},
	} {
		_, err := tenantd.ParseDate(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseDate(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
		}
		if err != nil && tenantd.ErrorKind(err) != tenantd.EINVALID {
			t.Errorf("ParseDate(%q) error kind = %s, want invalid", tt.in, tenantd.ErrorKind(err))
		}
	}
}

func TestPeriodMonths(t *testing.T) {
	for _, tt := range []struct {
		start, end string
		want       []string // start..end of each part
	}{
		{"2026-03-01", "2026-03-31", []string{"2026-03-01..2026-03-31"}},
		{"2026-03-10", "2026-03-20", []string{"2026-03-10..2026-03-20"}},
		{"2026-01-15", "2026-03-05", []string{"2026-01-15..2026-01-31", "2026-02-01..2026-02-28", "2026-03-01..2026-03-05"}},
		{"2025-12-31", "2026-01-01", []string{"2025-12-31..2025-12-31", "2026-01-01..2026-01-01"}},
		{"2024-02-01", "2024-02-29", []string{"2024-02-01..2024-02-29"}},
	} {
		var got []string
		for _, m := range (tenantd.Period{Start: repDay(tt.start), End: repDay(tt.end)}).Months() {
			got = append(got, m.Start.Format(tenantd.DateLayout)+".."+m.End.Format(tenantd.DateLayout))
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("months of %s..%s = %v, want %v", tt.start, tt.end, got, tt.want)
		}
	}
}

func TestPeriodValidate(t *testing.T) {
	if err := (tenantd.Period{Start: repDay("2026-03-02"), End: repDay("2026-03-01")}).Validate(); tenantd.ErrorKind(err) != tenantd.EINVALID {
		t.Errorf("end before start: %v, want invalid", err)
	}
	if err := (tenantd.Period{Start: repDay("2026-03-01"), End: repDay("2026-03-01")}).Validate(); err != nil {
		t.Errorf("a one-day period: %v", err)
	}
	if err := (tenantd.Period{Start: repDay("2021-04-01"), End: repDay("2026-03-31")}).Validate(); err != nil {
		t.Errorf("60 months: %v", err)
	}
	if err := (tenantd.Period{Start: repDay("2021-03-31"), End: repDay("2026-03-01")}).Validate(); tenantd.ErrorKind(err) != tenantd.EINVALID {
		t.Errorf("61 months: %v, want invalid", err)
	}
	if err := (tenantd.Period{Start: repDay("0001-01-01"), End: repDay("9999-12-31")}).Validate(); tenantd.ErrorKind(err) != tenantd.EINVALID {
		t.Errorf("ten thousand years: %v, want invalid", err)
	}
}

func TestPricingModeInMonth(t *testing.T) {
	march := repDay("2026-03-01")
	for _, tt := range []struct {
		name  string
		mode  string
		start *time.Time
		want  string
	}{
		{"trial", tenantd.PricingTrial, repPtr(repDay("2026-03-20")), tenantd.PricingTrial},
		{"production without a start (root, folder)", tenantd.PricingProduction, nil, tenantd.PricingProduction},
		{"switched mid-month: the whole month", tenantd.PricingProduction, repPtr(time.Date(2026, 3, 20, 15, 4, 5, 0, time.UTC)), tenantd.PricingProduction},
		{"switched on the first", tenantd.PricingProduction, repPtr(march), tenantd.PricingProduction},
		{"switched on the last second of the month", tenantd.PricingProduction, repPtr(repDay("2026-04-01").Add(-time.Second)), tenantd.PricingProduction},
		{"switched the next month", tenantd.PricingProduction, repPtr(repDay("2026-04-01")), tenantd.PricingTrial},
		{"switched months before", tenantd.PricingProduction, repPtr(repDay("2025-11-07")), tenantd.PricingProduction},
	} {
		if got := tenantd.PricingModeInMonth(tt.mode, tt.start, march); got != tt.want {
			t.Errorf("%s: mode in March = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestNormalizeFormats(t *testing.T) {
	for _, tt := range []struct {
		in   []string
		want string // joined, or "error"
	}{
		{nil, "csv"},
		{[]string{}, "error"},
		{[]string{"csv_v2_0"}, "csv_v2_0"},
		{[]string{"json_v2_0", "csv", "json_v1", "csv"}, "json_v1 csv"},
		{[]string{"html", "csv", "html"}, "html csv"},
		{[]string{"xml"}, "error"},
		{[]string{"CSV"}, "error"},
	} {
		got, err := tenantd.NormalizeFormats(tt.in)
		s := strings.Join(got, " ")
		if err != nil {
			s = "error"
			if tenantd.ErrorKind(err) != tenantd.EINVALID {
				t.Errorf("NormalizeFormats(%v) error kind %s", tt.in, tenantd.ErrorKind(err))
			}
		}
		if s != tt.want {
			t.Errorf("NormalizeFormats(%v) = %q, want %q", tt.in, s, tt.want)
		}
	}
}

func TestMonthlyRuns(t *testing.T) {
	for _, tt := range []struct{ at, first, period string }{
		{"2026-03-15T12:00:00Z", "2026-04-01", "2026-03-01..2026-03-31"},
		{"2026-03-01T00:00:00Z", "2026-03-01", "2026-02-01..2026-02-28"},
		{"2026-03-01T00:00:01Z", "2026-04-01", "2026-03-01..2026-03-31"},
		{"2026-12-31T23:59:59Z", "2027-01-01", "2026-12-01..2026-12-31"},
	} {
		at, _ := time.Parse(time.RFC3339, tt.at)
		first := tenantd.FirstMonthlyRun(at)
		p := tenantd.MonthlyRunPeriod(first)
		got := p.Start.Format(tenantd.DateLayout) + ".." + p.End.Format(tenantd.DateLayout)
		if first.Format(tenantd.DateLayout) != tt.first || got != tt.period {
			t.Errorf("first run after %s = %s reporting %s, want %s reporting %s", tt.at, first.Format(tenantd.DateLayout), got, tt.first, tt.period)
		}
	}
}

func repCreate() *tenantd.ReportCreate {
	return &tenantd.ReportCreate{TenantID: tenantd.NewID(), Level: tenantd.LevelItself, Kind: tenantd.ReportUsageSummary,
		ScheduleType: tenantd.ScheduleOnce, ResultAction: tenantd.ResultSave}
}

func TestReportCreatePrepare(t *testing.T) {
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	r, due, err := repCreate().Prepare(now)
	if err != nil {
		t.Fatal(err)
	}
	if !due.Equal(now) || !r.GenerationDate.Equal(repDay("2026-03-15")) || !r.Enabled {
		t.Errorf("once report: due %v generation %v enabled %v, want now, today, enabled", due, r.GenerationDate, r.Enabled)
	}
	if r.Params.Period != (tenantd.Period{Start: repDay("2026-03-01"), End: repDay("2026-03-15")}) {
		t.Errorf("default period = %v, want the month so far", r.Params.Period)
	}
	if len(r.Params.Formats) != 1 || r.Params.Formats[0] != tenantd.FormatCSV || r.Recipients == nil {
		t.Errorf("defaults: formats %v recipients %v", r.Params.Formats, r.Recipients)
	}

	c := repCreate()
	c.GenerationDate = repPtr(repDay("2026-03-20"))
	if _, due, _ := c.Prepare(now); !due.Equal(repDay("2026-03-20")) {
		t.Errorf("once report with a later generation date is due %v", due)
	}
	c.GenerationDate = repPtr(repDay("2026-03-01"))
	if r, due, _ := c.Prepare(now); !due.Equal(now) || !r.GenerationDate.Equal(repDay("2026-03-15")) {
		t.Errorf("once report with a past generation date is due %v on %v, want now", due, r.GenerationDate)
	}

	c = repCreate()
	c.ScheduleType = tenantd.ScheduleMonthly
	c.Period = &tenantd.Period{Start: repDay("2020-01-01"), End: repDay("2020-01-31")}
	r, due, err = c.Prepare(now)
	if err != nil {
		t.Fatal(err)
	}
	if !due.Equal(repDay("2026-04-01")) || !r.GenerationDate.Equal(due) || r.Params.Period != (tenantd.Period{Start: repDay("2026-03-01"), End: repDay("2026-03-31")}) {
		t.Errorf("monthly: due %v generation %v period %v", due, r.GenerationDate, r.Params.Period)
	}

	c = repCreate()
	c.Kind, c.Formats, c.Period = tenantd.ReportUsageDaily, []string{"html"}, &tenantd.Period{Start: repDay("2025-03-02"), End: repDay("2026-03-02")}
	if r, _, err := c.Prepare(now); err != nil || r.Params.Formats[0] != tenantd.FormatHTML {
		t.Errorf("a daily HTML report of 366 days: %v", err)
	}

	for name, change := range map[string]func(c *tenantd.ReportCreate){
		"bad tenant": func(c *tenantd.ReportCreate) { c.TenantID = "X" },
		"bad level":  func(c *tenantd.ReportCreate) { c.Level = "everyone" },
		"bad kind":   func(c *tenantd.ReportCreate) { c.Kind = "usage_yearly" },
		"a daily report of more than a year": func(c *tenantd.ReportCreate) {
			c.Kind, c.Period = tenantd.ReportUsageDaily, &tenantd.Period{Start: repDay("2025-03-01"), End: repDay("2026-03-02")}
		},
		"pdf":            func(c *tenantd.ReportCreate) { c.Formats = []string{"pdf"} },
		"bad action":     func(c *tenantd.ReportCreate) { c.ResultAction = "print" },
		"send to nobody": func(c *tenantd.ReportCreate) { c.ResultAction = tenantd.ResultSend },
		"bad recipient":  func(c *tenantd.ReportCreate) { c.Recipients = []string{"nobody"} },
		"bad schedule":   func(c *tenantd.ReportCreate) { c.ScheduleType = "weekly" },
		"end before start": func(c *tenantd.ReportCreate) {
			c.Period = &tenantd.Period{Start: repDay("2026-03-02"), End: repDay("2026-03-01")}
		},
		"disabled once": func(c *tenantd.ReportCreate) { c.Enabled = repPtr(false) },
		"too many months": func(c *tenantd.ReportCreate) {
			c.Period = &tenantd.Period{Start: repDay("2000-01-01"), End: repDay("2026-03-01")}
		},
	} {
		c := repCreate()
		change(c)
		if _, _, err := c.Prepare(now); tenantd.ErrorKind(err) != tenantd.EINVALID {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

func TestReportUpdateApply(t *testing.T) {
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	c := repCreate()
	c.ScheduleType = tenantd.ScheduleMonthly
	r, due, err := c.Prepare(now)
	if err != nil {
		t.Fatal(err)
	}
	if changed, next, err := (&tenantd.ReportUpdate{Level: repPtr(tenantd.LevelItself)}).Apply(r, now, due); err != nil || changed || !next.Equal(due) {
		t.Errorf("no change: changed %v next %v err %v", changed, next, err)
	}
	changed, next, err := (&tenantd.ReportUpdate{Enabled: repPtr(false), Kind: repPtr(tenantd.ReportUsageCurrent)}).Apply(r, now, due)
	if err != nil || !changed || !next.IsZero() || r.Enabled || r.Params.Kind != tenantd.ReportUsageCurrent {
		t.Errorf("disable: changed %v next %v err %v report %+v", changed, next, err, r)
	}
	later := time.Date(2026, 6, 3, 0, 0, 0, 0, time.UTC)
	changed, next, err = (&tenantd.ReportUpdate{Enabled: repPtr(true)}).Apply(r, later, time.Time{})
	if err != nil || !changed || !next.Equal(repDay("2026-07-01")) || !r.GenerationDate.Equal(next) || !r.Params.Period.Start.Equal(repDay("2026-06-01")) {
		t.Errorf("enable again: changed %v next %v err %v generation %v period %v", changed, next, err, r.GenerationDate, r.Params.Period)
	}
	if changed, _, err := (&tenantd.ReportUpdate{Kind: repPtr(tenantd.ReportUsageBreakdown)}).Apply(r, now, due); err != nil || !changed || r.Params.Kind != tenantd.ReportUsageBreakdown {
		t.Errorf("to usage_breakdown: changed %v, %v", changed, err)
	}
	if _, _, err := (&tenantd.ReportUpdate{Kind: repPtr("usage_yearly")}).Apply(r, now, due); tenantd.ErrorKind(err) != tenantd.EINVALID {
		t.Errorf("unknown kind: %v", err)
	}
	if _, _, err := (&tenantd.ReportUpdate{Level: repPtr("galaxy")}).Apply(r, now, due); tenantd.ErrorKind(err) != tenantd.EINVALID {
		t.Errorf("unknown level: %v", err)
	}
	once, _, _ := repCreate().Prepare(now)
	if _, _, err := (&tenantd.ReportUpdate{}).Apply(once, now, now); tenantd.ErrorKind(err) != tenantd.EINVALID {
		t.Errorf("update of a once report: %v, want invalid", err)
	}
}

func TestLevelIncludes(t *testing.T) {
	root := "/r/"
	tenants := map[string]*tenantd.ReportTenant{
		"self":     {Path: "/r/", Kind: tenantd.KindPartner},
		"partner":  {Path: "/r/p/", Kind: tenantd.KindPartner},
		"folder":   {Path: "/r/f/", Kind: tenantd.KindFolder},
		"customer": {Path: "/r/c/", Kind: tenantd.KindCustomer},
		"deep":     {Path: "/r/p/c/", Kind: tenantd.KindCustomer},
		"unit":     {Path: "/r/p/c/u/", Kind: tenantd.KindUnit},
		"outside":  {Path: "/x/", Kind: tenantd.KindCustomer},
	}
	for _, tt := range []struct{ level, want string }{
		{tenantd.LevelItself, "self"},
		{tenantd.LevelDirectPartners, "customer folder partner self"},
		{tenantd.LevelAllPartners, "customer deep folder partner self"},
		{tenantd.LevelAllCustomers, "customer deep self"},
		{tenantd.LevelAccounts, "customer deep folder partner self unit"},
	} {
		var got []string
		for _, name := range []string{"customer", "deep", "folder", "outside", "partner", "self", "unit"} {
			if tenantd.LevelIncludes(tt.level, root, tenants[name]) {
				got = append(got, name)
			}
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("level %s lists %v, want %s", tt.level, got, tt.want)
		}
	}
}

// reportFixture is a partner switched to production on 20 March with two
// customers, one created in April, and usage in March and April.
func reportFixture(t *testing.T, kind string, hideZero bool, period tenantd.Period) *tenantd.ReportInput {
	c := loadCatalog(t)
	backup := "6e6d758d-8e74-3ae3-ac84-50eb0dff12eb"
	def := func(name string) tenantd.OfferingItemDef {
		d, ok := c.Item(backup, name)
		if !ok {
			panic(name)
		}
		return d
	}
	switched := time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC)
	p := &tenantd.ReportTenant{ID: "p", ParentID: "r", Name: "Partner, \"P\"", Kind: tenantd.KindPartner, Path: "/r/p/",
		PricingMode: tenantd.PricingProduction, ProductionStartDate: &switched, CreatedAt: repDay("2026-01-01")}
	c1 := &tenantd.ReportTenant{ID: "c1", ParentID: "p", Name: "c1", Kind: tenantd.KindCustomer, Path: "/r/p/c1/",
		PricingMode: tenantd.PricingTrial, ProductionStartDate: repPtr(repDay("2026-05-10")), CreatedAt: repDay("2026-01-01")}
	c2 := &tenantd.ReportTenant{ID: "c2", ParentID: "p", Name: "c2", Kind: tenantd.KindCustomer, Path: "/r/p/c2/",
		PricingMode: tenantd.PricingTrial, CreatedAt: repDay("2026-04-10")}
	march, april := repDay("2026-03-01"), repDay("2026-04-01")
	r := &tenantd.Report{ID: "rep", Params: tenantd.ReportParams{TenantID: "p", Level: tenantd.LevelAllCustomers, Kind: kind,
		HideZeroUsage: hideZero, Period: period}}
	return &tenantd.ReportInput{
		Report: r, Period: period, RootPath: "/r/p/",
		Tenants: []*tenantd.ReportTenant{p, c1, c2},
		Items: map[string][]tenantd.ReportItem{
			"p":  {{Def: def("workstations"), On: true}, {Def: def("local_storage"), On: true}},
			"c1": {{Def: def("workstations"), On: true}, {Def: def("servers"), On: false}, {Def: def("vms"), On: false}},
			"c2": {{Def: def("workstations"), On: true}},
		},
		Usage: map[tenantd.UsageKey]int64{
			{TenantID: "p", ApplicationID: backup, Item: "workstations", Month: march}:  7,
			{TenantID: "c1", ApplicationID: backup, Item: "workstations", Month: march}: 3,
			{TenantID: "c1", ApplicationID: backup, Item: "workstations", Month: april}: 5,
			{TenantID: "c1", ApplicationID: backup, Item: "servers", Month: april}:      2,
			{TenantID: "c2", ApplicationID: backup, Item: "workstations", Month: april}: 1,
		},
		AppNames: map[string]string{backup: "Backup"},
	}
}

func repRows(rows []tenantd.ReportRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join([]string{r.Tenant.ID, r.PricingMode, r.Period.Start.Format(tenantd.DateLayout),
			r.Period.End.Format(tenantd.DateLayout), r.Item, repItoa(r.Value)}, " "))
	}
	return out
}

func repItoa(v int64) string { b, _ := json.Marshal(v); return string(b) }

func TestBuildReportRowsSummary(t *testing.T) {
	in := reportFixture(t, tenantd.ReportUsageSummary, false, tenantd.Period{Start: repDay("2026-03-10"), End: repDay("2026-04-30")})
	got := repRows(tenantd.BuildReportRows(in))
	want := []string{
		"p production 2026-03-10 2026-03-31 workstations 7", // switched on 20 March: all of March in production
		"p production 2026-04-01 2026-04-30 workstations 0",
		"c1 trial 2026-03-10 2026-03-31 workstations 3",
		"c1 trial 2026-04-01 2026-04-30 workstations 5",
		"c1 trial 2026-04-01 2026-04-30 servers 2",      // off now, but used in April
		"c2 trial 2026-04-01 2026-04-30 workstations 1", // created in April: no March line
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("summary rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	in = reportFixture(t, tenantd.ReportUsageSummary, true, tenantd.Period{Start: repDay("2026-03-01"), End: repDay("2026-04-30")})
	for _, row := range repRows(tenantd.BuildReportRows(in)) {
		if strings.HasSuffix(row, " 0") {
			t.Errorf("hide_zero_usage left a zero line: %s", row)
		}
	}

	in = reportFixture(t, tenantd.ReportUsageSummary, false, tenantd.Period{Start: repDay("2026-02-01"), End: repDay("2026-02-28")})
	in.Report.Params.Level = tenantd.LevelItself
	got = repRows(tenantd.BuildReportRows(in))
	if len(got) != 1 || got[0] != "p trial 2026-02-01 2026-02-28 workstations 0" {
		t.Errorf("February, before the switch: %v, want the partner in trial", got)
	}
}

func TestBuildReportRowsCurrent(t *testing.T) {
	in := reportFixture(t, tenantd.ReportUsageCurrent, true, tenantd.Period{Start: repDay("2026-03-01"), End: repDay("2026-04-12")})
	got := repRows(tenantd.BuildReportRows(in))
	want := []string{
		"c1 trial 2026-04-01 2026-04-12 workstations 5",
		"c1 trial 2026-04-01 2026-04-12 servers 2",
		"c2 trial 2026-04-01 2026-04-12 workstations 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("current rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func repGunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRenderReport(t *testing.T) {
	in := reportFixture(t, tenantd.ReportUsageSummary, true, tenantd.Period{Start: repDay("2026-03-01"), End: repDay("2026-03-31")})
	rows := tenantd.BuildReportRows(in)
	generated := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)

	b, err := tenantd.RenderReport(tenantd.FormatCSV20, in.Report, in.Period, generated, rows)
	if err != nil {
		t.Fatal(err)
	}
	z, err := tenantd.Compress(b)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(repGunzip(t, z))).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	if len(recs) != 3 || recs[0][0] != "tenant_id" || recs[0][len(recs[0])-1] != "usage" {
		t.Fatalf("CSV = %v, want a header and two lines", recs)
	}
	if recs[1][1] != `Partner, "P"` || recs[1][4] != "production" || recs[1][13] != "7" || recs[1][8] != "Backup" {
		t.Errorf("first CSV line = %v", recs[1])
	}

	b, err = tenantd.RenderReport(tenantd.FormatJSON1, in.Report, in.Period, generated, rows)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ReportID    string            `json:"report_id"`
		Kind        string            `json:"kind"`
		Period      map[string]string `json:"period"`
		GeneratedAt string            `json:"generated_at"`
		Items       []map[string]any  `json:"items"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("the JSON does not parse: %v", err)
	}
	if doc.ReportID != "rep" || doc.Kind != tenantd.ReportUsageSummary || doc.Period["start"] != "2026-03-01" ||
		doc.GeneratedAt != "2026-04-01T00:00:00.000000+00:00" || len(doc.Items) != 2 {
		t.Fatalf("JSON = %+v", doc)
	}
	if doc.Items[0]["usage"] != float64(7) || doc.Items[0]["pricing_mode"] != "production" || doc.Items[1]["tenant_id"] != "c1" {
		t.Errorf("JSON items = %v", doc.Items)
	}
	empty, err := tenantd.RenderReport(tenantd.FormatJSON1, in.Report, in.Period, generated, nil)
	if err != nil || !strings.Contains(string(empty), `"items":[]`) {
		t.Errorf("an empty JSON report = %s, %v; want items: []", empty, err)
	}
}

func repPtr[T any](v T) *T { return &v }
