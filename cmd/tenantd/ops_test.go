package main_test

import (
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOperatorCommands covers what an operator does around a running
// server: bootstrap while it runs, migrate, health checks, configuration
// from the environment, and a graceful stop.
func TestOperatorCommands(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	srv := serve(t, nil, "TENANTD_DATA="+data, "TENANTD_TOKEN_ALG=EdDSA")
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(strings.TrimSuffix(srv.baseURL, "/api/2") + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
	// Bootstrap against the store the server holds open.
	creds := bootstrap(t, []string{"--data", data})
	api := &client{t: t, baseURL: srv.baseURL, auth: "Bearer " + token(t, srv.baseURL, creds.ClientID, creds.ClientSecret)}
	api.must("GET", "/tenants/"+creds.TenantID, nil, nil, 200)
	if keys := api.must("GET", "/idp/keys", nil, nil, 200); !strings.Contains(mustJSON(t, keys), `"OKP"`) {
		t.Errorf("TENANTD_TOKEN_ALG=EdDSA did not give Ed25519 keys: %v", keys)
	}

	out, err := exec.Command(binary, "migrate", "--data", data).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "applied 0001_") {
		t.Errorf("tenantd migrate: %v: %s", err, out)
	}
	if out, err := exec.Command(binary, "serve", "--db", "mysql://nope").CombinedOutput(); err == nil || !strings.Contains(string(out), "--db must be a postgres:// URL") {
		t.Errorf("serve with a bad --db: %v: %s", err, out)
	}
	if out, err := exec.Command(binary, "launch").CombinedOutput(); err == nil || !strings.Contains(string(out), `unknown command "launch"`) {
		t.Errorf("unknown command: %v: %s", err, out)
	}
	srv.stop(t)
	if !strings.Contains(srv.logs.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop in the log:\n%s", srv.logs)
	}
}

// TestInstancesShareAStore runs two servers on one PostgreSQL database: a
// token from one works on the other, and a suspension through one locks
// the tenant out on both at once.
func TestInstancesShareAStore(t *testing.T) {
	store := storeArgs(t)["postgres"]
	creds := bootstrap(t, store)
	issuer := []string{"--issuer", "https://tenantd.example"}
	a := serve(t, append(store, issuer...))
	b := serve(t, append(store, issuer...))
	onA := &client{t: t, baseURL: a.baseURL, auth: "Bearer " + token(t, a.baseURL, creds.ClientID, creds.ClientSecret)}
	onB := &client{t: t, baseURL: b.baseURL, auth: onA.auth}
	partner := onA.must("POST", "/tenants", nil, map[string]any{"name": "p", "parent_id": creds.TenantID, "kind": "partner"}, 201)
	onB.must("GET", "/tenants/"+partner["id"].(string), nil, nil, 200)

	pc := onB.must("POST", "/clients", nil, map[string]any{"type": "api_client", "tenant_id": partner["id"], "token_endpoint_auth_method": "client_secret_basic"}, 201)
	inside := &client{t: t, baseURL: b.baseURL, auth: "Bearer " + token(t, a.baseURL, pc["client_id"].(string), pc["client_secret"].(string))}
	inside.must("GET", "/tenants/"+partner["id"].(string), nil, nil, 200)
	onA.must("PUT", "/tenants/"+partner["id"].(string), nil, map[string]any{"enabled": false, "version": 1}, 200)
	inside.must("GET", "/tenants/"+partner["id"].(string), nil, nil, 401)
	a.stop(t)
	b.stop(t)
}
