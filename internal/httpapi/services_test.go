package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tenantd/tenantd"
)

const (
	backupApp   = tenantd.BackupAppID
	platformApp = tenantd.PlatformAppID
)

// withBackup gives partnerA both pay-as-you-go editions of Cyber Protection
// and customerA the per-workload one, with a server quota of 10 on the
// partner.
func withBackup(e *env) {
	sys := systemContext(e)
	grant := func(tenant string, editions ...string) {
		want := map[string]bool{"": true}
		for _, ed := range editions {
			want[ed] = true
		}
		var changes []tenantd.OfferingItemChange
		for _, def := range e.db.Catalog().ItemsOf(backupApp) {
			if want[def.Edition] {
				on := 1
				changes = append(changes, tenantd.OfferingItemChange{ApplicationID: backupApp, Name: def.Name, Status: &on})
			}
		}
		if _, err := e.db.SetOfferingItems(sys, e.ids[tenant], changes); err != nil {
			e.t.Fatalf("grant %s: %v", tenant, err)
		}
	}
	grant("partnerA", "pck_per_workload", "pck_per_gigabyte")
	ten := int64(10)
	if _, err := e.db.SetOfferingItems(sys, e.ids["partnerA"], []tenantd.OfferingItemChange{{ApplicationID: backupApp, Name: "pw_base_servers",
		Quota: &tenantd.Quota{Value: &ten}}}); err != nil {
		e.t.Fatal(err)
	}
	grant("customerA", "pck_per_workload")
}

func TestServices(t *testing.T) {
	setting := "/api/2/applications/" + platformApp + "/settings/tenants/{customerA}/PromoteHigherEditions"
	run(t, []scenario{
		{name: "applications", method: "GET", path: "/api/2/applications", as: "cadmin", status: 200,
			want: []string{`"id":"` + backupApp + `"`, `"type":"backup"`, `"type":"platform"`}},
		{name: "one application", method: "GET", path: "/api/2/applications/" + backupApp, as: "root", status: 200, want: []string{`"api_base_url":"/bc/"`}},
		{name: "unknown application", method: "GET", path: "/api/2/applications/{unknown}", as: "root", status: 404},
		{name: "a new customer's applications", method: "GET", path: "/api/2/tenants/{customerA}/applications", as: "padminA", status: 200,
			want: []string{`"items":["` + platformApp + `"]`}},
		{name: "bind a service the parent lacks", method: "POST", path: "/api/2/applications/" + backupApp + "/bindings/tenants/{customerA}", as: "root", status: 400},
		{name: "bind to itself", method: "POST", path: "/api/2/applications/" + backupApp + "/bindings/tenants/{partnerA}", as: "padminA", status: 403},
		{name: "bind", method: "POST", path: "/api/2/applications/" + backupApp + "/bindings/tenants/{partnerA}", as: "root", status: 204,
			check: func(t *testing.T, e *env, _ map[string]any) {
				got := e.json("GET", "/api/2/tenants/applications?tenants={partnerA},{partnerB}", "root", "", 200)
				items := got["items"].([]any)
				if len(items[0].(map[string]any)["applications"].([]any)) != 2 || len(items[1].(map[string]any)["applications"].([]any)) != 1 {
					t.Errorf("applications after binding = %v", items)
				}
			}},
		{name: "unbind the platform", method: "DELETE", path: "/api/2/applications/" + platformApp + "/bindings/tenants/{partnerA}", as: "root", status: 400},
		{name: "unbind", setup: withBackup, method: "DELETE", path: "/api/2/applications/" + backupApp + "/bindings/tenants/{partnerA}", as: "root", status: 204,
			check: func(t *testing.T, e *env, _ map[string]any) {
				got := e.json("GET", "/api/2/tenants/{customerA}/offering_items?edition=*&status=1", "root", "", 200)
				if n := len(got["items"].([]any)); n != 0 {
					t.Errorf("%d items still on below an unbound partner", n)
				}
			}},

		{name: "set a setting", method: "PUT", path: setting, as: "padminA", body: `{"value":true}`, status: 200,
			want: []string{`{"name":"PromoteHigherEditions","own":{"value":true,"lock":false,"exclusive":false},"effective":null}`}},
		{name: "a setting inherited", setup: func(e *env) { e.json("PUT", setting, "padminA", `{"value":true,"lock":"true"}`, 200) },
			method: "GET", path: "/api/2/applications/" + platformApp + "/settings/tenants/{unitA}/PromoteHigherEditions", as: "uadmin", status: 200,
			want: []string{`"effective":{"owner":{"type":"tenant","id":"{customerA}"},"value":true,"lock":true}`, `"own":null`}},
		{name: "a setting under a lock", setup: func(e *env) { e.json("PUT", setting, "padminA", `{"value":true,"lock":true}`, 200) },
			method: "PUT", path: "/api/2/applications/" + platformApp + "/settings/tenants/{unitA}/PromoteHigherEditions", as: "uadmin", body: `{"value":false}`, status: 403},
		{name: "a setting of the wrong type", method: "PUT", path: setting, as: "padminA", body: `{"value":"yes please"}`, status: 400},
		{name: "a setting without value", method: "PUT", path: setting, as: "padminA", body: `{"lock":true}`, status: 400},
		{name: "an unknown setting", method: "PUT", path: "/api/2/applications/" + platformApp + "/settings/tenants/{customerA}/Nope", as: "padminA", body: `{"value":true}`, status: 404},
		{name: "a setting of another partner's tenant", method: "PUT", path: setting, as: "padminB", body: `{"value":true}`, status: 403},
		{name: "a setting as read-only admin", method: "PUT", path: setting, as: "readonly", body: `{"value":true}`, status: 403},
		{name: "a setting round trip", setup: func(e *env) { e.json("PUT", setting, "padminA", `{"value":true}`, 200) },
			method: "GET", path: setting, as: "padminA", status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				got["own"].(map[string]any)["value"] = false
				body, _ := marshal(got)
				if out := e.json("PUT", setting, "padminA", body, 200); out["own"].(map[string]any)["value"] != false {
					t.Errorf("round trip = %v", out)
				}
			}},
		{name: "delete a setting", setup: func(e *env) { e.json("PUT", setting, "padminA", `{"value":true}`, 200) },
			method: "DELETE", path: setting, as: "padminA", status: 204},
		{name: "settings list", method: "GET", path: "/api/2/applications/" + platformApp + "/settings/tenants/{customerA}", as: "cadmin", status: 200,
			want: []string{`"name":"PromoteHigherEditions"`}},
	})
}

func TestOfferingItems(t *testing.T) {
	items := "/api/2/tenants/{customerA}/offering_items"
	run(t, []scenario{
		{name: "items of a customer", setup: withBackup, method: "GET", path: items + "?edition=pck_per_workload", as: "cadmin", status: 200,
			want:   []string{`"name":"pw_base_servers"`, `"edition":"pck_per_workload"`, `"status":1`, `"quota":{"value":null,"overage":null,"version":0}`, `"timestamp":"`},
			absent: []string{`"name":"pg_base_servers"`}},
		{name: "items of the default edition", setup: withBackup, method: "GET", path: items, as: "cadmin", status: 200,
			absent: []string{`"name":"pw_base_servers"`}},
		{name: "available for a child", setup: withBackup, method: "GET", path: "/api/2/tenants/{partnerA}/offering_items/available_for_child?kind=customer&edition=*", as: "padminA", status: 200,
			want: []string{`"name":"pw_base_servers"`, `"name":"pg_base_servers"`}},
		{name: "available for a child of any kind", method: "GET", path: "/api/2/tenants/{root}/offering_items/available_for_child", as: "root", status: 200,
			want: []string{`"items":[{`, `"name":"servers"`, `"timestamp":"`}},
		{name: "available for a child of a bad kind", method: "GET", path: "/api/2/tenants/{partnerA}/offering_items/available_for_child?kind=unit", as: "root", status: 400},
		{name: "a quota", setup: withBackup, method: "PUT", path: items, as: "padminA",
			body: `{"offering_items":[{"application_id":"` + backupApp + `","name":"pw_base_servers","quota":{"value":5,"overage":1,"version":0}}]}`, status: 200,
			want: []string{`"quota":{"value":5,"overage":1,"version":1`}},
		{name: "a quota sent back in the list envelope as read", setup: withBackup, method: "PUT", path: items, as: "padminA",
			body: `{"offering_items":[{"application_id":"` + backupApp + `","name":"pw_base_servers","quota":{"value":5,"overage":1,"version":0}}],` +
				`"timestamp":"2026-12-07T10:00:00.000000+00:00","paging":{"cursors":{}}}`, status: 200,
			want: []string{`"quota":{"value":5,"overage":1,"version":1`}, warn: []string{"paging", "timestamp"}},
		{name: "the whole envelope a GET answered, sent back with a quota changed", setup: withBackup, method: "GET", path: items + "?edition=pck_per_workload", as: "padminA", status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				list, _ := got["items"].([]any)
				changed := false
				for _, it := range list {
					if it := it.(map[string]any); it["name"] == "pw_base_servers" {
						it["quota"].(map[string]any)["value"] = 7
						changed = true
					}
				}
				body, err := marshal(got)
				if err != nil || !changed {
					t.Fatalf("no pw_base_servers in %v (%v)", got, err)
				}
				status, h, b := e.doResp("PUT", items, "padminA", body, nil)
				if status != 200 || !strings.Contains(string(b), `"quota":{"value":7,`) {
					t.Fatalf("PUT the envelope back: %d %s", status, b)
				}
				checkWarnings(t, h, []string{"paging", "timestamp"})
			}},
		{name: "items beside offering_items", setup: withBackup, method: "PUT", path: items, as: "padminA",
			body: `{"offering_items":[],"items":[]}`, status: 400, want: []string{"items"}},
		{name: "the list envelope, strictly", setup: withBackup, method: "PUT", path: items + "?field_validation=strict", as: "padminA",
			body: `{"offering_items":[],"timestamp":"2026-12-07T10:00:00.000000+00:00"}`, status: 400, want: []string{"timestamp"}},
		{name: "a stale quota version", setup: withBackup, method: "PUT", path: items, as: "padminA",
			body: `{"offering_items":[{"application_id":"` + backupApp + `","name":"pw_base_servers","quota":{"value":5,"overage":null,"version":42}}]}`, status: 426,
			want: []string{`"code":"QuotaVersionConflict"`}},
		{name: "a negative quota", setup: withBackup, method: "PUT", path: items, as: "padminA",
			body: `{"offering_items":[{"application_id":"` + backupApp + `","name":"pw_base_servers","quota":{"value":-5,"overage":null,"version":0}}]}`, status: 400},
		{name: "a quota above the parent's", setup: withBackup, method: "PUT", path: items, as: "padminA",
			body: `{"offering_items":[{"application_id":"` + backupApp + `","name":"pw_base_servers","quota":{"value":11,"overage":null,"version":0}}]}`, status: 400},
		{name: "an unknown item", setup: withBackup, method: "PUT", path: items, as: "padminA",
			body: `{"offering_items":[{"application_id":"` + backupApp + `","name":"warp_drive","status":1}]}`, status: 400},
		{name: "an item the parent lacks", method: "PUT", path: items, as: "padminA",
			body: `{"offering_items":[{"application_id":"` + backupApp + `","name":"pw_base_servers","status":1}]}`, status: 400},
		{name: "a bad status", setup: withBackup, method: "PUT", path: items, as: "padminA",
			body: `{"offering_items":[{"application_id":"` + backupApp + `","name":"pw_base_servers","status":7}]}`, status: 400},
		{name: "own items", setup: withBackup, method: "PUT", path: items, as: "cadmin",
			body: `{"offering_items":[{"application_id":"` + backupApp + `","name":"pw_base_servers","status":0}]}`, status: 403},
		{name: "items without a list", method: "PUT", path: items, as: "padminA", body: `{}`, status: 400},
		{name: "items sent back verbatim", setup: withBackup, method: "GET", path: "/api/2/tenants/{partnerA}/offering_items/available_for_child?kind=customer&edition=pck_per_workload", as: "padminA", status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				body, _ := marshal(map[string]any{"offering_items": got["items"]})
				e.json("PUT", "/api/2/tenants/{customerB}/offering_items", "root", `{"offering_items":[]}`, 200)
				e.json("PUT", items, "padminA", body, 200)
			}},
		{name: "subtree items", setup: withBackup, method: "GET", path: "/api/2/tenants/offering_items?subtree_root_tenant_id={partnerA}&usage_names=servers", as: "padminA", status: 200,
			want: []string{`"tenant_id":"{customerA}"`, `"tenant_id":"{partnerA}"`}, absent: []string{`"usage_name":"workstations"`}},
		{name: "subtree items without root: the caller's subtree", setup: withBackup, method: "GET", path: "/api/2/tenants/offering_items?usage_names=servers", as: "padminA", status: 200,
			want: []string{`"tenant_id":"{customerA}"`, `"tenant_id":"{partnerA}"`}, absent: []string{`"tenant_id":"{partnerB}"`, `"tenant_id":"{root}"`}},
		{name: "prices", method: "PUT", path: "/api/2/tenants/{customerA}/offering_items/pricing", as: "padminA",
			body: `{"items":[{"application_id":"` + backupApp + `","name":"pw_base_servers","price":"9.99"}]}`, status: 200, want: []string{`"price":"9.99"`}},
		{name: "a bad price", method: "PUT", path: "/api/2/tenants/{customerA}/offering_items/pricing", as: "padminA",
			body: `{"items":[{"application_id":"` + backupApp + `","name":"pw_base_servers","price":"cheap"}]}`, status: 400},
		{name: "edition dry run", setup: withBackup, method: "GET", path: "/api/2/tenants/{customerA}/edition?target_edition=pck_per_gigabyte&application_id=" + backupApp, as: "padminA", status: 200,
			want: []string{`"warnings":["`}},
		{name: "edition dry run without a target", method: "GET", path: "/api/2/tenants/{customerA}/edition?application_id=" + backupApp, as: "padminA", status: 400},
		{name: "an unknown edition", setup: withBackup, method: "PUT", path: "/api/2/tenants/{customerA}/edition", as: "padminA",
			body: `{"target_edition":"gold","application_id":"` + backupApp + `"}`, status: 400},
		{name: "an edition of a service without editions", method: "PUT", path: "/api/2/tenants/{customerA}/edition", as: "padminA",
			body: `{"target_edition":"standard","application_id":"` + platformApp + `"}`, status: 400},
		{name: "switch edition", setup: withBackup, method: "PUT", path: "/api/2/tenants/{customerA}/edition", as: "padminA",
			body: `{"target_edition":"pck_per_gigabyte","application_id":"` + backupApp + `"}`, status: 200,
			want: []string{`"warnings":["`, `"name":"pg_base_servers"`}},
		// A partner enables on each child, partner or customer, every item
		// of every edition it sells, in one PUT.
		{name: "items of several editions on children", setup: withBackup, method: "POST", path: "/api/2/tenants", as: "padminA",
			body: `{"name":"subPartner","parent_id":"{partnerA}","kind":"partner"}`, status: 201,
			check: func(t *testing.T, e *env, got map[string]any) {
				e.ids["subPartner"] = got["id"].(string)
				for child, kind := range map[string]string{"customerA": "customer", "subPartner": "partner"} {
					avail := e.json("GET", "/api/2/tenants/{partnerA}/offering_items/available_for_child?kind="+kind+"&edition=*", "padminA", "", 200)
					body, _ := marshal(map[string]any{"offering_items": avail["items"]})
					e.json("PUT", "/api/2/tenants/{"+child+"}/offering_items", "padminA", body, 200)
					on := e.json("GET", "/api/2/tenants/{"+child+"}/offering_items?edition=*&status=1", "padminA", "", 200)
					editions := map[any]bool{}
					for _, it := range on["items"].([]any) {
						editions[it.(map[string]any)["edition"]] = true
					}
					if !editions["pck_per_workload"] || !editions["pck_per_gigabyte"] {
						t.Errorf("%s holds items of editions %v, want both pay-as-you-go editions", child, editions)
					}
				}
			}},
		// Switching a tenant that holds several editions leaves it with the
		// target's items only.
		{name: "switch from several editions", setup: withBackup, method: "GET", path: "/api/2/tenants/{partnerA}/offering_items/available_for_child?kind=customer&edition=*", as: "padminA", status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				body, _ := marshal(map[string]any{"offering_items": got["items"]})
				e.json("PUT", items, "padminA", body, 200)
				dry := e.json("GET", "/api/2/tenants/{customerA}/edition?target_edition=pck_per_gigabyte&application_id="+backupApp, "padminA", "", 200)
				sw := e.json("PUT", "/api/2/tenants/{customerA}/edition", "padminA", `{"target_edition":"pck_per_gigabyte","application_id":"`+backupApp+`"}`, 200)
				if fmt.Sprint(dry["warnings"]) != fmt.Sprint(sw["warnings"]) || len(sw["warnings"].([]any)) == 0 {
					t.Errorf("warnings: dry run %v, switch %v", dry["warnings"], sw["warnings"])
				}
				on := e.json("GET", items+"?edition=*&status=1", "padminA", "", 200)
				n := 0
				for _, it := range on["items"].([]any) {
					m := it.(map[string]any)
					if m["application_id"] == backupApp && m["edition"] != nil && m["edition"] != "pck_per_gigabyte" {
						t.Errorf("item %s of edition %v is still on", m["name"], m["edition"])
					}
					if m["edition"] == "pck_per_gigabyte" {
						n++
					}
				}
				if n == 0 {
					t.Errorf("no item of the target edition is on")
				}
			}},
		{name: "own edition", setup: withBackup, method: "PUT", path: "/api/2/tenants/{customerA}/edition", as: "cadmin",
			body: `{"target_edition":"pck_per_gigabyte","application_id":"` + backupApp + `"}`, status: 403},
	})
}

func TestPricing(t *testing.T) {
	pricing := "/api/2/tenants/{customerA}/pricing"
	version := func(e *env) string {
		return itoa(e.json("GET", pricing, "root", "", 200)["version"])
	}
	run(t, []scenario{
		{name: "read", method: "GET", path: pricing, as: "cadmin", status: 200, want: []string{`"mode":"trial"`, `"currency":null`, `"production_start_date":"20`}},
		{name: "switch to production", method: "GET", path: pricing, as: "padminA", status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				got["mode"] = "production"
				body, _ := marshal(got)
				out := e.json("PUT", pricing, "padminA", body, 200)
				if out["mode"] != "production" {
					t.Errorf("mode = %v", out["mode"])
				}
				out["mode"] = "trial"
				body, _ = marshal(out)
				if status, _ := e.do("PUT", pricing, "root", body, nil); status != 400 {
					t.Errorf("production back to trial: %d", status)
				}
			}},
		{name: "own pricing", method: "PUT", path: pricing, as: "cadmin", body: `{"mode":"production","version":0}`, status: 403},
		{name: "a stale version", method: "PUT", path: pricing, as: "padminA", body: `{"mode":"production","version":1}`, status: 409},
		{name: "without version", method: "PUT", path: pricing, as: "padminA", body: `{"mode":"production"}`, status: 400},
		{name: "an unknown currency", setup: func(e *env) { e.ids["pv"] = version(e) }, method: "PUT", path: pricing, as: "padminA",
			body: `{"currency":"DOGE","version":{pv}}`, status: 400},
		{name: "an unknown mode", setup: func(e *env) { e.ids["pv"] = version(e) }, method: "PUT", path: pricing, as: "padminA",
			body: `{"mode":"free","version":{pv}}`, status: 400},
		{name: "a currency", setup: func(e *env) { e.ids["pv"] = version(e) }, method: "PUT", path: pricing, as: "padminA",
			body: `{"currency":"EUR","version":{pv}}`, status: 200, want: []string{`"currency":"EUR"`, `"mode":"trial"`}},
	})
}

func itoa(v any) string {
	b, _ := jsonMarshal(v)
	return string(b)
}
