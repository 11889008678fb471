package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
)

// Report bodies: a one-off report on partnerA's customers' current usage,
// and a monthly summary of customerA.
const (
	repOnce = `{"result_action":"save","parameters":{"tenant_id":"{partnerA}","level":"all_customers","kind":"usage_current",
		"formats":["csv_v2_0","json_v2_0"],"hide_zero_usage":true},"schedule":{"type":"once"}}`
	repMonthly = `{"recipients":[],"result_action":"save","parameters":{"tenant_id":"{customerA}","level":"itself","kind":"usage_summary",
		"formats":["csv"],"hide_zero_usage":false,"show_skus":false},"schedule":{"type":"monthly","enabled":true}}`
)

// repBody returns a POST /reports body with the given parameters (a JSON
// object's members, without braces) and schedule type.
func repBody(params, schedule string) string {
	return `{"result_action":"save","parameters":{` + params + `},"schedule":{"type":"` + schedule + `"}}`
}

// repWithUsage gives partnerA and customerA Cyber Protection and records
// this month's usage: 3 workstations and 1 server of customerA, 2
// workstations of partnerA.
func repWithUsage(e *env) {
	e.t.Helper()
	withBackup(e)
	for _, u := range []struct {
		tenant, item string
		value        int64
	}{{"customerA", "pw_base_workstations", 3}, {"customerA", "pw_base_servers", 1}, {"partnerA", "pw_base_workstations", 2}} {
		v := u.value
		errs, err := e.db.ReportUsage(systemContext(e), []tenantd.UsageReport{{TenantID: e.ids[u.tenant], OfferingItem: u.item, Value: &v}},
			func(n *tenantd.QuotaNotice) (*tenantd.Email, error) { return tenantd.QuotaEmail(n), nil })
		if err != nil || errs[0] != nil {
			e.t.Fatalf("report usage of %s: %v %v", u.tenant, err, errs)
		}
	}
}

// repCreate creates a report as the principal and records its id and
// version as {name} and {name.v}.
func repCreate(name, as, body string) func(e *env) {
	return func(e *env) {
		e.t.Helper()
		got := e.json("POST", "/api/2/reports", as, body, 200)
		e.ids[name] = got["id"].(string)
		e.ids[name+".v"] = itoa(got["version"])
	}
}

// repRun makes the due report runs and records the ids of the stored
// reports of the named report as {name.s0}, {name.s1}, ...
func repRun(name string) func(e *env) {
	return func(e *env) {
		e.t.Helper()
		if _, err := e.db.RunDueReports(context.Background()); err != nil {
			e.t.Fatalf("RunDueReports: %v", err)
		}
		repStoredIDs(name)(e)
	}
}

func repStoredIDs(name string) func(e *env) {
	return func(e *env) {
		e.t.Helper()
		got := e.json("GET", "/api/2/reports/{"+name+"}/stored", "root", "", 200)
		for i, it := range got["items"].([]any) {
			e.ids[name+".s"+itoa(i)] = it.(map[string]any)["id"].(string)
		}
	}
}

func repSteps(fns ...func(e *env)) func(e *env) {
	return func(e *env) {
		for _, f := range fns {
			f(e)
		}
	}
}

// repFile downloads a stored report and returns it uncompressed.
//
// It downloads the file four ways — as clients that undo gzip by
// themselves do (Go's net/http, Python's requests, curl --compressed), as
// one that asks for gzip and keeps the bytes, as one that asks for none
// (Accept-Encoding: identity), and as one that sends no Accept-Encoding
// (plain curl, Go's net/http with compression turned off) — and each must
// see the same file.
func repFile(t *testing.T, e *env, path string) []byte {
	t.Helper()
	// Go's transport asks for gzip and undoes it.
	status, h, plain := e.doResp("GET", path, "root", "", nil)
	if status != 200 || h.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("download %s: %d %s: %s", path, status, h.Get("Content-Type"), plain)
	}
	disposition := h.Get("Content-Disposition")
	if !strings.HasPrefix(disposition, `attachment; filename="report_`) || strings.HasSuffix(disposition, `.gz"`) {
		t.Errorf("Content-Disposition %q does not name the report file", disposition)
	}
	// Asked for gzip explicitly, the bytes come as kept, said to be gzip.
	status, h, z := e.doResp("GET", path, "root", "", map[string]string{"Accept-Encoding": "gzip, deflate"})
	if status != 200 || h.Get("Content-Encoding") != "gzip" {
		t.Fatalf("download %s with gzip: %d, Content-Encoding %q", path, status, h.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatalf("a gzip-encoded download is not gzip: %v", err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	// Asked for no encoding, the file itself.
	status, h, identity := e.doResp("GET", path, "root", "", map[string]string{"Accept-Encoding": "identity"})
	if status != 200 || h.Get("Content-Encoding") != "" || h.Get("Content-Length") != strconv.Itoa(len(identity)) {
		t.Fatalf("download %s without gzip: %d, Content-Encoding %q, Content-Length %s of %d bytes",
			path, status, h.Get("Content-Encoding"), h.Get("Content-Length"), len(identity))
	}
	// A Go client with compression turned off sends no Accept-Encoding
	// at all, and gets the file itself.
	req, err := http.NewRequest("GET", e.srv.URL+e.expand(path), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", e.auth["root"])
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || resp.Uncompressed {
		t.Fatalf("download %s without compression: %d, Content-Encoding %q", path, resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	if !bytes.Equal(plain, unzipped) || !bytes.Equal(plain, identity) || !bytes.Equal(plain, raw) {
		t.Errorf("the four downloads differ:\n%q\n%q\n%q\n%q", plain, unzipped, identity, raw)
	}
	return plain
}

// repLines reads a CSV report as "tenant_name pricing_mode item usage"
// lines.
func repLines(t *testing.T, b []byte) []string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) == 0 || recs[0][0] != "tenant_id" {
		t.Fatalf("not a CSV report: %v\n%s", err, b)
	}
	var out []string
	for _, r := range recs[1:] {
		out = append(out, strings.Join([]string{r[1], r[4], r[10], r[13]}, " "))
	}
	return out
}

// repCall is a request of a group of refused (or read-only) requests that
// share one env, and the status it must answer.
type repCall struct {
	name, method, path, as, body string
	status                       int
	want                         string // a substring of the body
}

// repCalls sends each call and checks its status, its error body and,
// for a documented operation, the contract.
func repCalls(calls ...repCall) func(t *testing.T, e *env, _ map[string]any) {
	return func(t *testing.T, e *env, _ map[string]any) {
		t.Helper()
		for _, c := range calls {
			status, ct, b := e.doFull(c.method, c.path, c.as, c.body, nil)
			if status != c.status {
				t.Errorf("%s: %s %s as %q: status %d, want %d: %s", c.name, c.method, e.expand(c.path), c.as, status, c.status, b)
				continue
			}
			if !strings.Contains(string(b), e.expand(c.want)) {
				t.Errorf("%s: body lacks %q: %s", c.name, c.want, b)
			}
			if status >= 400 {
				var obj map[string]any
				if err := json.Unmarshal(b, &obj); err != nil {
					t.Errorf("%s: error body is not JSON: %s", c.name, b)
					continue
				}
				checkErrorBody(t, obj)
			}
			checkContract(t, c.method, e.expand(c.path), status, ct, b)
		}
	}
}

// repChecks runs checks one after the other.
func repChecks(checks ...func(t *testing.T, e *env, body map[string]any)) func(t *testing.T, e *env, body map[string]any) {
	return func(t *testing.T, e *env, body map[string]any) {
		for _, c := range checks {
			c(t, e, body)
		}
	}
}

// repNoReports checks that no tenant the env's principals may report on
// has a report: refused requests created none.
func repNoReports(t *testing.T, e *env, _ map[string]any) {
	t.Helper()
	for _, tenant := range []string{"root", "partnerA", "customerA", "unitA", "partnerB", "customerB", "customerS"} {
		if got := e.json("GET", "/api/2/tenants/{"+tenant+"}/reports", "root", "", 200); itoa(got["items"]) != "[]" {
			t.Errorf("refused requests created reports on %s: %v", tenant, got)
		}
	}
}

func TestReportCreate(t *testing.T) {
	bad := func(name, body, want string) repCall {
		return repCall{name: name, method: "POST", path: "/api/2/reports?field_validation=strict", as: "root", body: body, status: 400, want: want}
	}
	period := func(start, end string) string {
		return repBody(`"tenant_id":"{partnerA}","level":"itself","kind":"usage_summary","period":{"start":"`+start+`","end":"`+end+`"}`, "once")
	}
	run(t, []scenario{
		{name: "a one-off report", method: "POST", path: "/api/2/reports", as: "partnerA", body: repOnce, status: 200,
			want: []string{`"version":1`, `"recipients":[]`, `"result_action":"save"`, `"tenant_id":"{partnerA}"`, `"level":"all_customers"`,
				`"formats":["csv_v2_0","json_v1"]`, `"kind":"usage_current"`, `"hide_zero_usage":true`, `"show_skus":false`,
				`"schedule":{"enabled":true,"type":"once"}`, `"generation_date":"` + time.Now().UTC().Format("2006-01-02") + `"`},
			check: func(t *testing.T, e *env, got map[string]any) {
				id := got["id"].(string)
				stored := e.json("GET", "/api/2/reports/"+id+"/stored", "partnerA", "", 200)["items"].([]any)
				if len(stored) != 2 || stored[0].(map[string]any)["status"] != "in_progress" || stored[0].(map[string]any)["report_format"] != "csv_v2_0" {
					t.Errorf("stored reports right after creation = %v, want two in progress", stored)
				}
				list := e.json("GET", "/api/2/tenants/{partnerA}/reports", "padminA", "", 200)
				if itoa(list["items"]) != `["`+id+`"]` {
					t.Errorf("partnerA's reports = %v", list)
				}
			}},
		{name: "the vendor's example: current usage, no period, no recipients", method: "POST", path: "/api/2/reports", as: "root",
			body:   `{"parameters":{"kind":"usage_current","tenant_id":"{root}","level":"accounts","formats":["csv_v2_0"]},"schedule":{"type":"once"},"result_action":"save"}`,
			status: 200, want: []string{`"recipients":[]`, `"period":{"start":"` + time.Now().UTC().Format("2006-01") + `-01"`}},
		{name: "the vendor's SKU example: the period beside the parameters, booleans as strings", method: "POST", path: "/api/2/reports", as: "root",
			body: `{"parameters":{"kind":"usage_summary","tenant_id":"{root}","level":"direct_partners","formats":["csv_v2_0"],"show_skus":"true","hide_zero_usage":"false"},
				"period":{"start":"2021-10-01","end":"2021-10-31"},"schedule":{"type":"once"},"result_action":"save"}`,
			status: 200, want: []string{`"period":{"start":"2021-10-01","end":"2021-10-31"}`, `"show_skus":true`, `"hide_zero_usage":false`}},
		{name: "a monthly report", method: "POST", path: "/api/2/reports", as: "cadmin", body: repMonthly, status: 200,
			want: []string{`"schedule":{"enabled":true,"type":"monthly"}`, `"generation_date":"` + tenantd.NextMonthStart(time.Now()).Format("2006-01-02") + `"`}},
		{name: "sent to a user", method: "POST", path: "/api/2/reports", as: "partnerA",
			body: `{"recipients":["{user:padminA}"],"result_action":"send","parameters":{"tenant_id":"{customerA}","level":"itself","kind":"usage_summary",
				"period":{"start":"2026-01-01","end":"2026-02-28"}},"schedule":{"type":"once"}}`,
			status: 200, want: []string{`"recipients":["{user:padminA}"]`, `"result_action":"send"`, `"formats":["csv"]`}},
		{name: "a unit's administrator on its unit", method: "POST", path: "/api/2/reports", as: "uadmin",
			body: repBody(`"tenant_id":"{unitA}","level":"itself","kind":"usage_current"`, "once"), status: 200},

		{name: "malformed JSON", method: "POST", path: "/api/2/reports", as: "root", body: `{"parameters":`, status: 400,
			check: repChecks(repCalls(
				bad("an unknown field", repBody(`"tenant_id":"{partnerA}","level":"itself","kind":"usage_current","color":"red"`, "once"), "color"),
				bad("parameters of the wrong type", `{"result_action":"save","parameters":"all","schedule":{"type":"once"}}`, "parameters"),
				bad("formats of the wrong type", repBody(`"tenant_id":"{partnerA}","level":"itself","kind":"usage_current","formats":"csv"`, "once"), "formats"),
				bad("without parameters", `{"result_action":"save","schedule":{"type":"once"}}`, "parameters"),
				bad("without schedule", `{"result_action":"save","parameters":{"tenant_id":"{partnerA}","level":"itself","kind":"usage_current"}}`, "schedule"),
				bad("without result_action", `{"parameters":{"tenant_id":"{partnerA}","level":"itself","kind":"usage_current"},"schedule":{"type":"once"}}`, "result_action"),
				bad("without a tenant", repBody(`"level":"itself","kind":"usage_current"`, "once"), "tenant_id"),
				bad("a malformed tenant id", repBody(`"tenant_id":"partnerA","level":"itself","kind":"usage_current"`, "once"), "tenant_id"),
				bad("an unknown result_action", `{"result_action":"print","parameters":{"tenant_id":"{partnerA}","level":"itself","kind":"usage_current"},"schedule":{"type":"once"}}`, "print"),
				bad("an unknown kind", repBody(`"tenant_id":"{partnerA}","level":"itself","kind":"usage_yearly"`, "once"), "usage_yearly"),
				bad("a daily report of more than a year", repBody(`"tenant_id":"{partnerA}","level":"itself","kind":"usage_daily",
					"period":{"start":"2024-12-31","end":"2026-01-01"}`, "once"), "at most 366 days"),
				bad("an unknown level", repBody(`"tenant_id":"{partnerA}","level":"galaxy","kind":"usage_current"`, "once"), "galaxy"),
				bad("an unknown format", repBody(`"tenant_id":"{partnerA}","level":"itself","kind":"usage_current","formats":["pdf"]`, "once"), "pdf"),
				bad("a format in capitals", repBody(`"tenant_id":"{partnerA}","level":"itself","kind":"usage_current","formats":["csv","HTML"]`, "once"), "HTML"),
				bad("no formats", repBody(`"tenant_id":"{partnerA}","level":"itself","kind":"usage_current","formats":[]`, "once"), "formats"),
				bad("an unknown schedule", repBody(`"tenant_id":"{partnerA}","level":"itself","kind":"usage_current"`, "weekly"), "weekly"),
				bad("a disabled one-off report", `{"result_action":"save","parameters":{"tenant_id":"{partnerA}","level":"itself","kind":"usage_current"},
					"schedule":{"type":"once","enabled":false}}`, "cannot be disabled"),
				bad("a bad date", period("2026-02-01", "2026-02-30"), "parameters.period.end"),
				bad("a date with a time", period("2026-02-01T00:00:00", "2026-02-03"), "parameters.period.start"),
				bad("a period without its end", repBody(`"tenant_id":"{partnerA}","level":"itself","kind":"usage_summary","period":{"start":"2026-02-01"}`, "once"), "period.end"),
				bad("a period that ends before it starts", period("2026-02-10", "2026-02-01"), "before it starts"),
				bad("a period of ten years", period("2016-01-01", "2025-12-31"), "calendar months"),
				bad("a period in both places", `{"result_action":"save","parameters":{"tenant_id":"{partnerA}","level":"itself","kind":"usage_summary",
					"period":{"start":"2026-01-01","end":"2026-01-31"}},"period":{"start":"2026-01-01","end":"2026-01-31"},"schedule":{"type":"once"}}`, "period"),
				bad("a bad generation date", `{"result_action":"save","parameters":{"tenant_id":"{partnerA}","level":"itself","kind":"usage_current"},
					"schedule":{"type":"once"},"generation_date":"tomorrow"}`, "generation_date"),
				bad("sent to nobody", `{"result_action":"send","parameters":{"tenant_id":"{customerA}","level":"itself","kind":"usage_summary"},"schedule":{"type":"once"}}`, "recipient"),
				bad("a malformed recipient", `{"recipients":["Bob"],"result_action":"send","parameters":{"tenant_id":"{customerA}","level":"itself","kind":"usage_summary"},
					"schedule":{"type":"once"}}`, "Bob"),
			), repNoReports)},
		{name: "not JSON", method: "POST", path: "/api/2/reports", as: "root", body: repOnce, header: map[string]string{"Content-Type": "text/plain"}, status: 415},
		{name: "an unknown tenant", method: "POST", path: "/api/2/reports", as: "root",
			body: repBody(`"tenant_id":"{unknown}","level":"itself","kind":"usage_current"`, "once"), status: 404},
		{name: "another partner's tenant", method: "POST", path: "/api/2/reports", as: "partnerA",
			body: repBody(`"tenant_id":"{customerB}","level":"itself","kind":"usage_current"`, "once"), status: 403,
			check: repChecks(repCalls(
				repCall{name: "the parent", method: "POST", path: "/api/2/reports", as: "customerA",
					body: repBody(`"tenant_id":"{partnerA}","level":"itself","kind":"usage_current"`, "once"), status: 403},
				repCall{name: "a read-only administrator", method: "POST", path: "/api/2/reports", as: "readonly",
					body: repBody(`"tenant_id":"{customerA}","level":"itself","kind":"usage_current"`, "once"), status: 403},
				repCall{name: "a backup user", method: "POST", path: "/api/2/reports", as: "backup",
					body: repBody(`"tenant_id":"{customerA}","level":"itself","kind":"usage_current"`, "once"), status: 403},
				repCall{name: "sent to another partner's user", method: "POST", path: "/api/2/reports", as: "partnerA",
					body: `{"recipients":["{user:padminB}"],"result_action":"send","parameters":{"tenant_id":"{customerA}","level":"itself","kind":"usage_summary"},
						"schedule":{"type":"once"}}`, status: 403},
				repCall{name: "sent to an unknown user", method: "POST", path: "/api/2/reports", as: "partnerA",
					body: `{"recipients":["{unknown}"],"result_action":"send","parameters":{"tenant_id":"{customerA}","level":"itself","kind":"usage_summary"},
						"schedule":{"type":"once"}}`, status: 404},
				repCall{name: "a locked-out client", method: "POST", path: "/api/2/reports", as: "suspended",
					body: repBody(`"tenant_id":"{customerS}","level":"itself","kind":"usage_current"`, "once"), status: 401},
			), repNoReports)},
		{name: "without credentials", method: "POST", path: "/api/2/reports", body: repOnce, status: 401},
	})
}

func TestReportReadUpdateDelete(t *testing.T) {
	monthly := repCreate("m", "partnerA", repMonthly)
	once := repCreate("o", "partnerA", repOnce)
	get := func(name, as, path string, status int) repCall {
		return repCall{name: name, method: "GET", path: path, as: as, status: status}
	}
	put := func(name, as, path, body string, status int, want string) repCall {
		return repCall{name: name, method: "PUT", path: path, as: as, body: body, status: status, want: want}
	}
	run(t, []scenario{
		{name: "read", setup: repSteps(monthly, once), method: "GET", path: "/api/2/reports/{m}", as: "root", status: 200,
			want: []string{`"id":"{m}"`, `"tenant_id":"{customerA}"`, `"type":"monthly"`, `"formats":["csv"]`},
			check: repCalls(
				get("by the report's tenant", "cadmin", "/api/2/reports/{m}", 200),
				get("by a read-only administrator", "readonly", "/api/2/reports/{m}", 200),
				get("by a backup user", "backup", "/api/2/reports/{m}", 403),
				get("by another partner", "partnerB", "/api/2/reports/{m}", 404),
				get("from below the report's tenant", "customerA", "/api/2/reports/{o}", 404),
				get("an unknown report", "root", "/api/2/reports/{unknown}", 404),
				get("a malformed id", "root", "/api/2/reports/report-1", 400),
			)},

		{name: "change", setup: monthly, method: "PUT", path: "/api/2/reports/{m}", as: "padminA",
			body:   `{"parameters":{"level":"accounts","hide_zero_usage":"true"},"recipients":["{user:cadmin}"]}`,
			status: 200, want: []string{`"version":2`, `"level":"accounts"`, `"hide_zero_usage":true`, `"recipients":["{user:cadmin}"]`, `"kind":"usage_summary"`}},
		{name: "change what a GET returned", setup: monthly, method: "GET", path: "/api/2/reports/{m}", as: "cadmin", status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				got["parameters"].(map[string]any)["kind"] = "usage_current"
				got["schedule"].(map[string]any)["enabled"] = false
				body, _ := marshal(got)
				out := e.json("PUT", "/api/2/reports/{m}", "cadmin", body, 200)
				if out["version"] != float64(2) || out["parameters"].(map[string]any)["kind"] != "usage_current" || out["schedule"].(map[string]any)["enabled"] != false {
					t.Errorf("after GET-modify-PUT: %v", out)
				}
				if status, b := e.do("PUT", "/api/2/reports/{m}", "cadmin", body, nil); status != 409 || !strings.Contains(string(b), `"version":2`) {
					t.Errorf("the same PUT again: %d %s, want 409 with the current version", status, b)
				}
			}},
		{name: "change with a stale version", setup: repSteps(monthly, once), method: "PUT", path: "/api/2/reports/{m}", as: "root",
			body: `{"version":7,"parameters":{"level":"accounts"}}`, status: 409, want: []string{`"code":"VersionConflict"`, `"version":1`},
			check: repChecks(repCalls(
				put("a one-off report", "root", "/api/2/reports/{o}", `{"parameters":{"level":"accounts"}}`, 400, "only scheduled"),
				put("to an unknown level", "root", "/api/2/reports/{m}", `{"parameters":{"level":"galaxy"}}`, 400, "galaxy"),
				put("to an unknown kind", "root", "/api/2/reports/{m}", `{"parameters":{"kind":"usage_weekly"}}`, 400, "usage_weekly"),
				put("with an unknown field, strictly", "root", "/api/2/reports/{m}?field_validation=strict", `{"parameters":{"colour":"red"}}`, 400, "colour"),
				put("with a null level, which means none", "root", "/api/2/reports/{m}", `{"parameters":{"level":null}}`, 200, `"level":"`),
				put("with a malformed recipient", "root", "/api/2/reports/{m}", `{"recipients":["Bob"]}`, 400, "Bob"),
				put("malformed JSON", "root", "/api/2/reports/{m}", `{"schedule":`, 400, ""),
				put("by another partner", "partnerB", "/api/2/reports/{m}", `{"schedule":{"enabled":false}}`, 403, ""),
				put("by a read-only administrator", "readonly", "/api/2/reports/{m}", `{"schedule":{"enabled":false}}`, 403, ""),
				put("to another partner's user", "partnerA", "/api/2/reports/{m}", `{"recipients":["{user:padminB}"]}`, 403, ""),
				put("an unknown report", "root", "/api/2/reports/{unknown}", `{"schedule":{"enabled":false}}`, 404, ""),
				put("a malformed id", "root", "/api/2/reports/report-1", `{"schedule":{"enabled":false}}`, 400, ""),
			), func(t *testing.T, e *env, _ map[string]any) {
				if got := e.json("GET", "/api/2/reports/{m}", "root", "", 200); got["version"] != float64(1) {
					t.Errorf("refused changes changed the report: %v", got)
				}
			})},
		{name: "disable", setup: monthly, method: "PUT", path: "/api/2/reports/{m}", as: "cadmin", body: `{"schedule":{"enabled":false}}`, status: 200,
			want: []string{`"schedule":{"enabled":false,"type":"monthly"}`}},

		{name: "delete", setup: monthly, method: "DELETE", path: "/api/2/reports/{m}?version={m.v}", as: "padminA", status: 204,
			check: func(t *testing.T, e *env, _ map[string]any) {
				if status, _ := e.do("GET", "/api/2/reports/{m}", "root", "", nil); status != 404 {
					t.Errorf("a deleted report reads %d", status)
				}
				if got := e.json("GET", "/api/2/tenants/{customerA}/reports", "root", "", 200); itoa(got["items"]) != "[]" {
					t.Errorf("customerA's reports after the delete = %v", got)
				}
			}},
		{name: "delete without a version", setup: monthly, method: "DELETE", path: "/api/2/reports/{m}", as: "root", status: 400,
			check: repChecks(repCalls(
				repCall{name: "a stale version", method: "DELETE", path: "/api/2/reports/{m}?version=2", as: "root", status: 409, want: `"version":1`},
				repCall{name: "a malformed version", method: "DELETE", path: "/api/2/reports/{m}?version=one", as: "root", status: 400},
				repCall{name: "another partner's report", method: "DELETE", path: "/api/2/reports/{m}?version=1", as: "partnerB", status: 403},
				repCall{name: "by a read-only administrator", method: "DELETE", path: "/api/2/reports/{m}?version=1", as: "readonly", status: 403},
				repCall{name: "an unknown report", method: "DELETE", path: "/api/2/reports/{unknown}?version=1", as: "root", status: 404},
			), func(t *testing.T, e *env, _ map[string]any) {
				e.json("GET", "/api/2/reports/{m}", "root", "", 200)
			})},

		{name: "a tenant's reports", setup: repSteps(monthly, once), method: "GET", path: "/api/2/tenants/{customerA}/reports", as: "readonly", status: 200,
			want: []string{`{"items":["{m}"]}`},
			check: repCalls(
				repCall{name: "a tenant without reports", method: "GET", path: "/api/2/tenants/{partnerB}/reports", as: "partnerB", status: 200, want: `{"items":[]}`},
				get("another partner's tenant's reports", "partnerB", "/api/2/tenants/{partnerA}/reports", 404),
				get("by a backup user", "backup", "/api/2/tenants/{customerA}/reports", 403),
				get("an unknown tenant's reports", "root", "/api/2/tenants/{unknown}/reports", 404),
				get("a malformed tenant id", "root", "/api/2/tenants/partnerA/reports", 400),
			)},
	})
}

func TestStoredReports(t *testing.T) {
	ran := repSteps(repWithUsage, repCreate("o", "partnerA", repOnce), repCreate("m", "partnerA", repMonthly), repRun("o"))
	get := func(name, as, path string, status int, want string) repCall {
		return repCall{name: name, method: "GET", path: path, as: as, status: status, want: want}
	}
	run(t, []scenario{
		{name: "saved", setup: ran, method: "GET", path: "/api/2/reports/{o}/stored", as: "padminA", status: 200,
			want: []string{`"id":"{o.s0}"`, `"report_format":"csv_v2_0"`, `"report_format":"json_v1"`, `"status":"saved"`},
			check: repChecks(func(t *testing.T, e *env, got map[string]any) {
				for _, it := range got["items"].([]any) {
					m := it.(map[string]any)
					if m["size"].(float64) <= 0 || !strings.HasSuffix(m["created_at"].(string), "+00:00") {
						t.Errorf("stored report = %v", m)
					}
				}
			}, repCalls(
				get("a monthly report before its first run", "root", "/api/2/reports/{m}/stored", 200, `{"items":[]}`),
				get("another partner's", "partnerB", "/api/2/reports/{o}/stored", 404, ""),
				get("by a backup user", "backup", "/api/2/reports/{m}/stored", 403, ""),
				get("of an unknown report", "root", "/api/2/reports/{unknown}/stored", 404, ""),
				get("of a malformed id", "root", "/api/2/reports/first/stored", 400, ""),
			))},

		{name: "download the CSV", setup: ran, method: "GET", path: "/api/2/reports/{o}/stored/{o.s0}", as: "padminA", status: 200,
			check: repChecks(func(t *testing.T, e *env, _ map[string]any) {
				// partnerA itself, then its customers; zero lines hidden.
				want := "partnerA trial pw_base_workstations 2|customerA trial pw_base_workstations 3|customerA trial pw_base_servers 1"
				if got := strings.Join(repLines(t, repFile(t, e, "/api/2/reports/{o}/stored/{o.s0}")), "|"); got != want {
					t.Errorf("CSV report = %q, want %q", got, want)
				}
			}, repCalls(
				get("from below the report's tenant", "readonly", "/api/2/reports/{o}/stored/{o.s0}", 404, ""),
				get("by another partner", "partnerB", "/api/2/reports/{o}/stored/{o.s0}", 404, ""),
				get("an unknown one", "root", "/api/2/reports/{o}/stored/{unknown}", 404, ""),
				get("another report's", "root", "/api/2/reports/{m}/stored/{o.s0}", 404, ""),
				get("a malformed id", "root", "/api/2/reports/{o}/stored/first", 400, ""),
			))},
		{name: "download the JSON", setup: ran, method: "GET", path: "/api/2/reports/{o}/stored/{o.s1}", as: "root", status: 200,
			check: func(t *testing.T, e *env, _ map[string]any) {
				var doc struct {
					ReportID string `json:"report_id"`
					Items    []struct {
						TenantID     string `json:"tenant_id"`
						OfferingItem string `json:"offering_item"`
						Usage        int64  `json:"usage"`
					} `json:"items"`
				}
				file := repFile(t, e, "/api/2/reports/{o}/stored/{o.s1}")
				if bytes.ContainsAny(file, "\n") {
					t.Errorf("the JSON report is not one line: %q", file)
				}
				if err := json.Unmarshal(file, &doc); err != nil {
					t.Fatal(err)
				}
				if doc.ReportID != e.ids["o"] || len(doc.Items) != 3 || doc.Items[1].TenantID != e.ids["customerA"] || doc.Items[1].Usage != 3 {
					t.Errorf("JSON report = %+v", doc)
				}
			}},
		{name: "download one in progress", setup: repSteps(repCreate("o", "partnerA", repOnce), repStoredIDs("o")), method: "GET",
			path: "/api/2/reports/{o}/stored/{o.s0}", as: "root", status: 404, want: []string{"in_progress"}},

		{name: "a switch to production in the middle of the month counts for the whole month",
			setup: repSteps(repWithUsage, func(e *env) {
				p := e.json("GET", "/api/2/tenants/{customerA}/pricing", "padminA", "", 200)
				e.json("PUT", "/api/2/tenants/{customerA}/pricing", "padminA", `{"mode":"production","version":`+itoa(p["version"])+`}`, 200)
			}, repCreate("s", "root", repBody(`"tenant_id":"{partnerA}","level":"all_customers","kind":"usage_summary","hide_zero_usage":true,
				"period":{"start":"`+tenantd.MonthStart(time.Now()).Format("2006-01-02")+`","end":"`+
				tenantd.NextMonthStart(time.Now()).AddDate(0, 0, -1).Format("2006-01-02")+`"}`, "once")), repRun("s")),
			method: "GET", path: "/api/2/reports/{s}/stored", as: "root", status: 200, want: []string{`"status":"saved"`},
			check: func(t *testing.T, e *env, _ map[string]any) {
				want := "partnerA trial pw_base_workstations 2|customerA production pw_base_workstations 3|customerA production pw_base_servers 1"
				if got := strings.Join(repLines(t, repFile(t, e, "/api/2/reports/{s}/stored/{s.s0}")), "|"); got != want {
					t.Errorf("summary = %q, want %q", got, want)
				}
			}},
	})
}
