package main_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
)

// TestServeConsole: tenantd serve answers the console at /console next to
// the API, and the console signs in against the API of the same process.
func TestServeConsole(t *testing.T) {
	store := storeArgs(t)["sqlite"]
	creds := bootstrap(t, store)
	srv := serve(t, store)
	defer srv.stop(t)
	root := strings.TrimSuffix(srv.baseURL, "/api/2")
	api := &client{t: t, baseURL: srv.baseURL, auth: "Bearer " + token(t, srv.baseURL, creds.ClientID, creds.ClientSecret)}
	partner := api.must("POST", "/tenants", nil, map[string]any{"name": "Partner", "parent_id": creds.TenantID, "kind": "partner"}, 201)
	pid := partner["id"].(string)
	user := api.must("POST", "/users", nil, map[string]any{"tenant_id": pid, "login": "padmin", "contact": map[string]any{"email": "padmin@example.com"}}, 200)
	uid := user["id"].(string)
	api.must("POST", "/users/"+uid+"/password", nil, map[string]any{"password": "a long password"}, 204)
	api.must("PUT", "/users/"+uid+"/access_policies", nil, map[string]any{"items": []any{map[string]any{
		"role_id": "partner_admin", "tenant_id": pid, "trustee_id": uid, "trustee_type": "user"}}}, 200)

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	send := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, root+path, strings.NewReader(body))
		for _, c := range jar.Cookies(req.URL) {
			if c.Name == "console_csrf" {
				req.Header.Set("X-Console-CSRF", c.Value)
			}
		}
		res, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if status, body := send("GET", "/console", ""); status != 200 || !strings.Contains(body, "/console/assets/app.js") {
		t.Fatalf("GET /console: %d %.200s", status, body)
	}
	if status, body := send("POST", "/console/session", `{"login":"padmin","password":"a long password"}`); status != 200 {
		t.Fatalf("sign-in: %d %s", status, body)
	}
	if status, body := send("GET", "/console/api/users/me", ""); status != 200 || !strings.Contains(body, `"login":"padmin"`) {
		t.Fatalf("users/me through the console: %d %s", status, body)
	}
	// The API and the metrics are where they were.
	if status, _ := send("GET", "/metrics", ""); status != 200 {
		t.Errorf("GET /metrics: %d", status)
	}
	if status, body := send("GET", "/api/2/nothing", ""); status != 404 || !strings.Contains(body, `"domain"`) {
		t.Errorf("an unknown API path: %d %s", status, body)
	}
}
