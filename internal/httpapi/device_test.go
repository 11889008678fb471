package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// testClock is a store clock the test moves forward.
type testClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// withClock gives the env's store a clock the test moves.
func withClock(e *env) *testClock {
	c := &testClock{}
	e.db.Now = c.now
	return c
}

// post sends a raw body of media type ct (none when empty) with the
// Authorization header of principal as ("" for none) and decodes a JSON
// object answer, nil for none.
func (e *env) post(path, as, ct, body string) (int, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if as != "" {
		req.Header.Set("Authorization", e.auth[as])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 {
		e.t.Fatalf("POST %s: status %d: %s", path, resp.StatusCode, b)
	}
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			e.t.Fatalf("POST %s: answer is not a JSON object: %s", path, b)
		}
	}
	return resp.StatusCode, out
}

const (
	deviceScope = "urn:acronis.com:tenant-id::backup_agent_admin"
	devicePath  = "/api/2/idp/device_authorization"
	approvePath = "/api/2/idp/device_authorization/approval"
)

// startDevice starts a device authorization for clientID and returns its
// answer.
func (e *env) startDevice(clientID string) map[string]any {
	e.t.Helper()
	status, out := e.post(devicePath, "", authzForm, url.Values{"client_id": {clientID}, "scope": {deviceScope},
		"display_name": {"Backup agent on host-1"}}.Encode())
	if status != 200 {
		e.t.Fatalf("device authorization: %d %v", status, out)
	}
	return out
}

// pollDevice polls the token endpoint as a device.
func (e *env) pollDevice(clientID, deviceCode string) (int, map[string]any) {
	e.t.Helper()
	return e.tokenRequest(url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
		"client_id": {clientID}, "device_code": {deviceCode}}, "")
}

// wantOAuth fails unless an answer is the OAuth error code with status.
func wantOAuth(t *testing.T, what string, status int, out map[string]any, wantStatus int, code string) {
	t.Helper()
	if desc, _ := out["error_description"].(string); status != wantStatus || out["error"] != code || desc == "" {
		t.Errorf("%s: %d %v, want %d %s with a description", what, status, out, wantStatus, code)
	}
}

// jwtClaims decodes the claims of a token without checking it.
func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

var userCodeForm = regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`)

// TestDeviceFlow runs the device authorization grant from the device's
// request to the token, as RFC 8628 has it, on both stores.
func TestDeviceFlow(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			clock := withClock(e)
			device := e.ids["unknown"] // a public client: any UUID
			got := e.startDevice(device)

			userCode, _ := got["user_code"].(string)
			deviceCode, _ := got["device_code"].(string)
			uri := e.srv.URL + approvePath
			if !userCodeForm.MatchString(userCode) || len(deviceCode) < 43 || got["verification_uri"] != uri ||
				got["verification_uri_complete"] != uri+"?code="+userCode || got["expires_in"] != float64(600) || got["interval"] != float64(5) {
				t.Fatalf("device authorization answer %v", got)
			}
			// Only hashes of the codes are stored.
			q := "SELECT count(*) FROM device_authorizations WHERE device_code_hash IN (?, ?, ?) OR user_code_hash IN (?, ?, ?)"
			if e.db.Dialect() == "postgres" {
				q = "SELECT count(*) FROM device_authorizations WHERE device_code_hash IN ($1, $2, $3) OR user_code_hash IN ($4, $5, $6)"
			}
			plain := []any{deviceCode, userCode, strings.ReplaceAll(userCode, "-", "")}
			for _, pool := range e.db.Pools() {
				var n, all int
				if err := pool.QueryRow(q, append(plain, plain...)...).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if err := pool.QueryRow("SELECT count(*) FROM device_authorizations").Scan(&all); err != nil {
					t.Fatal(err)
				}
				if n != 0 || all != 1 {
					t.Errorf("%d of %d stored device authorizations hold a code in the clear", n, all)
				}
			}

			status, out := e.pollDevice(device, deviceCode)
			wantOAuth(t, "first poll", status, out, 400, "authorization_pending")
			status, out = e.pollDevice(device, deviceCode)
			wantOAuth(t, "poll at once", status, out, 400, "slow_down")
			// The interval is now 10 s: 6 s later is still too soon.
			clock.advance(6 * time.Second)
			status, out = e.pollDevice(device, deviceCode)
			wantOAuth(t, "poll after 6 s", status, out, 400, "slow_down")
			clock.advance(16 * time.Second)
			status, out = e.pollDevice(device, deviceCode)
			wantOAuth(t, "poll after the interval", status, out, 400, "authorization_pending")

			// What the user sees: typed in lower case without the dash.
			typed := strings.ToLower(strings.ReplaceAll(userCode, "-", ""))
			a := e.json("GET", approvePath+"?code="+typed, "cadmin", "", 200)
			if a["client_id"] != device || a["display_name"] != "Backup agent on host-1" || a["tenant_id"] != e.ids["customerA"] ||
				a["tenant_name"] != "customerA" || a["is_current_tenant"] != true || !slices.Equal(anyStrings(a["scope"]), []string{deviceScope}) {
				t.Errorf("approval as cadmin: %v", a)
			}
			a = e.json("GET", approvePath+"?code="+userCode+"&tenant_uuid={customerA}", "padminA", "", 200)
			if a["tenant_id"] != e.ids["customerA"] || a["is_current_tenant"] != false {
				t.Errorf("approval as padminA on customerA: %v", a)
			}
			a = e.json("GET", approvePath+"?code="+userCode, "padminA", "", 200)
			if a["tenant_id"] != e.ids["partnerA"] || a["is_current_tenant"] != true {
				t.Errorf("approval as padminA: %v", a)
			}
			status, out = e.getOAuth(approvePath+"?code="+userCode+"&tenant_uuid={partnerB}", "padminA")
			wantOAuth(t, "a tenant outside the subtree", status, out, 403, "access_denied")
			status, out = e.getOAuth(approvePath+"?code="+userCode, "root")
			wantOAuth(t, "an API client looks", status, out, 403, "access_denied")
			status, out = e.post(approvePath, "root", "application/json", `{"code":"`+userCode+`"}`)
			wantOAuth(t, "an API client approves", status, out, 403, "access_denied")
			if status, _ := e.post(approvePath, "suspendedUser", "application/json", `{"code":"`+userCode+`"}`); status != 401 {
				t.Errorf("a user of a suspended tenant approves: %d, want 401", status)
			}

			if status, out := e.post(approvePath, "cadmin", "application/json", `{"code":"`+userCode+`"}`); status != 204 {
				t.Fatalf("approve: %d %v", status, out)
			}
			status, out = e.post(approvePath, "cadmin", "application/json", `{"code":"`+userCode+`"}`)
			wantOAuth(t, "approve twice", status, out, 400, "invalid_request")
			status, out = e.getOAuth(approvePath+"?code="+userCode, "cadmin")
			wantOAuth(t, "look after approval", status, out, 400, "invalid_request")

			// Another client cannot take the token.
			status, out = e.pollDevice(e.ids["client:root"], deviceCode)
			wantOAuth(t, "another client's poll", status, out, 400, "invalid_grant")

			status, tok := e.pollDevice(device, deviceCode)
			if status != 200 || tok["token_type"] != "bearer" || tok["expires_in"] != float64(7200) || tok["id_token"] == nil {
				t.Fatalf("poll after approval: %d %v", status, tok)
			}
			e.auth["device"] = "Bearer " + tok["access_token"].(string)
			me := e.json("GET", "/api/2/users/me", "device", "", 200)
			if me["id"] != e.ids["user:cadmin"] || me["tenant_id"] != e.ids["customerA"] {
				t.Errorf("/users/me with the device's token: %v", me)
			}
			e.json("GET", "/api/2/tenants/{unitA}", "device", "", 200)
			e.json("GET", "/api/2/tenants/{partnerB}", "device", "", 404)

			// The same claims as the password grant gives the user, but
			// for the token's own id, times and client.
			if err := e.db.SetPassword(systemContext(e), e.ids["user:cadmin"], "device-password-1"); err != nil {
				t.Fatal(err)
			}
			status, pw := e.tokenRequest(url.Values{"grant_type": {"password"}, "username": {"cadmin"}, "password": {"device-password-1"}}, "")
			if status != 200 {
				t.Fatalf("password grant: %d %v", status, pw)
			}
			dc, pc := jwtClaims(t, tok["access_token"].(string)), jwtClaims(t, pw["access_token"].(string))
			for _, k := range []string{"jti", "iat", "exp", "nbf", "client_id"} {
				delete(dc, k)
				delete(pc, k)
			}
			db, _ := json.Marshal(dc)
			pb, _ := json.Marshal(pc)
			if string(db) != string(pb) {
				t.Errorf("device token claims %s, password grant's %s", db, pb)
			}
			if id := jwtClaims(t, tok["id_token"].(string)); id["aud"] != device || id["sub"] != e.ids["user:cadmin"] {
				t.Errorf("id token %v", id)
			}

			// The device code is used up.
			status, out = e.pollDevice(device, deviceCode)
			wantOAuth(t, "second exchange", status, out, 400, "invalid_grant")
		})
	}
}

// TestDeviceDenyAndExpiry checks the other ends of the flow: a denial, an
// expiry, and a user that is locked out between approval and exchange.
func TestDeviceDenyAndExpiry(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			clock := withClock(e)
			device := e.ids["unknown"]

			denied := e.startDevice(device)
			if status, out := e.post(approvePath, "backup", "application/json",
				`{"code":"`+denied["user_code"].(string)+`","deny":true}`); status != 204 {
				t.Fatalf("deny: %d %v", status, out)
			}
			for i := 0; i < 2; i++ {
				status, out := e.pollDevice(device, denied["device_code"].(string))
				wantOAuth(t, "poll after denial", status, out, 400, "access_denied")
				clock.advance(6 * time.Second)
			}

			expiring := e.startDevice(device)
			clock.advance(601 * time.Second)
			status, out := e.pollDevice(device, expiring["device_code"].(string))
			wantOAuth(t, "poll after expiry", status, out, 400, "expired_token")
			status, out = e.getOAuth(approvePath+"?code="+expiring["user_code"].(string), "cadmin")
			wantOAuth(t, "look after expiry", status, out, 400, "invalid_request")
			status, out = e.post(approvePath, "cadmin", "application/json", `{"code":"`+expiring["user_code"].(string)+`"}`)
			wantOAuth(t, "approve after expiry", status, out, 400, "invalid_request")

			// Approved, then the user's tenant is suspended: no token.
			locked := e.startDevice(device)
			if status, out := e.post(approvePath, "uadmin", "application/json", `{"code":"`+locked["user_code"].(string)+`"}`); status != 204 {
				t.Fatalf("approve as uadmin: %d %v", status, out)
			}
			unit := e.json("GET", "/api/2/tenants/{unitA}", "root", "", 200)
			e.json("PUT", "/api/2/tenants/{unitA}", "root", `{"version":`+itoa(unit["version"])+`,"enabled":false}`, 200)
			status, out = e.pollDevice(device, locked["device_code"].(string))
			wantOAuth(t, "poll for a suspended user", status, out, 401, "access_denied")
		})
	}
}

// TestDeviceBadInput sends malformed requests to every operation of the
// flow: each is a clear OAuth error, never a 5xx.
func TestDeviceBadInput(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			device := e.ids["unknown"]
			scope := url.QueryEscape(deviceScope)
			other := url.QueryEscape("urn:acronis.com:tenant-id:" + e.ids["customerA"] + ":backup_agent_admin")
			otherB := url.QueryEscape("urn:acronis.com:tenant-id:" + e.ids["customerB"] + ":backup_agent_admin")
			for _, tc := range []struct {
				name, ct, body string
				status         int
				code           string
			}{
				{"no client_id", authzForm, "scope=" + scope, 400, "invalid_request"},
				{"client_id not a UUID", authzForm, "client_id=agent&scope=" + scope, 400, "invalid_request"},
				{"no scope", authzForm, "client_id=" + device, 400, "invalid_request"},
				{"a scope of another form", authzForm, "client_id=" + device + "&scope=openid", 400, "invalid_scope"},
				{"two tenants", authzForm, "client_id=" + device + "&scope=" + other + "&scope=" + otherB, 400, "invalid_scope"},
				{"a control character in display_name", authzForm, "client_id=" + device + "&scope=" + scope + "&display_name=a%00b", 400, "invalid_request"},
				{"a display_name too long", authzForm, "client_id=" + device + "&scope=" + scope + "&display_name=" + strings.Repeat("x", 256), 400, "invalid_request"},
				{"JSON", "application/json", `{"client_id":"` + device + `","scope":["` + deviceScope + `"]}`, 400, "invalid_request"},
				{"a malformed form", authzForm, "client_id=%zz", 400, "invalid_request"},
				{"a wrong client secret", authzForm, "client_id=" + e.ids["client:root"] + "&client_secret=wrong&scope=" + scope, 401, "invalid_client"},
			} {
				status, out := e.post(devicePath, "", tc.ct, tc.body)
				wantOAuth(t, "device authorization: "+tc.name, status, out, tc.status, tc.code)
			}
			// Space-separated scopes, as RFC 8628 sends them, are taken too.
			if status, out := e.post(devicePath, "", authzForm, "client_id="+device+"&scope="+scope+"+"+other); status != 200 {
				t.Errorf("space-separated scopes: %d %v", status, out)
			}

			got := e.startDevice(device)
			code := got["user_code"].(string)
			for _, tc := range []struct {
				name string
				form url.Values
				code string
			}{
				{"no device_code", url.Values{"client_id": {device}}, "invalid_request"},
				{"no client_id", url.Values{"device_code": {got["device_code"].(string)}}, "invalid_request"},
				{"an unknown device_code", url.Values{"client_id": {device}, "device_code": {"not-a-device-code"}}, "invalid_grant"},
				{"a huge device_code", url.Values{"client_id": {device}, "device_code": {strings.Repeat("a", 5000)}}, "invalid_grant"},
			} {
				tc.form.Set("grant_type", "urn:ietf:params:oauth:grant-type:device_code")
				status, out := e.tokenRequest(tc.form, "")
				wantOAuth(t, "token: "+tc.name, status, out, 400, tc.code)
			}

			for _, tc := range []struct{ name, query string }{
				{"no code", ""},
				{"a malformed code", "?code=ABC"},
				{"a code with vowels", "?code=AAAA-AAAA"},
				{"an unknown code", "?code=BBBB-BBBB"},
				{"a malformed tenant_uuid", "?code=" + code + "&tenant_uuid=x"},
			} {
				status, out := e.getOAuth(approvePath+tc.query, "cadmin")
				wantOAuth(t, "approval GET: "+tc.name, status, out, 400, "invalid_request")
			}
			// A device that asked for customerA is approved on customerA
			// only.
			_, d := e.post(devicePath, "", authzForm, "client_id="+device+"&scope="+other)
			status, out := e.getOAuth(approvePath+"?code="+d["user_code"].(string)+"&tenant_uuid={unitA}", "cadmin")
			wantOAuth(t, "approval GET on another tenant than the scope's", status, out, 400, "invalid_request")
			status, out = e.post(approvePath, "cadmin", "application/json", `{"code":"`+d["user_code"].(string)+`","tenant_uuid":"`+e.ids["unitA"]+`"}`)
			wantOAuth(t, "approval POST on another tenant than the scope's", status, out, 400, "invalid_request")

			for _, tc := range []struct{ name, ct, body string }{
				{"text/plain", "text/plain", `{"code":"` + code + `"}`},
				{"malformed JSON", "application/json", `{`},
				{"no body", "application/json", ``},
				{"no code", "application/json", `{}`},
				{"a number for code", "application/json", `{"code":5}`},
				{"a malformed tenant_uuid", "application/json", `{"code":"` + code + `","tenant_uuid":"x"}`},
				{"an unknown code", "application/json", `{"code":"BBBB-BBBB"}`},
				{"a string for deny", "application/json", `{"code":"` + code + `","deny":"perhaps"}`},
			} {
				status, out := e.post(approvePath, "cadmin", tc.ct, tc.body)
				wantOAuth(t, "approval POST: "+tc.name, status, out, 400, "invalid_request")
			}
			// None of that decided the code.
			e.json("GET", approvePath+"?code="+code, "cadmin", "", 200)
		})
	}
}

// TestDeviceDiscovery checks that the discovery document announces the
// flow.
func TestDeviceDiscovery(t *testing.T) {
	e := stores[0].env(t)
	d := e.json("GET", "/.well-known/openid-configuration", "", "", 200)
	if d["device_authorization_endpoint"] != e.srv.URL+devicePath {
		t.Errorf("device_authorization_endpoint %v", d["device_authorization_endpoint"])
	}
	if !slices.Contains(anyStrings(d["grant_types_supported"]), "urn:ietf:params:oauth:grant-type:device_code") {
		t.Errorf("grant_types_supported %v", d["grant_types_supported"])
	}
}

// getOAuth sends a GET as principal as and decodes the JSON answer.
func (e *env) getOAuth(path, as string) (int, map[string]any) {
	e.t.Helper()
	status, b := e.do("GET", path, as, "", nil)
	if status >= 500 {
		e.t.Fatalf("GET %s: %d %s", path, status, b)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		e.t.Fatalf("GET %s: answer is not JSON: %s", path, b)
	}
	return status, out
}

// anyStrings converts a decoded JSON array of strings.
func anyStrings(v any) []string {
	items, _ := v.([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, _ := it.(string)
		out = append(out, s)
	}
	return out
}
