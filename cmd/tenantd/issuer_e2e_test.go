package main_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestIssuerAgreedByDefault runs three servers on one PostgreSQL database
// with no --issuer: the first records its issuer in the store, the others
// take it, so a token from any one is accepted by every other. A later
// instance with a different explicit --issuer refuses to start and says
// why; tenantd issuer set changes the store's.
func TestIssuerAgreedByDefault(t *testing.T) {
	store := storeArgs(t)["postgres"]
	creds := bootstrap(t, store)
	var servers []*server
	for range 3 {
		servers = append(servers, serve(t, store))
	}
	for i, from := range servers {
		auth := "Bearer " + token(t, from.baseURL, creds.ClientID, creds.ClientSecret)
		for j, on := range servers {
			c := &client{t: t, baseURL: on.baseURL, auth: auth}
			if s, out := c.call("GET", "/tenants/"+creds.TenantID, nil, nil); s != 200 {
				t.Errorf("token from instance %d on instance %d: %d %v", i, j, s, out)
			}
		}
	}
	// The issuer is the first instance's address, for all.
	first := strings.TrimSuffix(servers[0].baseURL, "/api/2")
	out, err := exec.Command(binary, append([]string{"issuer", "show"}, store...)...).Output()
	if err != nil || strings.TrimSpace(string(out)) != first {
		t.Errorf("tenantd issuer show: %q %v, want %s", out, err, first)
	}
	for _, on := range servers {
		c := &client{t: t, baseURL: on.baseURL}
		_, disc := c.call("GET", "/.well-known/openid-configuration", nil, nil)
		if disc["issuer"] != first {
			t.Errorf("discovery on %s names issuer %v, want %s", on.baseURL, disc["issuer"], first)
		}
	}

	// An explicit, different issuer is refused with a clear message; the
	// same one is accepted.
	cmd := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0", "--issuer", "https://other.example"}, store...)...)
	msg, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(msg), `the store's token issuer is "`+first+`", not "https://other.example"`) ||
		!strings.Contains(string(msg), "tenantd issuer set") {
		t.Errorf("serve with a different --issuer: %v: %s", err, msg)
	}
	same := serve(t, append([]string{"--issuer", first}, store...))
	same.stop(t)
	for _, s := range servers {
		s.stop(t)
	}

	// tenantd issuer set changes it: instances started afterwards use it.
	if out, err := exec.Command(binary, append([]string{"issuer", "set", "https://accounts.example"}, store...)...).CombinedOutput(); err != nil {
		t.Fatalf("tenantd issuer set: %v: %s", err, out)
	}
	a := serve(t, store)
	b := serve(t, append([]string{"--issuer", "https://accounts.example"}, store...))
	auth := "Bearer " + token(t, a.baseURL, creds.ClientID, creds.ClientSecret)
	(&client{t: t, baseURL: b.baseURL, auth: auth}).must("GET", "/tenants/"+creds.TenantID, nil, nil, 200)
	a.stop(t)
	b.stop(t)
}

// TestIssuerFromPublicURL records --public-url as the issuer at the first
// start of a store when no --issuer is given.
func TestIssuerFromPublicURL(t *testing.T) {
	store := storeArgs(t)["sqlite"]
	srv := serve(t, append([]string{"--public-url", "https://id.example"}, store...))
	srv.stop(t)
	out, err := exec.Command(binary, append([]string{"issuer", "show"}, store...)...).Output()
	if err != nil || strings.TrimSpace(string(out)) != "https://id.example" {
		t.Errorf("tenantd issuer show: %q %v", out, err)
	}
}
