package httpapi_test

import (
	"strings"
	"testing"
)

func TestCheckPassword(t *testing.T) {
	run(t, []scenario{
		{name: "compromised", method: "POST", path: "/api/2/users/check_password",
			body: `{"password":"5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8"}`, status: 200, want: []string{`"compromised":true`}},
		{name: "not compromised", method: "POST", path: "/api/2/users/check_password",
			body: `{"password":"0000000000000000000000000000000000000000"}`, status: 200, want: []string{`"compromised":false`}},
		{name: "plain password", method: "POST", path: "/api/2/users/check_password", body: `{"password":"password"}`, status: 400,
			want: []string{"SHA-1"}},
		{name: "no password", method: "POST", path: "/api/2/users/check_password", body: `{}`, status: 400},
		{name: "null password", method: "POST", path: "/api/2/users/check_password", body: `{"password":null}`, status: 400},
		{name: "number", method: "POST", path: "/api/2/users/check_password", body: `{"password":5}`, status: 400},
		{name: "unknown field, strictly", method: "POST", path: "/api/2/users/check_password?field_validation=strict",
			body: `{"password":"5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8","x":1}`, status: 400},
		{name: "unknown field", method: "POST", path: "/api/2/users/check_password",
			body: `{"password":"5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8","x":1}`, status: 200, want: []string{`"compromised":true`}, warn: []string{"x"}},
		{name: "not JSON", method: "POST", path: "/api/2/users/check_password", body: `password=x`, status: 400},
	})
}

func TestForgotLink(t *testing.T) {
	run(t, []scenario{
		{name: "disabled", method: "GET", path: "/api/2/accounts/forgot_link?login=cadmin", status: 404, want: []string{"Endpoint is disabled"}},
		{name: "unknown login too", method: "GET", path: "/api/2/accounts/forgot_link?login=nobody", status: 404, want: []string{"Endpoint is disabled"}},
		{name: "no login", method: "GET", path: "/api/2/accounts/forgot_link", status: 400},
	})
}

func TestExternalLogin(t *testing.T) {
	run(t, []scenario{
		{name: "page", method: "GET", path: "/api/2/idp/external-login?ott=abc&targetURI=/api/2/users/me", status: 200,
			want: []string{"/api/2/idp/ott/login", `"abc"`, `"/api/2/users/me"`, "X-Acronis-API"}},
		{name: "another origin is no target", method: "GET", path: "/api/2/idp/external-login?ott=abc&targetURI=https://evil.example/", status: 200,
			absent: []string{"evil.example"}},
		{name: "protocol-relative is no target", method: "GET", path: "/api/2/idp/external-login?ott=abc&targetURI=//evil.example/", status: 200,
			absent: []string{"evil.example"}},
		{name: "script in the token is escaped", method: "GET", path: "/api/2/idp/external-login?ott=%3C/script%3E%3Cscript%3Ealert(1)%3C/script%3E", status: 200,
			absent: []string{"<script>alert(1)"}},
	})
}

func TestExternalLoginSignsIn(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			ott := e.json("POST", "/api/2/idp/ott", "root", `{"purpose":"user_login","user_id":"{user:cadmin}"}`, 200)["ott"].(string)
			status, ct, body := e.doFull("GET", "/api/2/idp/external-login?ott="+ott+"&targetURI=/", "", "", nil)
			if status != 200 || !strings.HasPrefix(ct, "text/html") || !strings.Contains(string(body), ott) {
				t.Fatalf("page: %d %s %s", status, ct, body)
			}
			// The page's script sends what this request sends.
			status, b := e.do("POST", "/api/2/idp/ott/login", "", `{"ott":"`+ott+`"}`, map[string]string{"X-Acronis-API": "1"})
			if status != 200 || !strings.Contains(string(b), e.ids["user:cadmin"]) {
				t.Errorf("ott login: %d %s", status, b)
			}
		})
	}
}

func TestDefaultIDP(t *testing.T) {
	const idp = "11111111-2222-3333-4444-555555555555"
	run(t, []scenario{
		{name: "own tenant only", setup: func(e *env) { tenantVersion(e, "customerA") }, method: "PUT", path: "/api/2/tenants/{customerA}/default_idp",
			as: "cadmin", body: `{"version":{customerA.version},"idp_id":"` + idp + `","apply_to_children":false}`, status: 200,
			want: []string{`"default_idp_id":"` + idp + `"`},
			check: func(t *testing.T, e *env, body map[string]any) {
				if got := e.json("GET", "/api/2/tenants/{unitA}", "root", "", 200)["default_idp_id"]; got == idp {
					t.Errorf("the child got the idp without apply_to_children")
				}
			}},
		{name: "with children", setup: func(e *env) { tenantVersion(e, "partnerA") }, method: "PUT", path: "/api/2/tenants/{partnerA}/default_idp",
			as: "root", body: `{"version":{partnerA.version},"idp_id":"` + idp + `","apply_to_children":"true"}`, status: 200,
			check: func(t *testing.T, e *env, body map[string]any) {
				for _, name := range []string{"customerA", "unitA"} {
					if got := e.json("GET", "/api/2/tenants/{"+name+"}", "root", "", 200)["default_idp_id"]; got != idp {
						t.Errorf("%s default_idp_id = %v, want %s", name, got, idp)
					}
				}
				if got := e.json("GET", "/api/2/tenants/{partnerB}", "root", "", 200)["default_idp_id"]; got == idp {
					t.Errorf("a tenant outside the subtree got the idp")
				}
			}},
		{name: "stale version", method: "PUT", path: "/api/2/tenants/{customerA}/default_idp", as: "root",
			body: `{"version":999,"idp_id":"` + idp + `","apply_to_children":false}`, status: 409, want: []string{"VersionConflict"}},
		{name: "no version", method: "PUT", path: "/api/2/tenants/{customerA}/default_idp", as: "root",
			body: `{"idp_id":"` + idp + `","apply_to_children":false}`, status: 400},
		{name: "no idp", method: "PUT", path: "/api/2/tenants/{customerA}/default_idp", as: "root",
			body: `{"version":1,"apply_to_children":false}`, status: 400},
		{name: "malformed idp", method: "PUT", path: "/api/2/tenants/{customerA}/default_idp", as: "root",
			body: `{"version":1,"idp_id":"nope","apply_to_children":false}`, status: 400},
		{name: "no apply_to_children", method: "PUT", path: "/api/2/tenants/{customerA}/default_idp", as: "root",
			body: `{"version":1,"idp_id":"` + idp + `"}`, status: 400},
		{name: "unknown tenant", method: "PUT", path: "/api/2/tenants/{unknown}/default_idp", as: "root",
			body: `{"version":1,"idp_id":"` + idp + `","apply_to_children":false}`, status: 404},
		{name: "another partner", method: "PUT", path: "/api/2/tenants/{customerA}/default_idp", as: "padminB",
			body: `{"version":1,"idp_id":"` + idp + `","apply_to_children":false}`, status: 403},
	})
}

// tenantVersion records the version of tenant name as {name.version}.
func tenantVersion(e *env, name string) {
	e.t.Helper()
	e.ids[name+".version"] = itoa(e.json("GET", "/api/2/tenants/{"+name+"}", "root", "", 200)["version"])
}
