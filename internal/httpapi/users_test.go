package httpapi_test

import (
	"strings"
	"testing"
)

func TestUsers(t *testing.T) {
	zero := "00000000-0000-0000-0000-000000000000"
	run(t, []scenario{
		{name: "create", method: "POST", path: "/api/2/users", as: "padminA",
			body: `{"tenant_id":"{customerA}","login":"newbie","contact":{"email":"newbie@example.com","firstname":"New"},"business_types":["buyer"]}`, status: 200,
			want: []string{`"login":"newbie"`, `"version":1`, `"activated":false`, `"enabled":true`, `"business_types":["buyer"]`, `"tenant_id":"{customerA}"`, `"access_policies":[]`}},
		{name: "create with e-mail as login", method: "POST", path: "/api/2/users", as: "cadmin",
			body: `{"tenant_id":"{customerA}","contact":{"email":"Mail.Login@example.com"}}`, status: 200, want: []string{`"login":"Mail.Login@example.com"`}},
		{name: "create without e-mail", method: "POST", path: "/api/2/users", as: "root", body: `{"tenant_id":"{customerA}","login":"x"}`, status: 400},
		{name: "create with a bad e-mail", method: "POST", path: "/api/2/users", as: "root", body: `{"tenant_id":"{customerA}","contact":{"email":"nobody"}}`, status: 400},
		{name: "create with a taken login", method: "POST", path: "/api/2/users", as: "root",
			body: `{"tenant_id":"{customerB}","login":"CADMIN","contact":{"email":"x@example.com"}}`, status: 409, want: []string{`"code":"ObjectExists"`}},
		{name: "create with a long login", method: "POST", path: "/api/2/users", as: "root",
			body: `{"tenant_id":"{customerA}","login":"` + strings.Repeat("l", 300) + `","contact":{"email":"x@example.com"}}`, status: 400},
		{name: "create with a login with spaces", method: "POST", path: "/api/2/users", as: "root",
			body: `{"tenant_id":"{customerA}","login":"john doe","contact":{"email":"x@example.com"}}`, status: 400},
		{name: "create with a bad business type", method: "POST", path: "/api/2/users", as: "root",
			body: `{"tenant_id":"{customerA}","login":"x","contact":{"email":"x@example.com"},"business_types":["seller"]}`, status: 400},
		{name: "create with a bad notification", method: "POST", path: "/api/2/users", as: "root",
			body: `{"tenant_id":"{customerA}","login":"x","contact":{"email":"x@example.com"},"notifications":["gossip"]}`, status: 400},
		{name: "create with an unknown field, strictly", method: "POST", path: "/api/2/users?field_validation=strict", as: "root",
			body: `{"tenant_id":"{customerA}","login":"x","contact":{"email":"x@example.com"},"password":"p"}`, status: 400, want: []string{"password"}},
		{name: "create with fields sent back as read", method: "POST", path: "/api/2/users", as: "root",
			body:   `{"tenant_id":"{customerA}","login":"x","contact":{"email":"x@example.com","login":"x","phone":null,"firstname":null},"password":"p","external_id":null}`,
			status: 200, want: []string{`"login":"x"`}, warn: []string{"contact.login", "password"}},
		{name: "create in another partner", method: "POST", path: "/api/2/users", as: "padminA",
			body: `{"tenant_id":"{customerB}","login":"x","contact":{"email":"x@example.com"}}`, status: 403},
		{name: "create as read-only admin", method: "POST", path: "/api/2/users", as: "readonly",
			body: `{"tenant_id":"{customerA}","login":"x","contact":{"email":"x@example.com"}}`, status: 403},
		{name: "read", method: "GET", path: "/api/2/users/{user:cadmin}", as: "padminA", status: 200, want: []string{`"login":"cadmin"`}},
		{name: "read from another partner", method: "GET", path: "/api/2/users/{user:cadmin}", as: "padminB", status: 404},
		{name: "read itself as backup user", method: "GET", path: "/api/2/users/{user:backup}", as: "backup", status: 200},
		{name: "read another as backup user", method: "GET", path: "/api/2/users/{user:cadmin}", as: "backup", status: 403},
		{name: "make a buyer", method: "PUT", path: "/api/2/users/{user:cadmin}", as: "padminA", body: `{"business_types":["buyer"],"version":1}`, status: 200,
			want: []string{`"business_types":["buyer"]`, `"version":2`, `"terms_accepted":false`}},
		{name: "make a seller", method: "PUT", path: "/api/2/users/{user:cadmin}", as: "padminA", body: `{"business_types":["seller"],"version":1}`, status: 400},
		{name: "stale version", method: "PUT", path: "/api/2/users/{user:cadmin}", as: "padminA", body: `{"language":"de","version":7}`, status: 409,
			want: []string{`"code":"VersionConflict"`, `"version":1`}},
		{name: "missing version", method: "PUT", path: "/api/2/users/{user:cadmin}", as: "padminA", body: `{"language":"de"}`, status: 400},
		{name: "rename onto a taken login", method: "PUT", path: "/api/2/users/{user:cadmin}", as: "root", body: `{"login":"Readonly","version":1}`, status: 409},
		{name: "disable itself", method: "PUT", path: "/api/2/users/{user:cadmin}", as: "cadmin", body: `{"enabled":false,"version":1}`, status: 403},
		{name: "disable a colleague", method: "PUT", path: "/api/2/users/{user:backup}", as: "cadmin", body: `{"enabled":false,"version":1}`, status: 200,
			check: func(t *testing.T, e *env, _ map[string]any) {
				if status, _ := e.do("GET", "/api/2/users/me", "backup", "", nil); status != 401 {
					t.Errorf("a disabled user's token got %d, want 401", status)
				}
			}},
		{name: "GET-modify-PUT", method: "GET", path: "/api/2/users/{user:readonly}", as: "root", status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				got["language"] = "pt_BR"
				body, _ := marshal(got)
				out := e.json("PUT", "/api/2/users/{user:readonly}", "cadmin", body, 200)
				if out["language"] != "pt_BR" {
					t.Errorf("round trip language = %v", out["language"])
				}
			}},
		{name: "delete", method: "DELETE", path: "/api/2/users/{user:backup}?version=1", as: "cadmin", status: 204,
			check: func(t *testing.T, e *env, _ map[string]any) {
				e.json("GET", "/api/2/users/{user:backup}", "root", "", 404)
				e.json("GET", "/api/2/users/{user:backup}?allow_deleted=true", "root", "", 200)
				e.json("POST", "/api/2/users/{user:backup}/restore", "root", "", 204)
				e.json("GET", "/api/2/users/{user:backup}", "root", "", 200)
			}},
		{name: "delete itself", method: "DELETE", path: "/api/2/users/{user:cadmin}?version=1", as: "cadmin", status: 403},
		{name: "delete with a stale version", method: "DELETE", path: "/api/2/users/{user:backup}?version=3", as: "cadmin", status: 409},
		{name: "check a free login", method: "GET", path: "/api/2/users/check_login?username=fresh", as: "root", status: 204},
		{name: "check a taken login", method: "GET", path: "/api/2/users/check_login?username=CADMIN", as: "root", status: 409},
		{name: "check an empty login", method: "GET", path: "/api/2/users/check_login?username=", as: "root", status: 406},
		{name: "me", method: "GET", path: "/api/2/users/me", as: "cadmin", status: 200,
			want: []string{`"login":"cadmin"`, `"tenant_kind":"customer"`, `"tenant_pricing_model":"trial"`}},
		{name: "me as an API client", method: "GET", path: "/api/2/users/me", as: "partnerA", status: 200,
			want: []string{`"id":"{client:partnerA}"`, `"tenant_id":"{partnerA}"`, `"login":"{client:partnerA}"`, `"tenant_kind":"partner"`,
				`"contact":{"id":"{client:partnerA}"`, `"email":""`, `"access_policies":[]`}},
		{name: "batch by tenant", method: "GET", path: "/api/2/users?tenant_id={customerA}&with_access_policies=true", as: "padminA", status: 200,
			want: []string{`"login":"cadmin"`, `"role_id":"company_admin"`}, absent: []string{`"login":"padminA"`}},
		{name: "batch by subtree", method: "GET", path: "/api/2/users?subtree_root_tenant_id={partnerA}&lod=basic", as: "padminA", status: 200,
			want: []string{`"login":"uadmin"`, `"login":"padminA"`}, absent: []string{`"contact"`, `"login":"padminB"`}},
		{name: "batch without filter: the caller's subtree", method: "GET", path: "/api/2/users", as: "padminA", status: 200,
			want: []string{`"login":"padminA"`, `"login":"cadmin"`, `"login":"uadmin"`}, absent: []string{`"login":"padminB"`}},
		{name: "batch as backup user", method: "GET", path: "/api/2/users?tenant_id={customerA}", as: "backup", status: 403},
		{name: "tenant users", method: "GET", path: "/api/2/tenants/{customerA}/users", as: "root", status: 200,
			want: []string{"{user:cadmin}", "{user:readonly}", "{user:backup}"}, absent: []string{"{user:uadmin}"}},
		{name: "tenant users with units", method: "GET", path: "/api/2/tenants/{customerA}/users?include_grand_children=true", as: "root", status: 200,
			want: []string{"{user:uadmin}"}},
		{name: "roles", method: "GET", path: "/api/2/users/{user:cadmin}/access_policies", as: "padminA", status: 200,
			want: []string{`"role_id":"company_admin"`, `"trustee_id":"{user:cadmin}"`, `"trustee_type":"user"`}},
		{name: "set roles with zero ids", method: "PUT", path: "/api/2/users/{user:backup}/access_policies", as: "cadmin",
			body:   `{"items":[{"id":"` + zero + `","issuer_id":"` + zero + `","role_id":"backup_user","tenant_id":"{customerA}","trustee_id":"{user:backup}","trustee_type":"user","version":0},{"id":"` + zero + `","role_id":"readonly_admin","tenant_id":"{customerA}","trustee_id":"{user:backup}","trustee_type":"user","version":0}]}`,
			status: 200, want: []string{`"role_id":"backup_user"`, `"role_id":"readonly_admin"`}, absent: []string{`"id":"` + zero + `"`}},
		{name: "an unknown role", method: "PUT", path: "/api/2/users/{user:backup}/access_policies", as: "cadmin",
			body: `{"items":[{"role_id":"wizard","tenant_id":"{customerA}"}]}`, status: 400},
		{name: "a role on the wrong kind", method: "PUT", path: "/api/2/users/{user:backup}/access_policies", as: "cadmin",
			body: `{"items":[{"role_id":"partner_admin","tenant_id":"{customerA}"}]}`, status: 400},
		{name: "a role on another tenant", method: "PUT", path: "/api/2/users/{user:backup}/access_policies", as: "padminA",
			body: `{"items":[{"role_id":"unit_admin","tenant_id":"{unitA}"}]}`, status: 400},
		{name: "own roles", method: "PUT", path: "/api/2/users/{user:cadmin}/access_policies", as: "cadmin",
			body: `{"items":[{"role_id":"company_admin","tenant_id":"{customerA}"}]}`, status: 403},
		{name: "roles without items", method: "PUT", path: "/api/2/users/{user:backup}/access_policies", as: "cadmin", body: `{}`, status: 400},
		{name: "password", method: "POST", path: "/api/2/users/{user:backup}/password", as: "cadmin", body: `{"password":"a long password"}`, status: 204,
			check: func(t *testing.T, e *env, _ map[string]any) {
				e.auth["backup-basic"] = "Basic " + basic("backup", "a long password")
				e.json("GET", "/api/2/users/me", "backup-basic", "", 200)
				got := e.json("GET", "/api/2/users/{user:backup}", "root", "", 200)
				if got["activated"] != true || got["version"] != float64(2) {
					t.Errorf("after setting the password: activated %v version %v", got["activated"], got["version"])
				}
			}},
		{name: "a short password", method: "POST", path: "/api/2/users/{user:backup}/password", as: "cadmin", body: `{"password":"short"}`, status: 400},
		{name: "own password", method: "POST", path: "/api/2/users/{user:backup}/password", as: "backup", body: `{"password":"my own password"}`, status: 204},
		{name: "another partner's user's password", method: "POST", path: "/api/2/users/{user:backup}/password", as: "padminB", body: `{"password":"a long password"}`, status: 403},
		{name: "activation e-mail", method: "POST", path: "/api/2/users/{user:backup}/send-activation-email", as: "cadmin", status: 204},
		{name: "activation with a bad token", method: "POST", path: "/api/2/users/activate", body: `{"token":"nope","password":"a long password"}`, status: 401},
		{name: "activation page", method: "GET", path: "/api/2/users/activate?token=abc", status: 200},
		{name: "search users", method: "GET", path: "/api/2/search?tenant={partnerA}&text=admin", as: "padminA", status: 200,
			want: []string{`"obj_type":"user"`, `"login":"cadmin"`}, absent: []string{`"login":"padminB"`}},
		{name: "one-time token as a user", method: "POST", path: "/api/2/idp/ott", as: "padminA", body: `{"purpose":"user_login","login":"cadmin"}`, status: 403},
		{name: "one-time token for another partner's user", method: "POST", path: "/api/2/idp/ott", as: "partnerB", body: `{"purpose":"user_login","login":"cadmin"}`, status: 404},
		{name: "one-time token with a bad purpose", method: "POST", path: "/api/2/idp/ott", as: "root", body: `{"purpose":"spy","login":"cadmin"}`, status: 400},
		{name: "one-time login with a bad token", method: "POST", path: "/api/2/idp/ott/login", body: `{"ott":"nope"}`, status: 401},
		{name: "suspended tenant's user", method: "GET", path: "/api/2/users/me", as: "suspendedUser", status: 401},
	})
}
