package main_test

import (
	"context"
	"database/sql"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// tenantApplications fetches the service objects of a tenant, as the
// documented "Fetching information about services enabled for a tenant"
// does: the ids, then each service.
func tenantApplications(api *client, tenantID string) []map[string]any {
	ids := api.must("GET", "/tenants/"+tenantID+"/applications", nil, nil, 200)["items"].([]any)
	var apps []map[string]any
	for _, id := range ids {
		apps = append(apps, api.must("GET", "/applications/"+id.(string), nil, nil, 200))
	}
	return apps
}

func applicationOfType(t *testing.T, apps []map[string]any, typ string) string {
	t.Helper()
	for _, a := range apps {
		if a["type"] == typ {
			return a["id"].(string)
		}
	}
	t.Fatalf("no %s application among %v", typ, apps)
	return ""
}

// TestServiceProcedures runs, on each store, the documented procedures
// "Enabling upsell of service editions for a sub-tenant", "Switching a
// customer tenant to production mode" and "Switching the edition of a
// service" step by step.
func TestServiceProcedures(t *testing.T) {
	for name, store := range storeArgs(t) {
		t.Run(name, func(t *testing.T) {
			creds := bootstrap(t, store)
			srv := serve(t, store)
			api := &client{t: t, baseURL: srv.baseURL, auth: "Bearer " + token(t, srv.baseURL, creds.ClientID, creds.ClientSecret)}
			partner := api.must("POST", "/tenants", nil, map[string]any{"name": "Partner", "parent_id": creds.TenantID, "kind": "partner"}, 201)
			partnerID := partner["id"].(string)
			customer := api.must("POST", "/tenants", nil, map[string]any{"name": "Customer", "parent_id": partnerID, "kind": "customer"}, 201)
			tenantID := customer["id"].(string)

			t.Run("edition upsell", func(t *testing.T) {
				tenantApplications := tenantApplications(api, tenantID)
				applicationID := applicationOfType(t, tenantApplications, "platform")
				settingName := "PromoteHigherEditions"
				settingState := map[string]any{"value": true}
				status, response := api.call("PUT", "/applications/"+applicationID+"/settings/tenants/"+tenantID+"/"+settingName, nil, settingState)
				if status != 200 {
					t.Fatalf("PUT setting: %d %v", status, response)
				}
				want := map[string]any{"effective": nil, "name": "PromoteHigherEditions",
					"own": map[string]any{"exclusive": false, "lock": false, "value": true}}
				if !reflect.DeepEqual(response, want) {
					t.Errorf("setting = %v, want %v", response, want)
				}
			})

			t.Run("production mode", func(t *testing.T) {
				tenantPricing := api.must("GET", "/tenants/"+tenantID+"/pricing", nil, nil, 200)
				if tenantPricing["mode"] != "trial" || tenantPricing["currency"] != nil || tenantPricing["production_start_date"] == nil || tenantPricing["version"] == nil {
					t.Fatalf("pricing of a new customer = %v", tenantPricing)
				}
				tenantPricing["mode"] = "production"
				status, response := api.call("PUT", "/tenants/"+tenantID+"/pricing", nil, tenantPricing)
				if status != 200 || response["mode"] != "production" {
					t.Fatalf("switch to production: %d %v", status, response)
				}
				if got := api.must("GET", "/tenants/"+tenantID, nil, nil, 200); got["pricing_mode"] != "production" {
					t.Errorf("tenant pricing_mode = %v after the switch", got["pricing_mode"])
				}
				response["mode"] = "trial"
				if status, _ := api.call("PUT", "/tenants/"+tenantID+"/pricing", nil, response); status != 400 {
					t.Errorf("production back to trial: %d, want 400", status)
				}
			})

			t.Run("edition switch", func(t *testing.T) {
				backup := applicationOfType(t, tenantApplications(api, creds.TenantID), "backup")
				// The partner gets Cyber Protection from the root, then the
				// customer gets it per workload from the partner, the way a
				// partner does it: available_for_child, then PUT offering_items.
				forPartner := api.must("GET", "/tenants/"+creds.TenantID+"/offering_items/available_for_child", url.Values{"kind": {"partner"}, "edition": {"*"}}, nil, 200)
				// The partner offers both pay-as-you-go editions.
				var partnerItems []any
				for _, it := range forPartner["items"].([]any) {
					m := it.(map[string]any)
					if m["application_id"] != backup {
						continue
					}
					if e, _ := m["edition"].(string); e == "" || e == "pck_per_workload" || e == "pck_per_gigabyte" {
						partnerItems = append(partnerItems, m)
					}
				}
				api.must("PUT", "/tenants/"+partnerID+"/offering_items", nil, map[string]any{"offering_items": partnerItems}, 200)
				forCustomer := api.must("GET", "/tenants/"+partnerID+"/offering_items/available_for_child", url.Values{"kind": {"customer"}, "edition": {"pck_per_workload"}}, nil, 200)
				api.must("PUT", "/tenants/"+tenantID+"/offering_items", nil, map[string]any{"offering_items": forCustomer["items"]}, 200)

				tenantApplications := tenantApplications(api, tenantID)
				applicationID := applicationOfType(t, tenantApplications, "backup")
				switchData := map[string]any{"target_edition": "pck_per_gigabyte", "application_id": applicationID}
				check := api.must("GET", "/tenants/"+tenantID+"/edition", url.Values{"target_edition": {"pck_per_gigabyte"}, "application_id": {applicationID}}, nil, 200)
				status, response := api.call("PUT", "/tenants/"+tenantID+"/edition", nil, switchData)
				if status != 200 {
					t.Fatalf("edition switch: %d %v", status, response)
				}
				warnings, ok := response["warnings"].([]any)
				if !ok || len(warnings) == 0 || !reflect.DeepEqual(warnings, check["warnings"]) {
					t.Errorf("warnings = %v; the dry run said %v", response["warnings"], check["warnings"])
				}
				items := api.must("GET", "/tenants/"+tenantID+"/offering_items", url.Values{"edition": {"*"}, "status": {"1"}}, nil, 200)["items"].([]any)
				for _, it := range items {
					m := it.(map[string]any)
					if m["application_id"] == backup && m["edition"] != nil && m["edition"] != "pck_per_gigabyte" {
						t.Errorf("item %s of edition %v is still on", m["name"], m["edition"])
					}
				}
			})
			srv.stop(t)
		})
	}
}

// TestTrialExpiresOnce runs two instances on one PostgreSQL database with
// the clock moved: before the trial ends nothing switches; after, every due
// tenant switches to production exactly once.
func TestTrialExpiresOnce(t *testing.T) {
	store := storeArgs(t)["postgres"]
	dbURL := store[1]
	creds := bootstrap(t, store)
	setup := serve(t, store)
	api := &client{t: t, baseURL: setup.baseURL, auth: "Bearer " + token(t, setup.baseURL, creds.ClientID, creds.ClientSecret)}
	var ids []string
	for i := range 12 {
		kind := "customer"
		if i%3 == 0 {
			kind = "partner"
		}
		tn := api.must("POST", "/tenants", nil, map[string]any{"name": "t" + string(rune('a'+i)), "parent_id": creds.TenantID, "kind": kind}, 201)
		ids = append(ids, tn["id"].(string))
	}
	setup.stop(t)

	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string) int {
		var n int
		if err := db.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	run := func(offset string) {
		args := append(append([]string{}, store...), "--clock-offset", offset, "--trial-interval", "50ms")
		a, b := serve(t, args), serve(t, args)
		time.Sleep(1500 * time.Millisecond)
		a.stop(t)
		b.stop(t)
		for _, s := range []*server{a, b} {
			if strings.Contains(s.logs.String(), "switch tenants to production\"") {
				t.Errorf("an instance failed to switch tenants:\n%s", s.logs)
			}
		}
	}
	run("360h") // 15 days on: every trial still runs
	if n := count("SELECT count(*) FROM tenants WHERE pricing_mode = 'production' AND kind <> 'root'"); n != 0 {
		t.Fatalf("%d tenants switched before their trial ended", n)
	}
	run("768h") // 32 days on: every trial has ended
	if n := count("SELECT count(*) FROM tenants WHERE pricing_mode = 'trial'"); n != 0 {
		t.Errorf("%d tenants still in trial after it ended", n)
	}
	if n := count("SELECT count(*) FROM pricing_switches"); n != len(ids) {
		t.Errorf("%d switches recorded for %d tenants, want one each", n, len(ids))
	}
	if n := count("SELECT count(*) FROM pricing_switches WHERE switched_by = 'trial-expiry'"); n != len(ids) {
		t.Errorf("%d switches by the trial job, want %d", n, len(ids))
	}
}
