package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCLIPrintsWarnings checks that the command line prints the Warning
// headers of the server's answers on stderr, and nothing of them on stdout.
func TestCLIPrintsWarnings(t *testing.T) {
	const (
		clientID = "0a9b4f1c-7a52-4c6e-9d3a-1f0e2b3c4d5e"
		tenantID = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Warning", `299 - "unknown field \"colour\""`)
		w.Header().Set("Content-Type", "application/json")
		var body any
		switch {
		case r.URL.Path == "/api/2/idp/token":
			body = map[string]any{"access_token": "t", "token_type": "bearer", "expires_in": 7200}
		case r.URL.Path == "/api/2/clients/"+clientID:
			body = map[string]any{"client_id": clientID, "tenant_id": tenantID}
		case r.URL.Path == "/api/2/tenants/"+tenantID:
			body = map[string]any{"id": tenantID, "name": "Acme", "kind": "customer", "enabled": true, "version": 1}
		default:
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(body)
	}))
	defer srv.Close()
	env := map[string]string{"TENANTD_URL": srv.URL, "TENANTD_CLIENT_ID": clientID, "TENANTD_CLIENT_SECRET": "s",
		"TENANTD_CONFIG": t.TempDir() + "/config.json"}
	code, out, errOut := runCmd(t, env, "tenants", "get", tenantID, "-q")
	if code != 0 || strings.TrimSpace(out) != tenantID {
		t.Fatalf("tenants get: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if !strings.Contains(errOut, `tenantd: warning: unknown field "colour"`) {
		t.Errorf("stderr %q does not show the warning", errOut)
	}
}
