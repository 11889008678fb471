package httpapi_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

const regBody = `{"expires_in":3600,"scopes":["urn:acronis.com:tenant-id:{customerA}:backup_agent_admin"]}`

func TestRegistrationTokenInput(t *testing.T) {
	run(t, []scenario{
		{name: "created", method: "POST", path: "/api/2/tenants/{customerA}/registration_tokens", as: "root", body: regBody, status: 200,
			want: []string{`"tenant_uuid":"{customerA}"`, `"scopes":["urn:acronis.com:tenant-id:{customerA}:backup_agent_admin"]`}},
		{name: "scope without tenant", method: "POST", path: "/api/2/tenants/{customerA}/registration_tokens", as: "root",
			body: `{"expires_in":60,"scopes":["urn:acronis.com:tenant-id::cyber_frame_registrator"]}`, status: 200},
		{name: "deprecated create", method: "POST", path: "/api/2/registration_tokens", as: "cadmin",
			body: `{"expires_in":60,"scopes":["urn:acronis.com:tenant-id::backup_agent_admin"]}`, status: 201, want: []string{`"tenant_uuid":"{customerA}"`}},
		{name: "no expiry", method: "POST", path: "/api/2/tenants/{customerA}/registration_tokens", as: "root",
			body: `{"scopes":["urn:acronis.com:tenant-id::backup_agent_admin"]}`, status: 400, want: []string{"expires_in"}},
		{name: "expiry over a year", method: "POST", path: "/api/2/tenants/{customerA}/registration_tokens", as: "root",
			body: `{"expires_in":31536001,"scopes":["urn:acronis.com:tenant-id::backup_agent_admin"]}`, status: 400, want: []string{"expires_in"}},
		{name: "negative expiry", method: "POST", path: "/api/2/tenants/{customerA}/registration_tokens", as: "root",
			body: `{"expires_in":-5,"scopes":["urn:acronis.com:tenant-id::backup_agent_admin"]}`, status: 400},
		{name: "expiry not a number", method: "POST", path: "/api/2/tenants/{customerA}/registration_tokens", as: "root",
			body: `{"expires_in":"soon","scopes":["urn:acronis.com:tenant-id::backup_agent_admin"]}`, status: 400},
		{name: "no scopes", method: "POST", path: "/api/2/tenants/{customerA}/registration_tokens", as: "root",
			body: `{"expires_in":60}`, status: 400, want: []string{"scopes"}},
		{name: "empty scopes", method: "POST", path: "/api/2/tenants/{customerA}/registration_tokens", as: "root",
			body: `{"expires_in":60,"scopes":[]}`, status: 400},
		{name: "unknown role", method: "POST", path: "/api/2/tenants/{customerA}/registration_tokens", as: "root",
			body: `{"expires_in":60,"scopes":["urn:acronis.com:tenant-id::root_admin"]}`, status: 400},
		{name: "scope of a tenant outside", method: "POST", path: "/api/2/tenants/{customerA}/registration_tokens", as: "root",
			body: `{"expires_in":60,"scopes":["urn:acronis.com:tenant-id:{customerB}:backup_agent_admin"]}`, status: 400},
		{name: "scope of a child", method: "POST", path: "/api/2/tenants/{customerA}/registration_tokens", as: "root",
			body: `{"expires_in":60,"scopes":["urn:acronis.com:tenant-id:{unitA}:backup_agent_admin"]}`, status: 200},
		{name: "tenant_id in the v2 body", method: "POST", path: "/api/2/tenants/{customerA}/registration_tokens", as: "root",
			body: `{"tenant_id":"{customerA}","expires_in":60,"scopes":["urn:acronis.com:tenant-id::backup_agent_admin"]}`, status: 400},
		{name: "unknown field, strictly", method: "POST", path: "/api/2/tenants/{customerA}/registration_tokens?field_validation=strict", as: "root",
			body: `{"expires_in":60,"scopes":["urn:acronis.com:tenant-id::backup_agent_admin"],"colour":"red"}`, status: 400, want: []string{"colour"}},
		{name: "unknown field", method: "POST", path: "/api/2/tenants/{customerA}/registration_tokens", as: "root",
			body: `{"expires_in":60,"scopes":["urn:acronis.com:tenant-id::backup_agent_admin"],"colour":"red"}`, status: 200, warn: []string{"colour"}},
		{name: "unknown tenant", method: "POST", path: "/api/2/tenants/{unknown}/registration_tokens", as: "root", body: regBody, status: 404},
		{name: "malformed tenant", method: "POST", path: "/api/2/tenants/nope/registration_tokens", as: "root", body: regBody, status: 400},
		{name: "malformed token id", method: "DELETE", path: "/api/2/registration_tokens/abc", as: "root", status: 400},
		{name: "unknown token id", method: "DELETE", path: "/api/2/registration_tokens/99999", as: "root", status: 404},
		{name: "deprecated create with malformed tenant", method: "POST", path: "/api/2/registration_tokens", as: "root",
			body: `{"tenant_id":"x","expires_in":60,"scopes":["urn:acronis.com:tenant-id::backup_agent_admin"]}`, status: 400},
	})
}

var tokenForm = regexp.MustCompile(`^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$`)

func TestRegistrationTokenLifecycle(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			created := e.json("POST", "/api/2/tenants/{customerA}/registration_tokens", "cadmin", regBody, 200)
			token, _ := created["token"].(string)
			if !tokenForm.MatchString(token) {
				t.Fatalf("token %q is not of the form XXXX-XXXX-XXXX", token)
			}
			if tid, _ := created["tenant_id"].(string); tid == "" || strings.Trim(tid, "0123456789") != "" {
				t.Errorf("tenant_id %q is not a number", tid)
			}
			once := e.json("POST", "/api/2/tenants/{customerA}/registration_tokens", "cadmin",
				`{"expires_in":3600,"one_time":true,"scopes":["urn:acronis.com:tenant-id::backup_agent_admin"]}`, 200)["token"].(string)

			// Listings never show the secret part again.
			list := e.json("GET", "/api/2/tenants/{customerA}/registration_tokens", "padminA", "", 200)
			items := list["items"].([]any)
			if len(items) != 2 {
				t.Fatalf("listing holds %d tokens, want 2: %v", len(items), list)
			}
			first := items[0].(map[string]any)
			if first["token"] != token[:4]+"-XXXX-XXXX" || first["id"] != created["id"] {
				t.Errorf("listed token %v, want the first group of %s and the id %v", first, token, created["id"])
			}
			for _, it := range items {
				if strings.Contains(itoa(it), token[5:]) || strings.Contains(itoa(it), once[5:]) {
					t.Errorf("a listing shows a secret: %v", it)
				}
			}
			if n := len(e.json("GET", "/api/2/registration_tokens", "padminB", "", 200)["items"].([]any)); n != 0 {
				t.Errorf("another partner lists %d tokens of customerA", n)
			}
			if n := len(e.json("GET", "/api/2/registration_tokens", "root", "", 200)["items"].([]any)); n != 2 {
				t.Errorf("root lists %d tokens, want 2", n)
			}

			// An agent exchanges a token for an access token, as often as it
			// likes; a one-time token works once.
			exchange := func(tok string) (int, map[string]any) {
				return e.tokenRequest(url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {tok}}, "")
			}
			for i := 0; i < 2; i++ {
				status, out := exchange(strings.ToLower(token))
				if status != 200 || out["access_token"] == nil {
					t.Fatalf("exchange %d: %d %v", i, status, out)
				}
				if !strings.Contains(out["scope"].(string), "backup_agent_admin") {
					t.Errorf("agent token scope %v", out["scope"])
				}
				e.auth["agent"] = "Bearer " + out["access_token"].(string)
			}
			// The agent is no administrator.
			e.json("GET", "/api/2/tenants/{customerA}", "agent", "", 403)
			e.json("POST", "/api/2/tenants/{customerA}/registration_tokens", "agent", regBody, 403)
			if status, out := e.tokenRequest(url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"},
				"assertion": {strings.TrimPrefix(e.auth["agent"], "Bearer ")}}, ""); status != 400 {
				t.Errorf("exchanging an agent's token: %d %v", status, out)
			}
			if status, out := exchange(once); status != 200 {
				t.Fatalf("one-time exchange: %d %v", status, out)
			}
			if status, out := exchange(once); status != 401 || out["error"] != "invalid_grant" {
				t.Errorf("second use of a one-time token: %d %v", status, out)
			}
			if status, _ := exchange("AAAA-BBBB-CCCC"); status != 401 {
				t.Errorf("unknown token: %d", status)
			}

			// Deleted, a token no longer works; another partner may not
			// delete it.
			id := itoa(created["id"])
			if status, _ := e.do("DELETE", "/api/2/registration_tokens/"+id, "padminB", "", nil); status != 403 {
				t.Errorf("another partner deletes a token: %d", status)
			}
			if status, b := e.do("DELETE", "/api/2/registration_tokens/"+id, "cadmin", "", nil); status != 204 {
				t.Fatalf("delete: %d %s", status, b)
			}
			if status, _ := exchange(token); status != 401 {
				t.Errorf("deleted token: %d", status)
			}
			if status, _ := e.do("DELETE", "/api/2/registration_tokens/"+id, "cadmin", "", nil); status != 404 {
				t.Errorf("second delete: %d", status)
			}
		})
	}
}
