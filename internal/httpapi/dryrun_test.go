package httpapi_test

import (
	"sync"
	"testing"
)

// unchanged remembers the store of each env before a scenario, for the
// scenarios whose success must change nothing.
var unchanged sync.Map // *env → string

func rememberStore(e *env) { unchanged.Store(e, e.snapshot()) }

func wantStoreUnchanged(t *testing.T, e *env) {
	t.Helper()
	before, _ := unchanged.Load(e)
	if after := e.snapshot(); after != before {
		t.Errorf("a dry run changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func wantNumbers(t *testing.T, body map[string]any, want map[string]float64) {
	t.Helper()
	for k, v := range want {
		if body[k] != v {
			t.Errorf("%s = %v, want %v (body %v)", k, body[k], v, body)
		}
	}
}

// TestDryRun covers dry_run=true on PUT and DELETE /tenants/{id}: the blast
// radius of a suspension, a move and a deletion, nothing changed, and the
// same refusals as the change itself.
func TestDryRun(t *testing.T) {
	run(t, []scenario{
		{name: "suspend a partner", setup: rememberStore, method: "PUT", path: "/api/2/tenants/{partnerA}?dry_run=true", as: "root",
			body: `{"enabled": false, "version": 1}`, status: 200,
			want: []string{`"dry_run":true`, `"operation":"suspend"`, `"tenant_id":"{partnerA}"`, `"move":null`, `"retention":null`},
			check: func(t *testing.T, e *env, body map[string]any) {
				wantStoreUnchanged(t, e)
				// partnerA, customerA, unitA; padminA, cadmin, readonly,
				// backup, uadmin; the clients of partnerA and customerA
				// (the deleted one does not count).
				tenants, _ := body["tenants"].(map[string]any)
				if tenants["total"] != 3.0 {
					t.Errorf("tenants = %v", tenants)
				}
				if kinds, _ := tenants["by_kind"].(map[string]any); kinds["partner"] != 1.0 || kinds["customer"] != 1.0 || kinds["unit"] != 1.0 {
					t.Errorf("by_kind = %v", tenants["by_kind"])
				}
				wantNumbers(t, body, map[string]float64{"users": 5, "api_clients": 2})
			}},
		{name: "suspend an already suspended partner", setup: rememberStore, method: "PUT", path: "/api/2/tenants/{partnerS}?dry_run=true", as: "root",
			body: `{"enabled": false, "version": 2}`, status: 200,
			want:  []string{`"operation":"suspend"`, `"tenants":{"total":0,"by_kind":{}}`, `"users":0`, `"services":[]`},
			check: func(t *testing.T, e *env, _ map[string]any) { wantStoreUnchanged(t, e) }},
		{name: "move a customer", setup: rememberStore, method: "PUT", path: "/api/2/tenants/{customerA}?dry_run=1", as: "root",
			body: `{"parent_id": "{partnerB}", "version": "1"}`, status: 200,
			want: []string{`"operation":"move"`, `"from_parent_id":"{partnerA}"`, `"to_parent_id":"{partnerB}"`, `"unavailable_services":[]`},
			check: func(t *testing.T, e *env, body map[string]any) {
				wantStoreUnchanged(t, e)
				wantNumbers(t, body, map[string]float64{"users": 4, "api_clients": 1})
			}},
		{name: "suspend and move", method: "PUT", path: "/api/2/tenants/{customerA}?dry_run=true", as: "partnerA",
			body: `{"parent_id": "{partnerB}", "enabled": false, "version": 1}`, status: 400},
		{name: "delete a suspended partner", setup: rememberStore, method: "DELETE", path: "/api/2/tenants/{partnerS}?version=2&dry_run=true", as: "root", status: 200,
			want: []string{`"operation":"delete"`, `"period_seconds":2592000`, `"restorable_until":"`, `"move":null`},
			check: func(t *testing.T, e *env, body map[string]any) {
				wantStoreUnchanged(t, e)
				wantNumbers(t, body, map[string]float64{"users": 1, "api_clients": 1})
				if status, _ := e.do("GET", "/api/2/tenants/{customerS}", "root", "", nil); status != 200 {
					t.Errorf("the dry run deleted customerS: GET %d", status)
				}
			}},
		{name: "dry_run=false deletes", method: "DELETE", path: "/api/2/tenants/{partnerS}?version=2&dry_run=false", as: "root", status: 204},

		// Refused as the change itself is refused.
		{name: "delete an enabled tenant", method: "DELETE", path: "/api/2/tenants/{partnerA}?version=1&dry_run=true", as: "root", status: 400, want: []string{`"code":"1006"`}},
		{name: "stale version", method: "PUT", path: "/api/2/tenants/{partnerA}?dry_run=true", as: "root", body: `{"enabled": false, "version": 7}`, status: 409, want: []string{"VersionConflict"}},
		{name: "stale version on delete", method: "DELETE", path: "/api/2/tenants/{partnerS}?version=1&dry_run=true", as: "root", status: 409},
		{name: "suspend itself", method: "PUT", path: "/api/2/tenants/{partnerA}?dry_run=true", as: "partnerA", body: `{"enabled": false, "version": 1}`, status: 403},
		{name: "someone else's tenant", method: "PUT", path: "/api/2/tenants/{partnerA}?dry_run=true", as: "partnerB", body: `{"enabled": false, "version": 1}`, status: 403},
		{name: "someone else's deletion", method: "DELETE", path: "/api/2/tenants/{partnerS}?version=2&dry_run=true", as: "partnerB", status: 403},
		{name: "unknown tenant", method: "DELETE", path: "/api/2/tenants/{unknown}?version=1&dry_run=true", as: "root", status: 404},
		{name: "malformed id", method: "PUT", path: "/api/2/tenants/nope?dry_run=true", as: "root", body: `{"enabled": false, "version": 1}`, status: 400},
		{name: "move into its own subtree", method: "PUT", path: "/api/2/tenants/{partnerA}?dry_run=true", as: "root", body: `{"parent_id": "{customerA}", "version": 1}`, status: 400},
		{name: "a rename is no structural change", method: "PUT", path: "/api/2/tenants/{partnerA}?dry_run=true", as: "root", body: `{"name": "other", "version": 1}`, status: 400, want: []string{"dry_run"}},
		{name: "malformed dry_run", method: "PUT", path: "/api/2/tenants/{partnerA}?dry_run=perhaps", as: "root", body: `{"enabled": false, "version": 1}`, status: 400},
		{name: "malformed dry_run on delete", method: "DELETE", path: "/api/2/tenants/{partnerS}?version=2&dry_run=perhaps", as: "root", status: 400},
		{name: "malformed body", method: "PUT", path: "/api/2/tenants/{partnerA}?dry_run=true", as: "root", body: `{"enabled": "sometimes", "version": 1}`, status: 400},
		{name: "suspended caller", method: "DELETE", path: "/api/2/tenants/{customerS}?version=1&dry_run=true", as: "suspended", status: 401},
		{name: "no credentials", method: "PUT", path: "/api/2/tenants/{partnerA}?dry_run=true", body: `{"enabled": false, "version": 1}`, status: 401},
	})
}
