package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// tokenRequest posts a form to the token endpoint with optional Basic
// credentials and returns the status and the decoded answer.
func (e *env) tokenRequest(form url.Values, basicAuth string) (int, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.srv.URL+"/api/2/idp/token", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicAuth != "" {
		req.Header.Set("Authorization", "Basic "+basicAuth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		e.t.Fatalf("token answer is not JSON: %s", b)
	}
	return resp.StatusCode, out
}

// clientToken obtains a token for the named client over HTTP.
func (e *env) clientToken(name string) string {
	e.t.Helper()
	status, out := e.tokenRequest(url.Values{"grant_type": {"client_credentials"}}, basic(e.ids["client:"+name], e.secret[name]))
	if status != 200 {
		e.t.Fatalf("token for %s: %d %v", name, status, out)
	}
	return out["access_token"].(string)
}

func TestToken(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			id, secret := e.ids["client:partnerA"], e.secret["partnerA"]

			status, out := e.tokenRequest(url.Values{"grant_type": {"client_credentials"}}, basic(id, secret))
			if status != 200 {
				t.Fatalf("client_credentials with Basic: %d %v", status, out)
			}
			for _, f := range []string{"access_token", "token_type", "id_token", "expires_in", "expires_on"} {
				if _, ok := out[f]; !ok {
					t.Errorf("token answer lacks %s: %v", f, out)
				}
			}
			if out["expires_in"] != float64(7200) || out["token_type"] != "bearer" {
				t.Errorf("expires_in %v token_type %v", out["expires_in"], out["token_type"])
			}
			e.auth["fresh"] = "Bearer " + out["access_token"].(string)
			e.json("GET", "/api/2/tenants/{customerA}", "fresh", "", 200)
			e.json("GET", "/api/2/tenants/{partnerB}", "fresh", "", 404)

			// RFC 6749 2.3.1: the Basic parts are form-urlencoded.
			if status, out := e.tokenRequest(url.Values{"grant_type": {"client_credentials"}}, b64(url.QueryEscape(id)+":"+url.QueryEscape(secret))); status != 200 {
				t.Errorf("form-urlencoded Basic parts: %d %v", status, out)
			}
			if status, out := e.tokenRequest(url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}, ""); status != 200 {
				t.Errorf("client_credentials with form fields: %d %v", status, out)
			}
			for _, tc := range []struct {
				name   string
				form   url.Values
				basic  string
				status int
				err    string
			}{
				{"wrong secret", url.Values{"grant_type": {"client_credentials"}}, basic(id, "wrong"), 401, "invalid_client"},
				{"unknown client", url.Values{"grant_type": {"client_credentials"}}, basic(e.ids["unknown"], secret), 401, "invalid_client"},
				{"no credentials", url.Values{"grant_type": {"client_credentials"}}, "", 401, "invalid_client"},
				{"suspended tenant's client", url.Values{"grant_type": {"client_credentials"}}, basic(e.ids["client:suspended"], e.secret["suspended"]), 401, "invalid_client"},
				{"deleted client", url.Values{"grant_type": {"client_credentials"}}, basic(e.ids["client:deleted"], e.secret["deleted"]), 401, "invalid_client"},
				{"no grant type", url.Values{}, basic(id, secret), 400, "invalid_request"},
				{"unsupported grant type", url.Values{"grant_type": {"authorization_code"}}, basic(id, secret), 400, "unsupported_grant_type"},
				{"credentials twice", url.Values{"grant_type": {"client_credentials"}, "client_secret": {secret}}, basic(id, secret), 400, "invalid_request"},
				{"malformed Basic", url.Values{"grant_type": {"client_credentials"}}, "%%%", 401, "invalid_client"},
				{"scope outside the subtree", url.Values{"grant_type": {"client_credentials"}, "scope": {"urn:acronis.com:tenant-id:" + e.ids["partnerB"]}}, basic(id, secret), 403, "access_denied"},
			} {
				status, out := e.tokenRequest(tc.form, tc.basic)
				if status != tc.status || out["error"] != tc.err || out["error_description"] == nil {
					t.Errorf("%s: %d %v, want %d %s", tc.name, status, out, tc.status, tc.err)
				}
			}

			// A JSON body is not a token request.
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/2/idp/token", strings.NewReader(`{"grant_type":"client_credentials"}`))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 400 {
				t.Errorf("JSON token request: %d, want 400", resp.StatusCode)
			}
		})
	}
}

func TestTokenNarrowedToTenant(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			scope := "urn:acronis.com:tenant-id:" + e.ids["customerA"]
			status, out := e.tokenRequest(url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"},
				"assertion": {e.clientToken("partnerA")}, "scope": {scope}}, "")
			if status != 200 {
				t.Fatalf("jwt-bearer exchange: %d %v", status, out)
			}
			e.auth["narrow"] = "Bearer " + out["access_token"].(string)
			e.json("GET", "/api/2/tenants/{unitA}", "narrow", "", 200)
			// Above the narrowed tenant only the ancestor view is readable.
			if anc := e.json("GET", "/api/2/tenants/{partnerA}", "narrow", "", 200); anc["contact"].(map[string]any)["email"] != "" {
				t.Errorf("an ancestor shows its contact to a narrowed token: %v", anc)
			}
			e.json("GET", "/api/2/tenants/{partnerB}", "narrow", "", 404)
			status, out = e.tokenRequest(url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"},
				"assertion": {"forged.token.here"}, "scope": {scope}}, "")
			if status != 401 || out["error"] != "invalid_grant" {
				t.Errorf("jwt-bearer with a bad assertion: %d %v", status, out)
			}
		})
	}
}

func TestRevokeAndIntrospect(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			tok := e.clientToken("partnerA")
			e.auth["fresh"] = "Bearer " + tok
			introspect := e.introspect
			if got := introspect("root", tok); got["active"] != true || got["sub"] != e.ids["client:partnerA"] || got["owner_tuid"] != e.ids["partnerA"] {
				t.Errorf("root introspects a partner's token: %v", got)
			}
			if got := introspect("partnerB", tok); got["active"] != false {
				t.Errorf("another partner introspects the token: %v, want inactive", got)
			}
			if got := introspect("root", "forged"); got["active"] != false || len(got) != 1 {
				t.Errorf("introspect garbage: %v, want only active=false", got)
			}

			revoke := func(token string) int {
				resp, err := http.Post(e.srv.URL+"/api/2/idp/revoke_token", "application/x-www-form-urlencoded", strings.NewReader(url.Values{"token": {token}}.Encode()))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			e.json("GET", "/api/2/tenants/{partnerA}", "fresh", "", 200)
			if s := revoke(tok); s != 200 {
				t.Fatalf("revoke: %d", s)
			}
			e.json("GET", "/api/2/tenants/{partnerA}", "fresh", "", 401)
			if got := introspect("root", tok); got["active"] != false {
				t.Errorf("a revoked token introspects as %v", got)
			}
			if s := revoke("not-a-token"); s != 200 {
				t.Errorf("revoking garbage: %d, want 200", s)
			}
			if s := revoke(""); s != 400 {
				t.Errorf("revoking nothing: %d, want 400", s)
			}
		})
	}
}

// TestVerifyOneTimeToken: a one-time token of purpose verify vouches for a
// user once, to a caller that can see the user, through introspection; it
// signs no one in.
func TestVerifyOneTimeToken(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			user := e.json("GET", "/api/2/users/{user:cadmin}", "root", "", 200)
			newToken := func() string {
				return e.json("POST", "/api/2/idp/ott", "root", `{"purpose":"verify","user_id":"{user:cadmin}"}`, 200)["ott"].(string)
			}
			ott := newToken()
			if got := e.introspect("partnerB", ott); got["active"] != false || len(got) != 1 {
				t.Errorf("another partner introspects the verify token: %v, want only active=false", got)
			}
			got := e.introspect("partnerA", ott)
			if got["active"] != true || got["token_type"] != "ott" || got["sub"] != user["id"] || got["sub_type"] != "user" ||
				got["owner_tuid"] != user["tenant_id"] || got["iss"] == "" {
				t.Errorf("introspecting a verify token: %v, want the user %s of tenant %s", got, user["id"], user["tenant_id"])
			}
			if exp, _ := got["exp"].(float64); exp < float64(time.Now().Unix()) || exp > float64(time.Now().Add(10*time.Minute).Unix()) {
				t.Errorf("verify token exp %v, want within minutes", got["exp"])
			}
			if got := e.introspect("partnerA", ott); got["active"] != false {
				t.Errorf("a verify token introspects twice: %v", got)
			}

			ott = newToken()
			if status, b := e.do("POST", "/api/2/idp/ott/login", "", `{"ott":"`+ott+`"}`, nil); status != 401 {
				t.Errorf("signing in with a verify token: %d %s, want 401", status, b)
			}
			if got := e.introspect("root", ott); got["active"] != true {
				t.Errorf("a refused sign-in used the verify token up: %v", got)
			}
			login := e.json("POST", "/api/2/idp/ott", "root", `{"purpose":"user_login","user_id":"{user:cadmin}"}`, 200)["ott"].(string)
			if got := e.introspect("root", login); got["active"] != false {
				t.Errorf("a login token introspects as %v, want inactive", got)
			}
			e.json("POST", "/api/2/idp/ott/login", "", `{"ott":"`+login+`"}`, 200)

			ott = newToken()
			v := e.json("GET", "/api/2/tenants/{customerA}", "root", "", 200)["version"]
			e.json("PUT", "/api/2/tenants/{customerA}", "root", fmt.Sprintf(`{"version":%v,"enabled":false}`, v), 200)
			if got := e.introspect("root", ott); got["active"] != false {
				t.Errorf("a verify token of a suspended tenant's user: %v, want inactive", got)
			}
		})
	}
}

func TestDiscovery(t *testing.T) {
	run(t, []scenario{
		{name: "openid configuration", method: "GET", path: "/api/2/.well-known/openid-configuration", status: 200,
			want: []string{`"token_endpoint":"`, `/api/2/idp/token"`, `"jwks_uri":"`, `"id_token_signing_alg_values_supported":["EdDSA"]`}},
		{name: "openid configuration at the root", method: "GET", path: "/.well-known/openid-configuration", status: 200},
		{name: "the v1 account router", method: "GET", path: "/api/1/accounts?login=anyone", status: 200,
			check: func(t *testing.T, e *env, body map[string]any) {
				if body["server_url"] != e.srv.URL || len(body) != 1 {
					t.Errorf("router answer %v, want server_url %s", body, e.srv.URL)
				}
			}},
		{name: "the v1 account router, for a login nobody has", method: "GET", path: "/api/1/accounts?login=nobody%40example.com", as: "root", status: 200, want: []string{`"server_url":"http`}},
		{name: "keys", method: "GET", path: "/api/2/idp/keys", status: 200, want: []string{`"keys":[{`, `"kty":"OKP"`}},
		{name: "openapi", method: "GET", path: "/api/2/openapi.yaml", status: 200, want: []string{"openapi: 3.0.3"}},
		{name: "health", method: "GET", path: "/healthz", status: 200},
		{name: "ready", method: "GET", path: "/readyz", status: 200},
		{name: "unknown path", method: "GET", path: "/api/2/nothing/here", as: "root", status: 404},
		{name: "unknown method", method: "PATCH", path: "/api/2/tenants/{partnerA}", as: "root", body: `{}`, status: 405, want: []string{`"code":"MethodNotAllowed"`}},
	})
}
