package httpapi_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
)

const usagesPath = "/api/2/tenants/usages"

// withQuota is withBackup with a workstation quota of 10 on customerA,
// cadmin a buyer, and partnerA's branding on with a Buy URL.
func withQuota(e *env) {
	withBackup(e)
	sys := systemContext(e)
	ten := int64(10)
	if _, err := e.db.SetOfferingItems(sys, e.ids["customerA"], []tenantd.OfferingItemChange{{ApplicationID: backupApp,
		Name: "pw_base_workstations", Quota: &tenantd.Quota{Value: &ten}}}); err != nil {
		e.t.Fatal(err)
	}
	u, err := e.db.FindUserByID(sys, e.ids["user:cadmin"], false, false)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.UpdateUser(sys, u.ID, &tenantd.UserUpdate{Version: u.Version, BusinessTypesSet: true,
		BusinessTypes: []string{tenantd.BusinessBuyer}}); err != nil {
		e.t.Fatal(err)
	}
	p, err := e.db.EnableBrand(sys, e.ids["partnerA"], 1)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.UpdateBrand(sys, p.ID, p.Version, map[string]string{"upsell_url": "https://buy.example.com/a"}, nil); err != nil {
		e.t.Fatal(err)
	}
}

// reportUsage records usage of customerA's items as the system.
func reportUsage(e *env, item string, v int64) {
	e.t.Helper()
	errs, err := e.db.ReportUsage(systemContext(e), []tenantd.UsageReport{{TenantID: e.ids["customerA"], OfferingItem: item, Value: &v}},
		func(n *tenantd.QuotaNotice) (*tenantd.Email, error) { return tenantd.QuotaEmail(n), nil })
	if err != nil || errs[0] != nil {
		e.t.Fatalf("report %s = %d: %v %v", item, v, err, errs)
	}
}

// withAlerts is withQuota after usage crossed both levels of the quota.
func withAlerts(e *env) {
	withQuota(e)
	reportUsage(e, "pw_base_workstations", 8)
	reportUsage(e, "pw_base_workstations", 11)
}

// usageOf reads the value of usage name of a tenant through the API.
func usageOf(t *testing.T, e *env, tenant, name string) float64 {
	t.Helper()
	got := e.json("GET", "/api/2/tenants/{"+tenant+"}/usages", "root", "", 200)
	for _, it := range got["items"].([]any) {
		if u := it.(map[string]any); u["name"] == name {
			return u["value"].(float64)
		}
	}
	t.Fatalf("%s has no usage %s: %v", tenant, name, got)
	return 0
}

// results returns the items of a PUT /tenants/usages answer.
func results(t *testing.T, body map[string]any) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, it := range body["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// errorCode returns the code of a result's error, "" when it has none.
func errorCode(r map[string]any) string {
	e, ok := r["error"].(map[string]any)
	if !ok {
		return ""
	}
	code, _ := e["error"].(map[string]any)["code"].(string)
	return code
}

func TestUsageReport(t *testing.T) {
	item := func(tenant, name, value string) string {
		return `{"tenant_id":"{` + tenant + `}","offering_item":"` + name + `","usage_value":` + value + `}`
	}
	body := func(items ...string) string { return `{"items":[` + strings.Join(items, ",") + `]}` }
	run(t, []scenario{
		{name: "report", setup: withBackup, method: "PUT", path: usagesPath, as: "root",
			body: `{"items":[{"tenant_id":"{customerA}","resource_id":"r-1","usage_type":"workstations","offering_item":"pw_base_workstations",` +
				`"infra_id":"i-1","usage_value":3}]}`, status: 200,
			want: []string{`{"items":[{"tenant_id":"{customerA}","resource_id":"r-1","usage_type":"workstations","offering_item":"pw_base_workstations","infra_id":"i-1"}]}`},
			check: func(t *testing.T, e *env, _ map[string]any) {
				if got := usageOf(t, e, "customerA", "pw_base_workstations"); got != 3 {
					t.Errorf("usage = %v, want 3", got)
				}
			}},
		{name: "report by a partner's client, by usage name, as a numeric string", setup: withBackup, method: "PUT", path: usagesPath, as: "partnerA",
			body: `{"items":[{"tenant_id":"{customerA}","usage_type":"servers","usage_value":"4"}]}`, status: 200, absent: []string{`"error"`},
			check: func(t *testing.T, e *env, _ map[string]any) {
				if got := usageOf(t, e, "customerA", "pw_base_servers"); got != 4 {
					t.Errorf("usage = %v, want 4", got)
				}
			}},
		{name: "report at the item's infrastructure", setup: withBackup, method: "PUT", path: usagesPath, as: "root",
			body: `{"items":[{"tenant_id":"{customerA}","offering_item":"pw_base_storage","infra_id":"` + platformStorage + `","usage_value":700},` +
				`{"tenant_id":"{customerA}","usage_type":"storage","infra_id":"` + platformStorage + `","usage_value":800}]}`, status: 200,
			absent: []string{`"error"`},
			check: func(t *testing.T, e *env, _ map[string]any) {
				got := e.json("GET", "/api/2/tenants/{customerA}/usages?usage_names=storage", "root", "", 200)
				items := got["items"].([]any)
				if len(items) != 1 {
					t.Fatalf("storage usages: %v", items)
				}
				if u := items[0].(map[string]any); u["infra_id"] != platformStorage || u["value"] != 800.0 {
					t.Errorf("storage usage = %v, want 800 at %s", u, platformStorage)
				}
			}},
		{name: "report at another infrastructure", setup: withBackup, method: "PUT", path: usagesPath, as: "root",
			body: `{"items":[{"tenant_id":"{customerA}","offering_item":"pw_base_storage","infra_id":"{unknown}","usage_value":700},` +
				`{"tenant_id":"{customerA}","usage_type":"storage","infra_id":"{unknown}","usage_value":800},` +
				`{"tenant_id":"{customerA}","offering_item":"pw_base_storage","infra_id":"not-a-uuid","usage_value":1}]}`, status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				for i, r := range results(t, got) {
					if errorCode(r) != "ParameterMalformed" {
						t.Errorf("item %d: %v, want a ParameterMalformed error", i, r)
					}
				}
				if v := usageOf(t, e, "customerA", "pw_base_storage"); v != 0 {
					t.Errorf("usage = %v after refused reports, want 0", v)
				}
			}},
		{name: "bad items among good ones", setup: withBackup, method: "PUT", path: usagesPath, as: "root",
			body: body(item("customerA", "pw_base_workstations", "5"), item("unknown", "pw_base_workstations", "5"),
				item("customerA", "warp_drive", "5"), item("customerA", "pw_base_servers", "-1"), item("customerA", "pg_base_servers", "5"),
				`{"tenant_id":"{customerA}","offering_item":"pw_base_vms"}`, `{"tenant_id":"nope","offering_item":"pw_base_vms","usage_value":1}`,
				item("customerA", "pw_base_vms", "6")), status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				want := []string{"", "NotFound", "ParameterMalformed", "ParameterMalformed", "ParameterMalformed", "ParameterMalformed", "ParameterMalformed", ""}
				rs := results(t, got)
				if len(rs) != len(want) {
					t.Fatalf("%d results for %d items", len(rs), len(want))
				}
				for i, r := range rs {
					if code := errorCode(r); code != want[i] {
						t.Errorf("item %d: error code %q, want %q: %v", i, code, want[i], r)
					}
					if want[i] != "" {
						checkErrorBody(t, r["error"].(map[string]any))
					}
				}
				for name, want := range map[string]float64{"pw_base_workstations": 5, "pw_base_vms": 6, "pw_base_servers": 0} {
					if got := usageOf(t, e, "customerA", name); got != want {
						t.Errorf("%s = %v, want %v", name, got, want)
					}
				}
			}},
		{name: "a negative value", setup: withBackup, method: "PUT", path: usagesPath, as: "root", body: body(item("customerA", "pw_base_servers", "-3")),
			status: 200, want: []string{`"code":"ParameterMalformed"`, `must not be negative`},
			check: func(t *testing.T, e *env, _ map[string]any) {
				if got := usageOf(t, e, "customerA", "pw_base_servers"); got != 0 {
					t.Errorf("a refused report wrote %v", got)
				}
			}},
		{name: "another partner's tenant", setup: withBackup, method: "PUT", path: usagesPath, as: "partnerB",
			body: body(item("customerA", "pw_base_servers", "3")), status: 200, want: []string{`"code":"Forbidden"`, `"tenant_id":"{customerA}"`},
			check: func(t *testing.T, e *env, _ map[string]any) {
				if got := usageOf(t, e, "customerA", "pw_base_servers"); got != 0 {
					t.Errorf("a refused report wrote %v", got)
				}
			}},
		{name: "no items", method: "PUT", path: usagesPath, as: "root", body: `{"items":[]}`, status: 200, want: []string{`{"items":[]}`}},
		{name: "without items", method: "PUT", path: usagesPath, as: "root", body: `{}`, status: 400},
		{name: "malformed JSON", method: "PUT", path: usagesPath, as: "root", body: `{"items":[`, status: 400},
		{name: "an unknown field, strictly", method: "PUT", path: usagesPath + "?field_validation=strict", as: "root", body: `{"items":[{"tenant_id":"{customerA}","usage_value":1,"color":"red"}]}`, status: 400},
		{name: "a value that is not a number", method: "PUT", path: usagesPath, as: "root", body: body(item("customerA", "pw_base_servers", `"many"`)), status: 400},
		{name: "a fractional value", method: "PUT", path: usagesPath, as: "root", body: body(item("customerA", "pw_base_servers", "1.5")), status: 400},
		{name: "another media type", method: "PUT", path: usagesPath, as: "root", body: body(item("customerA", "pw_base_servers", "1")),
			header: map[string]string{"Content-Type": "text/plain"}, status: 415},
		{name: "a company admin", setup: withBackup, method: "PUT", path: usagesPath, as: "cadmin", body: body(item("customerA", "pw_base_servers", "1")), status: 403,
			check: func(t *testing.T, e *env, _ map[string]any) {
				if got := usageOf(t, e, "customerA", "pw_base_servers"); got != 0 {
					t.Errorf("a refused report wrote %v", got)
				}
			}},
		{name: "a partner admin", setup: withBackup, method: "PUT", path: usagesPath, as: "padminA", body: body(item("customerA", "pw_base_servers", "1")), status: 403},
		{name: "without credentials", method: "PUT", path: usagesPath, body: body(item("customerA", "pw_base_servers", "1")), status: 401},
		{name: "a crossing notifies", setup: withQuota, method: "PUT", path: usagesPath, as: "root", body: body(item("customerA", "pw_base_workstations", "9")),
			status: 200, absent: []string{`"error"`},
			check: func(t *testing.T, e *env, _ map[string]any) {
				got := e.json("GET", "/api/2/alerts", "root", "", 200)["items"].([]any)
				if len(got) != 1 {
					t.Fatalf("alerts = %v, want one for cadmin", got)
				}
				a := got[0].(map[string]any)
				p := a["prompt"].(map[string]any)
				if a["user_id"] != e.ids["user:cadmin"] || a["type"] != "quota_almost_reached" || a["value"] != 9.0 || a["quota"] != 10.0 ||
					p["kind"] != "buy_now" || p["text"] != "Buy now" ||
					p["url"] != "https://buy.example.com/a?origin=alert_on_physical_machines&user_quotas=physical_machines" {
					t.Errorf("alert = %v", a)
				}
			}},
	})
}

func TestUsageRead(t *testing.T) {
	withUsage := func(e *env) {
		withBackup(e)
		reportUsage(e, "pw_base_workstations", 3)
		reportUsage(e, "pw_base_storage", 1000)
	}
	month := time.Now().UTC().Format("2006-01") + "-01T00:00:00.000000+00:00"
	run(t, []scenario{
		{name: "usage of a tenant", setup: withUsage, method: "GET", path: "/api/2/tenants/{customerA}/usages", as: "cadmin", status: 200,
			want: []string{`"name":"pw_base_workstations"`, `"usage_name":"workstations"`, `"edition":"pck_per_workload"`, `"value":3,"absolute_value":3`,
				`"range_start":"` + month + `"`, `"tenant_uuid":"{customerA}"`, `"offering_item":{"status":1,"quota":{"value":null,"overage":null,"version":0}}`,
				`"name":"total_storage","edition":null,"usage_name":"total_storage","type":"infra","measurement_unit":"bytes"`}},
		{name: "shared storage across editions is mixed", setup: withUsage, method: "GET", path: "/api/2/tenants/{partnerA}/usages?usage_names=total_storage,storage", as: "root", status: 200,
			want: []string{`"name":"total_storage","edition":"mixed"`, `"name":"pw_base_storage","edition":"pck_per_workload"`, `"name":"pg_base_storage","edition":"pck_per_gigabyte"`}},
		{name: "the mixed edition as a filter", setup: withUsage, method: "GET", path: "/api/2/tenants/{partnerA}/usages?editions=mixed", as: "root", status: 200,
			want: []string{`"name":"total_storage"`, `"name":"child_storages"`}, absent: []string{`"pw_base_storage"`}},
		{name: "usage names", setup: withUsage, method: "GET", path: "/api/2/tenants/{customerA}/usages?usage_names=workstations,storage", as: "root", status: 200,
			want: []string{`"name":"pw_base_workstations"`, `"name":"pw_base_storage"`}, absent: []string{`"pw_base_servers"`, `"total_storage"`}},
		{name: "editions", setup: withUsage, method: "GET", path: "/api/2/tenants/{partnerA}/usages?editions=pck_per_gigabyte", as: "root", status: 200,
			want: []string{`"name":"pg_base_servers"`}, absent: []string{`"pw_base_servers"`, `"local_storage"`, `"total_storage"`}},
		{name: "roll-up to the partner", setup: withUsage, method: "GET", path: "/api/2/tenants/{partnerA}/usages?usage_names=total_storage,child_storages", as: "padminA", status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				values := map[string]any{}
				for _, it := range got["items"].([]any) {
					u := it.(map[string]any)
					values[u["name"].(string)] = u["value"]
					if _, ok := u["offering_item"]; ok {
						t.Errorf("a computed usage without an item has offering_item: %v", u)
					}
				}
				if values["total_storage"] != 1000.0 || values["child_storages"] != 1000.0 || len(values) != 2 {
					t.Errorf("roll-ups of partnerA = %v, want 1000 and 1000", values)
				}
			}},
		{name: "a batch", setup: withUsage, method: "GET", path: usagesPath + "?tenants={customerA},{partnerA}&usage_names=workstations", as: "padminA", status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				items := got["items"].([]any)
				if len(items) != 2 {
					t.Fatalf("batch = %v", got)
				}
				for i, tenant := range []string{"customerA", "partnerA"} {
					it := items[i].(map[string]any)
					if it["tenant"] != e.ids[tenant] || len(it["usages"].([]any)) == 0 {
						t.Errorf("batch item %d = %v, want %s's usages", i, it, tenant)
					}
				}
			}},
		{name: "a batch without tenants", method: "GET", path: usagesPath, as: "root", status: 400},
		{name: "a batch with a malformed id", method: "GET", path: usagesPath + "?tenants=nope", as: "root", status: 400},
		{name: "a batch outside the subtree", method: "GET", path: usagesPath + "?tenants={customerA}", as: "partnerB", status: 404},
		{name: "another partner's tenant", method: "GET", path: "/api/2/tenants/{customerA}/usages", as: "padminB", status: 404},
		{name: "an unknown tenant", method: "GET", path: "/api/2/tenants/{unknown}/usages", as: "root", status: 404},
		{name: "a malformed tenant id", method: "GET", path: "/api/2/tenants/nope/usages", as: "root", status: 400},
		{name: "a backup user", method: "GET", path: "/api/2/tenants/{customerA}/usages", as: "backup", status: 403},
		{name: "without credentials", method: "GET", path: "/api/2/tenants/{customerA}/usages", status: 401},
	})
}

func TestAlerts(t *testing.T) {
	alerts := "/api/2/alerts"
	count := func(want int) func(t *testing.T, e *env, got map[string]any) {
		return func(t *testing.T, e *env, got map[string]any) {
			if n := len(got["items"].([]any)); n != want {
				t.Errorf("%d alerts, want %d: %v", n, want, got)
			}
		}
	}
	run(t, []scenario{
		{name: "alerts of the tree", setup: withAlerts, method: "GET", path: alerts, as: "root", status: 200,
			want: []string{`"type":"quota_almost_reached"`, `"type":"quota_exceeded"`, `"user_id":"{user:cadmin}"`, `"tenant_id":"{customerA}"`,
				`"offering_item":"pw_base_workstations"`, `"usage_name":"workstations"`, `"threshold":80`, `"application_id":"` + backupApp + `"`,
				`"prompt":{"kind":"buy_now","url":"https://buy.example.com/a?origin=alert_on_physical_machines&user_quotas=physical_machines","text":"Buy now"}`},
			check: count(2)},
		{name: "a user's own alerts", setup: withAlerts, method: "GET", path: alerts, as: "cadmin", status: 200, check: count(2)},
		{name: "a partner admin", setup: withAlerts, method: "GET", path: alerts + "?tenant_id={customerA}", as: "padminA", status: 200, check: count(2)},
		{name: "another partner", setup: withAlerts, method: "GET", path: alerts, as: "padminB", status: 200, check: count(0)},
		{name: "another partner's tenant", setup: withAlerts, method: "GET", path: alerts + "?tenant_id={customerA}", as: "padminB", status: 404},
		{name: "a user without read rights", setup: withAlerts, method: "GET", path: alerts, as: "backup", status: 200, check: count(0)},
		{name: "a user filter", setup: withAlerts, method: "GET", path: alerts + "?user_id={user:readonly}", as: "root", status: 200, check: count(0)},
		{name: "a malformed tenant id", method: "GET", path: alerts + "?tenant_id=nope", as: "root", status: 400},
		{name: "a bad limit", method: "GET", path: alerts + "?limit=0", as: "root", status: 400},
		{name: "a bad cursor", method: "GET", path: alerts + "?after=nope", as: "root", status: 400},
		{name: "without credentials", method: "GET", path: alerts, status: 401},
		{name: "paging", setup: withAlerts, method: "GET", path: alerts + "?limit=1&user_id={user:cadmin}", as: "root", status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				first := got["items"].([]any)
				after := got["paging"].(map[string]any)["cursors"].(map[string]any)["after"].(string)
				if len(first) != 1 || after == "" {
					t.Fatalf("first page = %v", got)
				}
				next := e.json("GET", "/api/2/alerts?after="+url.QueryEscape(after), "root", "", 200)
				second := next["items"].([]any)
				if len(second) != 1 || second[0].(map[string]any)["id"] == first[0].(map[string]any)["id"] {
					t.Errorf("second page = %v", next)
				}
				if first[0].(map[string]any)["type"] != "quota_almost_reached" || second[0].(map[string]any)["type"] != "quota_exceeded" {
					t.Errorf("alerts are not oldest first")
				}
				b, _ := json.Marshal(next["paging"])
				if strings.Contains(string(b), "after") {
					t.Errorf("the last page has a cursor: %s", b)
				}
			}},
	})
}
