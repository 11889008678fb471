package main_test

import (
	"errors"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRateLimit runs the binary with small limits: the flags reach the
// server, and a bad one is refused.
func TestServeRateLimit(t *testing.T) {
	store := []string{"--data", filepath.Join(t.TempDir(), "data")}
	creds := bootstrap(t, store)
	s := serve(t, append(store, "--rate-limit", "0.001", "--rate-burst", "2", "--trusted-proxies", "10.0.0.0/8,192.0.2.1"))
	defer s.stop(t)
	tok := token(t, s.baseURL, creds.ClientID, creds.ClientSecret)
	c := &client{t: t, baseURL: s.baseURL, auth: "Bearer " + tok}
	c.must("GET", "/tenants/"+creds.TenantID, nil, nil, 200)
	c.must("GET", "/tenants/"+creds.TenantID, nil, nil, 200)
	req, _ := http.NewRequest("GET", s.baseURL+"/tenants/"+creds.TenantID, nil)
	req.Header.Set("Authorization", c.auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("third request: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}

	for _, bad := range [][]string{{"--trusted-proxies", "10.0.0.0/33"}, {"--rate-burst", "0"}, {"--rate-limit", "-1"}} {
		out, err := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, bad...)...).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), bad[0]) {
			t.Errorf("serve %v: %v, %q", bad, err, out)
		}
	}
}
