package main_test

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tenantd/tenantd/internal/mailtest"
)

// TestQuotaNotifications reports usage of a customer past 80% and past 100%
// of a quota through the API and follows the notifications to an SMTP
// server and to GET /alerts: a buyer administrator under a partner's brand
// with a Buy URL gets "Buy now", another buyer "Contact your sales
// representative", a non-buyer nothing; a crossing is notified once, and
// again after the usage fell under the threshold — on each store.
func TestQuotaNotifications(t *testing.T) {
	const (
		backupApp = "6e6d758d-8e74-3ae3-ac84-50eb0dff12eb"
		item      = "pw_base_workstations"
		buyURL    = "https://shop.partner.example/buy?ref=e2e"
	)
	for name, store := range storeArgs(t) {
		t.Run(name, func(t *testing.T) {
			smtpd := mailtest.Start(t)
			creds := bootstrap(t, store)
			srv := serve(t, append(store, "--smtp-url", smtpd.URL(), "--outbox-interval", "100ms"))
			root := &client{t: t, baseURL: srv.baseURL, auth: "Bearer " + token(t, srv.baseURL, creds.ClientID, creds.ClientSecret)}

			partner := root.must("POST", "/tenants", nil, map[string]any{"name": "Partner", "parent_id": creds.TenantID, "kind": "partner"}, 201)
			partnerID := partner["id"].(string)
			customer := root.must("POST", "/tenants", nil, map[string]any{"name": "Buyer Co", "parent_id": partnerID, "kind": "customer"}, 201)
			customerID := customer["id"].(string)

			// The partner's branding, with a Buy URL.
			version := func(v any) url.Values { return url.Values{"version": {fmt.Sprint(v)}} }
			branded := root.must("POST", "/tenants/"+partnerID+"/brand", version(partner["version"]), nil, 201)
			root.must("PUT", "/tenants/"+partnerID+"/brand", version(branded["version"]), map[string]any{"upsell_url": buyURL}, 200)

			// The partner and the customer get the per-workload items; the
			// customer a quota of 10 workstations.
			var partnerItems []map[string]any
			for _, n := range []string{item, "pw_base_servers", "pw_base_storage"} {
				partnerItems = append(partnerItems, map[string]any{"application_id": backupApp, "name": n, "status": 1})
			}
			root.must("PUT", "/tenants/"+partnerID+"/offering_items", nil, map[string]any{"offering_items": partnerItems}, 200)
			root.must("PUT", "/tenants/"+customerID+"/offering_items", nil, map[string]any{"offering_items": []map[string]any{
				{"application_id": backupApp, "name": item, "status": 1, "quota": map[string]any{"value": 10, "overage": nil, "version": 0}},
			}}, 200)

			// A buyer administrator, a buyer, and an administrator who is no buyer.
			users := map[string]string{}
			for _, u := range []struct {
				login string
				buyer bool
				admin bool
			}{{"buyer-admin", true, true}, {"buyer", true, false}, {"boss", false, true}} {
				body := map[string]any{"tenant_id": customerID, "login": u.login, "contact": map[string]any{"email": u.login + "@buyer.example"}}
				if u.buyer {
					body["business_types"] = []string{"buyer"}
				}
				created := root.must("POST", "/users", nil, body, 200)
				id := created["id"].(string)
				users[id] = u.login
				if u.admin {
					zero := "00000000-0000-0000-0000-000000000000"
					root.must("PUT", "/users/"+id+"/access_policies", nil, map[string]any{"items": []map[string]any{{
						"id": zero, "issuer_id": zero, "role_id": "company_admin", "tenant_id": customerID, "trustee_id": id,
						"trustee_type": "user", "version": 0}}}, 200)
				}
			}

			report := func(v int) {
				t.Helper()
				out := root.must("PUT", "/tenants/usages", nil, map[string]any{"items": []map[string]any{
					{"tenant_id": customerID, "offering_item": item, "usage_value": v}}}, 200)
				items := out["items"].([]any)
				if len(items) != 1 {
					t.Fatalf("report of %d: %v", v, out)
				}
				if e, ok := items[0].(map[string]any)["error"]; ok {
					t.Fatalf("report of %d: %v", v, e)
				}
			}
			received := 0
			// expect reports v and checks that exactly the e-mails of a
			// crossing of kind ("" for none) arrive.
			expect := func(v int, kind string) {
				t.Helper()
				report(v)
				want := 0
				if kind != "" {
					want = 2
				}
				smtpd.Wait(t, received+want, 20*time.Second)
				time.Sleep(time.Second) // several outbox rounds: nothing more may come
				msgs := smtpd.Messages()
				if len(msgs) != received+want {
					t.Fatalf("usage %d: %d e-mails arrived, want %d", v, len(msgs)-received, want)
				}
				fresh := msgs[received:]
				received = len(msgs)
				sort.Slice(fresh, func(i, j int) bool { return fresh[i].To[0] < fresh[j].To[0] })
				for i, to := range []string{"buyer-admin@buyer.example", "buyer@buyer.example"}[:len(fresh)] {
					m := fresh[i]
					if len(m.To) != 1 || m.To[0] != to {
						t.Errorf("usage %d: e-mail %d to %v, want %s", v, i, m.To, to)
					}
					if want := kind + ": " + item; m.Subject != want {
						t.Errorf("usage %d: subject %q, want %q", v, m.Subject, want)
					}
					for _, s := range []string{"Buyer Co", item, fmt.Sprintf("is %d", v), "quota of 10"} {
						if !strings.Contains(m.Body, s) {
							t.Errorf("usage %d: the e-mail to %s lacks %q:\n%s", v, to, s, m.Body)
						}
					}
				}
				if len(fresh) == 2 {
					admin, buyer := strings.TrimSpace(fresh[0].Body), strings.TrimSpace(fresh[1].Body)
					if want := "Buy now: " + buyURL + "&origin=email_notification&user_quotas=physical_machines"; !strings.HasSuffix(admin, want) {
						t.Errorf("usage %d: the buyer administrator's e-mail does not end with %q:\n%s", v, want, admin)
					}
					if !strings.HasSuffix(buyer, "\nContact your sales representative.") || strings.Contains(buyer, "http") {
						t.Errorf("usage %d: the buyer's e-mail does not end with the sales prompt alone:\n%s", v, buyer)
					}
				}
			}
			expect(7, "")
			expect(8, "Quota almost reached")
			expect(8, "") // the same crossing reported again
			expect(11, "Quota exceeded")
			expect(11, "")
			expect(5, "") // under the threshold
			expect(9, "Quota almost reached")

			// The alerts tell the same.
			alerts := root.must("GET", "/alerts", url.Values{"tenant_id": {customerID}}, nil, 200)["items"].([]any)
			var got []string
			for _, a := range alerts {
				a := a.(map[string]any)
				p := a["prompt"].(map[string]any)
				got = append(got, fmt.Sprintf("%s %s %v %s %s %v", users[a["user_id"].(string)], a["type"], a["value"], p["kind"], p["text"], p["url"]))
			}
			adminURL := buyURL + "&origin=alert_on_physical_machines&user_quotas=physical_machines"
			want := []string{
				"buyer quota_almost_reached 8 contact_sales Contact your sales representative <nil>",
				"buyer-admin quota_almost_reached 8 buy_now Buy now " + adminURL,
				"buyer quota_exceeded 11 contact_sales Contact your sales representative <nil>",
				"buyer-admin quota_exceeded 11 buy_now Buy now " + adminURL,
				"buyer quota_almost_reached 9 contact_sales Contact your sales representative <nil>",
				"buyer-admin quota_almost_reached 9 buy_now Buy now " + adminURL,
			}
			// Alerts of one report share a time; sort within each report.
			for i := 0; i+1 < len(got); i += 2 {
				if got[i] > got[i+1] {
					got[i], got[i+1] = got[i+1], got[i]
				}
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("alerts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}

			// The usage reads back with its quota.
			usages := root.must("GET", "/tenants/"+customerID+"/usages", url.Values{"usage_names": {"workstations"}}, nil, 200)["items"].([]any)
			if len(usages) != 1 {
				t.Fatalf("usages = %v", usages)
			}
			u := usages[0].(map[string]any)
			if u["name"] != item || u["value"] != 9.0 || u["offering_item"].(map[string]any)["quota"].(map[string]any)["value"] != 10.0 {
				t.Errorf("usage = %v", u)
			}
		})
	}
}
