package main_test

import (
	"net/url"
	"strconv"
	"testing"
)

// TestSuspendReactivateTerminate runs the documented procedure "Suspending,
// reactivating and terminating a partner or customer" step by step against
// the real tenantd binary, on each store.
func TestSuspendReactivateTerminate(t *testing.T) {
	for name, store := range storeArgs(t) {
		t.Run(name, func(t *testing.T) {
			creds := bootstrap(t, store)
			srv := serve(t, store)
			baseURL := srv.baseURL
			auth := "Bearer " + token(t, baseURL, creds.ClientID, creds.ClientSecret)
			api := &client{t: t, baseURL: baseURL, auth: auth}

			// A partner and a customer created via the API, and an API
			// client that works inside the customer.
			partner := api.must("POST", "/tenants", nil, map[string]any{"name": "Partner " + name, "parent_id": creds.TenantID, "kind": "partner"}, 201)
			customer := api.must("POST", "/tenants", nil, map[string]any{"name": "Customer", "parent_id": partner["id"], "kind": "customer"}, 201)
			cc := api.must("POST", "/clients", nil, map[string]any{"type": "api_client", "tenant_id": customer["id"],
				"token_endpoint_auth_method": "client_secret_basic"}, 201)
			inside := &client{t: t, baseURL: baseURL, auth: "Bearer " + token(t, baseURL, cc["client_id"].(string), cc["client_secret"].(string))}
			inside.must("GET", "/tenants/"+customer["id"].(string), nil, nil, 200)

			for _, created := range []map[string]any{customer, partner} {
				tenantID := created["id"].(string)

				// Suspending: fetch the tenant, take its version, PUT
				// enabled=false with that version.
				tenant := api.must("GET", "/tenants/"+tenantID, nil, nil, 200)
				tenantVersion := tenant["version"]
				tenantUpdate := map[string]any{"enabled": false, "version": tenantVersion}
				if status, body := api.call("PUT", "/tenants/"+tenantID, nil, tenantUpdate); status != 200 {
					t.Fatalf("suspend: status %d, want 200: %v", status, body)
				}
				if status, _ := inside.call("GET", "/tenants/"+customer["id"].(string), nil, nil); status != 401 {
					t.Errorf("a client of the suspended subtree got %d, want 401", status)
				}

				// Reactivating: the same with enabled=true.
				tenant = api.must("GET", "/tenants/"+tenantID, nil, nil, 200)
				tenantVersion = tenant["version"]
				tenantUpdate = map[string]any{"enabled": true, "version": tenantVersion}
				if status, body := api.call("PUT", "/tenants/"+tenantID, nil, tenantUpdate); status != 200 {
					t.Fatalf("reactivate: status %d, want 200: %v", status, body)
				}
				if got := api.must("GET", "/tenants/"+tenantID, nil, nil, 200); got["enabled"] != true {
					t.Errorf("reactivated tenant enabled = %v", got["enabled"])
				}
				inside.must("GET", "/tenants/"+customer["id"].(string), nil, nil, 200)
			}

			// Terminating the partner: disable, fetch the version, DELETE
			// with the version parameter.
			tenantID := partner["id"].(string)
			tenant := api.must("GET", "/tenants/"+tenantID, nil, nil, 200)
			if status, body := api.call("DELETE", "/tenants/"+tenantID, url.Values{"version": {fmtVersion(tenant["version"])}}, nil); status != 400 ||
				body["error"].(map[string]any)["code"] != "1006" {
				t.Errorf("deleting an enabled tenant: %d %v, want 400 with code 1006", status, body)
			}
			tenantUpdate := map[string]any{"enabled": false, "version": tenant["version"]}
			api.must("PUT", "/tenants/"+tenantID, nil, tenantUpdate, 200)
			tenant = api.must("GET", "/tenants/"+tenantID, nil, nil, 200)
			tenantVersion := tenant["version"]
			params := url.Values{"version": {fmtVersion(tenantVersion)}}
			if status, body := api.call("DELETE", "/tenants/"+tenantID, params, nil); status != 204 {
				t.Fatalf("terminate: status %d, want 204: %v", status, body)
			}
			api.must("GET", "/tenants/"+tenantID, nil, nil, 404)
			api.must("GET", "/tenants/"+customer["id"].(string), nil, nil, 404)
			if got := api.must("GET", "/tenants/"+customer["id"].(string), url.Values{"allow_deleted": {"true"}}, nil, 200); got["deleted_at"] == nil {
				t.Errorf("terminated customer has no deleted_at")
			}
			if status, _ := inside.call("GET", "/tenants/"+customer["id"].(string), nil, nil); status != 401 {
				t.Errorf("a client of the terminated subtree got %d, want 401", status)
			}
			srv.stop(t)
		})
	}
}

func fmtVersion(v any) string {
	f, _ := v.(float64)
	return strconv.FormatInt(int64(f), 10)
}
