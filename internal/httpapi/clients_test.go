package httpapi_test

import (
	"testing"
)

func TestClients(t *testing.T) {
	run(t, []scenario{
		{name: "create", method: "POST", path: "/api/2/clients", as: "partnerA",
			body: `{"type":"api_client","tenant_id":"{customerA}","token_endpoint_auth_method":"client_secret_basic","data":{"client_name":"ci"}}`, status: 201,
			want: []string{`"tenant_id":"{customerA}"`, `"client_secret":"`, `"status":"enabled"`, `"data":{"client_name":"ci"}`, `"client_secret_expires_at":0`},
			check: func(t *testing.T, e *env, got map[string]any) {
				id, secret := got["client_id"].(string), got["client_secret"].(string)
				e.auth["new"] = "Basic " + basic(id, secret)
				e.json("GET", "/api/2/tenants/{unitA}", "new", "", 200)
				// partnerA is an ancestor: readable, in the ancestor view only.
				if anc := e.json("GET", "/api/2/tenants/{partnerA}", "new", "", 200); anc["contact"].(map[string]any)["email"] != "" {
					t.Errorf("an ancestor shows its contact: %v", anc)
				}
				e.json("GET", "/api/2/tenants/{partnerB}", "new", "", 404)
				fetched := e.json("GET", "/api/2/clients/"+id, "partnerA", "", 200)
				if _, ok := fetched["client_secret"]; ok {
					t.Errorf("a fetched client shows its secret")
				}
			}},
		{name: "create in another partner", method: "POST", path: "/api/2/clients", as: "partnerA",
			body: `{"type":"api_client","tenant_id":"{partnerB}","token_endpoint_auth_method":"client_secret_basic"}`, status: 403},
		{name: "create in an unknown tenant", method: "POST", path: "/api/2/clients", as: "root",
			body: `{"type":"api_client","tenant_id":"{unknown}","token_endpoint_auth_method":"client_secret_basic"}`, status: 404},
		{name: "create with a bad type", method: "POST", path: "/api/2/clients", as: "root",
			body: `{"type":"robot","tenant_id":"{partnerA}","token_endpoint_auth_method":"client_secret_basic"}`, status: 400},
		{name: "create with a bad auth method", method: "POST", path: "/api/2/clients", as: "root",
			body: `{"type":"api_client","tenant_id":"{partnerA}","token_endpoint_auth_method":"magic"}`, status: 400},
		{name: "create without tenant", method: "POST", path: "/api/2/clients", as: "root",
			body: `{"type":"api_client","token_endpoint_auth_method":"client_secret_basic"}`, status: 400},
		{name: "create with an unknown field, strictly", method: "POST", path: "/api/2/clients?field_validation=strict", as: "root",
			body: `{"type":"api_client","tenant_id":"{partnerA}","token_endpoint_auth_method":"client_secret_basic","client_secret":"mine"}`, status: 400,
			want: []string{"client_secret"}},
		{name: "create with an unknown field", method: "POST", path: "/api/2/clients", as: "root",
			body: `{"type":"api_client","tenant_id":"{partnerA}","token_endpoint_auth_method":"client_secret_basic","client_secret":"mine"}`, status: 201,
			absent: []string{`"client_secret":"mine"`}, warn: []string{"client_secret"}},
		{name: "create with data that is not an object", method: "POST", path: "/api/2/clients", as: "root",
			body: `{"type":"api_client","tenant_id":"{partnerA}","token_endpoint_auth_method":"client_secret_basic","data":[1]}`, status: 400},
		{name: "read own", method: "GET", path: "/api/2/clients/{client:partnerA}", as: "partnerA", status: 200,
			want: []string{`"client_id":"{client:partnerA}"`, `"tenant_id":"{partnerA}"`, `"type":"api_client"`}, absent: []string{"client_secret\""}},
		{name: "read another partner's", method: "GET", path: "/api/2/clients/{client:partnerB}", as: "partnerA", status: 404},
		{name: "read a deleted one", method: "GET", path: "/api/2/clients/{client:deleted}", as: "root", status: 404},
		{name: "read malformed", method: "GET", path: "/api/2/clients/123", as: "root", status: 400},
		{name: "list by ids", method: "GET", path: "/api/2/clients?uuids={client:partnerA},{client:partnerB}", as: "partnerA", status: 200,
			want: []string{"{client:partnerA}"}, absent: []string{"{client:partnerB}"}},
		{name: "list with deleted", method: "GET", path: "/api/2/clients?allow_deleted=true", as: "partnerA", status: 200, want: []string{"{client:deleted}"}},
		{name: "list without deleted", method: "GET", path: "/api/2/clients", as: "partnerA", status: 200, absent: []string{"{client:deleted}"}},
		{name: "disable", method: "PUT", path: "/api/2/clients/{client:customerA}", as: "partnerA", body: `{"status":"disabled"}`, status: 200,
			want: []string{`"status":"disabled"`},
			check: func(t *testing.T, e *env, _ map[string]any) {
				if status, _ := e.do("GET", "/api/2/tenants/{customerA}", "customerA", "", nil); status != 401 {
					t.Errorf("a disabled client's token got %d, want 401", status)
				}
			}},
		{name: "round trip", method: "GET", path: "/api/2/clients/{client:customerA}", as: "root", status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				got["data"] = map[string]any{"client_name": "renamed"}
				body, _ := marshal(got)
				out := e.json("PUT", "/api/2/clients/{client:customerA}", "root", body, 200)
				if out["data"].(map[string]any)["client_name"] != "renamed" {
					t.Errorf("round trip did not change data: %v", out["data"])
				}
			}},
		{name: "update with a bad status", method: "PUT", path: "/api/2/clients/{client:customerA}", as: "root", body: `{"status":"asleep"}`, status: 400},
		{name: "update with an unknown field, strictly", method: "PUT", path: "/api/2/clients/{client:customerA}?field_validation=strict", as: "root", body: `{"secret":"x"}`, status: 400},
		{name: "update with an unknown field", method: "PUT", path: "/api/2/clients/{client:customerA}", as: "root", body: `{"secret":"x","status":"disabled"}`, status: 200,
			want: []string{`"status":"disabled"`}, warn: []string{"secret"}},
		{name: "update with a bad field validation", method: "PUT", path: "/api/2/clients/{client:customerA}?field_validation=lax", as: "root", body: `{"status":"disabled"}`, status: 400,
			want: []string{"field_validation"}},
		{name: "update another partner's", method: "PUT", path: "/api/2/clients/{client:partnerB}", as: "partnerA", body: `{"status":"disabled"}`, status: 403},
		{name: "delete", method: "DELETE", path: "/api/2/clients/{client:customerA}", as: "partnerA", status: 204,
			check: func(t *testing.T, e *env, _ map[string]any) {
				if status, _ := e.do("GET", "/api/2/tenants/{customerA}", "customerA", "", nil); status != 401 {
					t.Errorf("a deleted client's token got %d, want 401", status)
				}
			}},
		{name: "delete another partner's", method: "DELETE", path: "/api/2/clients/{client:partnerB}", as: "partnerA", status: 403},
		{name: "delete unknown", method: "DELETE", path: "/api/2/clients/{unknown}", as: "root", status: 404},
		{name: "suspended tenant's client", method: "GET", path: "/api/2/clients/{client:suspended}", as: "suspended", status: 401},
	})
}
