package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
)

// repRecords reads a CSV report's header and lines.
func repRecords(t *testing.T, b []byte) ([]string, [][]string) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("not a CSV report: %v\n%s", err, b)
	}
	return recs[0], recs[1:]
}

func TestReportKinds(t *testing.T) {
	today := time.Now().UTC().Format(tenantd.DateLayout)
	month := tenantd.MonthStart(time.Now()).Format(tenantd.DateLayout)
	daily := repCreate("d", "partnerA", repBody(`"tenant_id":"{partnerA}","level":"all_customers","kind":"usage_daily","formats":["csv","html"],
		"period":{"start":"`+month+`","end":"`+today+`"}`, "once"))
	breakdown := repCreate("b", "partnerA", repBody(`"tenant_id":"{partnerA}","level":"itself","kind":"usage_breakdown","formats":["csv_v2_0","json_v2_0","html"],
		"hide_zero_usage":true`, "once"))
	get := func(name, as, path string, status int) repCall {
		return repCall{name: name, method: "GET", path: path, as: as, status: status}
	}
	run(t, []scenario{
		{name: "a daily report, in CSV and HTML", setup: repSteps(repWithUsage, daily, repRun("d")), method: "GET", path: "/api/2/reports/{d}/stored",
			as: "padminA", status: 200, want: []string{`"report_format":"csv"`, `"report_format":"html"`, `"status":"saved"`},
			check: repChecks(func(t *testing.T, e *env, _ map[string]any) {
				header, recs := repRecords(t, repFile(t, e, "/api/2/reports/{d}/stored/{d.s0}"))
				if header[5] != "period_start" || header[14] != "infra_id" {
					t.Errorf("daily header = %v", header)
				}
				var got []string
				for _, r := range recs {
					if r[5] == today {
						got = append(got, r[1]+" "+r[10]+" "+r[13])
					}
					if r[5] != r[6] {
						t.Errorf("a daily line of %s to %s", r[5], r[6])
					}
				}
				if strings.Join(got, "|") != "partnerA pw_base_workstations 2|customerA pw_base_workstations 3|customerA pw_base_servers 1" {
					t.Errorf("today's lines = %q", got)
				}
				// The HTML report: one document, the tenant's name escaped,
				// named .html.
				status, h, _ := e.doResp("GET", "/api/2/reports/{d}/stored/{d.s1}", "root", "", nil)
				if status != 200 || !strings.HasSuffix(h.Get("Content-Disposition"), `.html"`) {
					t.Errorf("HTML download: %d, %s", status, h.Get("Content-Disposition"))
				}
				doc := string(repFile(t, e, "/api/2/reports/{d}/stored/{d.s1}"))
				if !strings.HasPrefix(doc, "<!DOCTYPE html>") || !strings.Contains(doc, "<td>customerA</td>") || !strings.HasSuffix(doc, "</html>\n") {
					t.Errorf("HTML report = %.400s", doc)
				}
			}, repCalls(
				get("by another partner", "partnerB", "/api/2/reports/{d}/stored/{d.s1}", 404),
				get("from below the report's tenant", "cadmin", "/api/2/reports/{d}/stored/{d.s1}", 404),
			))},
		{name: "a breakdown", setup: repSteps(repWithUsage, breakdown, repRun("b")), method: "GET", path: "/api/2/reports/{b}", as: "padminA", status: 200,
			want: []string{`"kind":"usage_breakdown"`, `"formats":["csv_v2_0","json_v1","html"]`},
			check: func(t *testing.T, e *env, _ map[string]any) {
				header, recs := repRecords(t, repFile(t, e, "/api/2/reports/{b}/stored/{b.s0}"))
				if strings.Join(header[14:], " ") != "infra_id source_tenant_id source_tenant_name" {
					t.Errorf("breakdown header = %v", header)
				}
				var got []string
				for _, r := range recs {
					got = append(got, r[1]+" "+r[10]+" "+r[16]+" "+r[13])
				}
				want := "partnerA pw_base_workstations partnerA 2|partnerA pw_base_workstations customerA 3|partnerA pw_base_servers customerA 1"
				if strings.Join(got, "|") != want {
					t.Errorf("breakdown = %q, want %q", got, want)
				}
				json := string(repFile(t, e, "/api/2/reports/{b}/stored/{b.s1}"))
				if !strings.Contains(json, `"source_tenant_id":"`+e.ids["customerA"]+`","source_tenant_name":"customerA"`) {
					t.Errorf("JSON breakdown = %s", json)
				}
			}},
		{name: "a monthly report changed to usage_daily", setup: repCreate("m", "partnerA", repMonthly), method: "PUT", path: "/api/2/reports/{m}",
			as: "padminA", body: `{"parameters":{"kind":"usage_daily"}}`, status: 200, want: []string{`"kind":"usage_daily"`, `"version":2`}},
		{name: "a daily report before the usage history began", setup: repSteps(repWithUsage,
			repCreate("old", "root", repBody(`"tenant_id":"{customerA}","level":"itself","kind":"usage_daily","period":{"start":"2020-02-01","end":"2020-02-29"}`, "once")),
			repRun("old")), method: "GET", path: "/api/2/reports/{old}/stored/{old.s0}", as: "root", status: 200,
			check: func(t *testing.T, e *env, _ map[string]any) {
				if _, recs := repRecords(t, repFile(t, e, "/api/2/reports/{old}/stored/{old.s0}")); len(recs) != 0 {
					t.Errorf("lines before the history began: %v", recs)
				}
			}},
		{name: "a daily report of a leap year and a day", method: "POST", path: "/api/2/reports", as: "root",
			body:   repBody(`"tenant_id":"{partnerA}","level":"itself","kind":"usage_daily","period":{"start":"2024-01-01","end":"2025-01-01"}`, "once"),
			status: 400, want: []string{"at most 366 days", `"code":"`}, check: repNoReports},
	})
}
