package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// devFixture is what tenantd dev prints.
type devFixture struct {
	BaseURL string `json:"base_url"`
	Root    struct {
		TenantID, ClientID, ClientSecret string
	} `json:"root"`
	Partner struct {
		TenantID     string `json:"tenant_id"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	} `json:"partner"`
	TrialCustomerID      string `json:"trial_customer_id"`
	ProductionCustomerID string `json:"production_customer_id"`
	BuyURL               string `json:"buy_url"`
	Users                []struct {
		ID            string   `json:"id"`
		TenantID      string   `json:"tenant_id"`
		Login         string   `json:"login"`
		Password      string   `json:"password"`
		Role          string   `json:"role"`
		BusinessTypes []string `json:"business_types"`
	} `json:"users"`
}

func (f *devFixture) UnmarshalJSON(b []byte) error {
	type plain devFixture
	var v struct {
		plain
		Root struct {
			TenantID     string `json:"tenant_id"`
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		} `json:"root"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = devFixture(v.plain)
	f.Root.TenantID, f.Root.ClientID, f.Root.ClientSecret = v.Root.TenantID, v.Root.ClientID, v.Root.ClientSecret
	return nil
}

// devProc is a running tenantd dev.
type devProc struct {
	cmd     *exec.Cmd
	fixture devFixture
	logs    *lockedBuffer
	done    chan error
}

// lockedBuffer is a buffer a process's output goroutine writes while the
// test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startDev starts tenantd dev (bin, or the race-built binary when empty)
// and waits for its fixture line.
func startDev(t testing.TB, bin string, args ...string) *devProc {
	t.Helper()
	if bin == "" {
		bin = binary
	}
	cmd := exec.Command(bin, append([]string{"dev", "--log-format", "json"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &devProc{cmd: cmd, logs: logs, done: make(chan error, 1)}
	line := make(chan []byte, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		if sc.Scan() {
			line <- append([]byte(nil), sc.Bytes()...)
		}
		for sc.Scan() {
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState != nil {
			return
		}
		// SIGTERM, so that tenantd dev removes its store; SIGKILL if it
		// does not stop.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case b := <-line:
		if err := json.Unmarshal(b, &p.fixture); err != nil {
			t.Fatalf("tenantd dev printed %q: %v", b, err)
		}
	case err := <-p.done:
		t.Fatalf("tenantd dev exited early: %v\n%s", err, logs)
	case <-time.After(60 * time.Second):
		t.Fatalf("tenantd dev printed no fixture:\n%s", logs)
	}
	return p
}

func (p *devProc) stop(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("tenantd dev exited with %v after %v\n%s", err, sig, p.logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("tenantd dev did not stop after %v", sig)
	}
}

// storeDir is the temporary directory tenantd dev logged.
func (p *devProc) storeDir(t testing.TB) string {
	t.Helper()
	for _, line := range strings.Split(p.logs.String(), "\n") {
		var rec struct{ Msg, Store string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
			return rec.Store
		}
	}
	t.Fatalf("tenantd dev logged no store directory:\n%s", p.logs)
	return ""
}

func (p *devProc) as(t *testing.T, id, secret string) *client {
	return &client{t: t, baseURL: p.fixture.BaseURL, auth: "Bearer " + token(t, p.fixture.BaseURL, id, secret)}
}

// TestDevClock seeds the fixture, schedules a monthly report, advances the
// clock a month and sees the trial customer in production and the report
// made, both in the answer of the clock call; a reset undoes both.
func TestDevClock(t *testing.T) {
	p := startDev(t, "")
	fx := p.fixture
	if fx.Root.ClientID == "" || fx.Partner.ClientSecret == "" || fx.TrialCustomerID == "" || fx.ProductionCustomerID == "" || fx.BuyURL == "" {
		t.Fatalf("fixture lacks credentials or ids: %+v", fx)
	}
	root := p.as(t, fx.Root.ClientID, fx.Root.ClientSecret)
	partner := p.as(t, fx.Partner.ClientID, fx.Partner.ClientSecret)

	// The fixture as documented.
	if got := partner.must("GET", "/tenants/"+fx.TrialCustomerID+"/pricing", nil, nil, 200)["mode"]; got != "trial" {
		t.Fatalf("trial customer's pricing mode = %v, want trial", got)
	}
	if got := partner.must("GET", "/tenants/"+fx.ProductionCustomerID+"/pricing", nil, nil, 200)["mode"]; got != "production" {
		t.Fatalf("production customer's pricing mode = %v, want production", got)
	}
	if got := partner.must("GET", "/tenants/"+fx.Partner.TenantID+"/brand", nil, nil, 200)["upsell_url"]; got != fx.BuyURL {
		t.Errorf("partner's brand upsell_url = %v, want %s", got, fx.BuyURL)
	}
	buyers := 0
	for _, u := range fx.Users {
		got := partner.must("GET", "/users/"+u.ID, nil, nil, 200)
		if got["login"] != u.Login {
			t.Errorf("user %s has login %v", u.ID, got["login"])
		}
		if strings.Contains(mustJSON(t, got["business_types"]), "buyer") {
			buyers++
		}
		form := url.Values{"grant_type": {"password"}, "username": {u.Login}, "password": {u.Password}}
		resp, err := http.PostForm(fx.BaseURL+"/idp/token", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("user %s cannot sign in with its password: %d", u.Login, resp.StatusCode)
		}
	}
	if buyers != 1 {
		t.Errorf("the fixture has %d buyers, want 1", buyers)
	}

	report := partner.must("POST", "/reports", nil, map[string]any{
		"result_action": "save", "recipients": []string{},
		"parameters": map[string]any{"tenant_id": fx.Partner.TenantID, "level": "all_customers", "kind": "usage_summary", "formats": []string{"csv"}},
		"schedule":   map[string]any{"type": "monthly", "enabled": true},
	}, 200)
	reportID := report["id"].(string)
	if items := partner.must("GET", "/reports/"+reportID+"/stored", nil, nil, 200)["items"].([]any); len(items) != 0 {
		t.Fatalf("a monthly report has stored reports before its first run: %v", items)
	}

	// A deleted tenant, kept for the retention period (30 days).
	gone := partner.must("POST", "/tenants", nil, map[string]any{"name": "to be purged", "kind": "customer", "parent_id": fx.Partner.TenantID}, 201)
	goneID := gone["id"].(string)
	gone = partner.must("PUT", "/tenants/"+goneID, nil, map[string]any{"enabled": false, "version": gone["version"]}, 200)
	partner.must("DELETE", "/tenants/"+goneID, url.Values{"version": {fmt.Sprint(gone["version"])}}, nil, 204)
	deleted := url.Values{"allow_deleted": {"true"}}
	partner.must("GET", "/tenants/"+goneID, deleted, nil, 200)

	// Only the root's API clients move the clock, and only forward.
	if status, _ := partner.call("POST", "/dev/clock", nil, map[string]string{"advance": "1h"}); status != 403 {
		t.Errorf("a partner's client moved the clock: %d, want 403", status)
	}
	for _, body := range []string{`{"advance":"-1h"}`, `{"advance":"a month"}`, `{"set":"2000-01-01T00:00:00Z"}`, `{"set":"tomorrow"}`,
		`{"advance":"1h","set":"2030-01-01T00:00:00Z"}`, `[1]`} {
		var v any
		_ = json.Unmarshal([]byte(body), &v)
		if status, out := root.call("POST", "/dev/clock", nil, v); status != 400 {
			t.Errorf("clock %s: %d %v, want 400", body, status, out)
		}
	}
	before := root.must("POST", "/dev/clock", nil, map[string]any{}, 200)["now"].(string)
	now := root.must("POST", "/dev/clock", nil, map[string]string{"advance": "744h"}, 200)["now"].(string)
	b, _ := time.Parse(time.RFC3339Nano, before)
	n, _ := time.Parse(time.RFC3339Nano, now)
	if d := n.Sub(b); d < 744*time.Hour || d > 745*time.Hour {
		t.Errorf("the clock moved from %s to %s, want 744h", before, now)
	}
	// Due work was done before the clock call answered.
	if got := partner.must("GET", "/tenants/"+fx.TrialCustomerID+"/pricing", nil, nil, 200)["mode"]; got != "production" {
		t.Errorf("after a month the trial customer's pricing mode = %v, want production", got)
	}
	items := partner.must("GET", "/reports/"+reportID+"/stored", nil, nil, 200)["items"].([]any)
	if len(items) == 0 || items[0].(map[string]any)["status"] != "saved" {
		t.Errorf("after a month the monthly report has stored reports %v, want one saved", items)
	}
	if status, _ := partner.call("GET", "/tenants/"+goneID, deleted, nil); status != 404 {
		t.Errorf("after a month the deleted tenant is still there (%d), want it purged", status)
	}
	set := n.Add(24 * time.Hour).UTC().Truncate(time.Second)
	if got := root.must("POST", "/dev/clock", nil, map[string]string{"set": set.Format(time.RFC3339)}, 200)["now"]; got == nil {
		t.Errorf("setting the clock answered no time")
	}

	// A reset brings the fixture back: the trial, no report, the same
	// credentials, the real time.
	if status, _ := partner.call("POST", "/dev/reset", nil, nil); status != 403 {
		t.Errorf("a partner's client reset the store: %d, want 403", status)
	}
	reset := root.must("POST", "/dev/reset", nil, nil, 200)["now"].(string)
	if r, _ := time.Parse(time.RFC3339Nano, reset); time.Until(r).Abs() > time.Minute {
		t.Errorf("after a reset the clock reads %s, want the real time", reset)
	}
	if got := partner.must("GET", "/tenants/"+fx.TrialCustomerID+"/pricing", nil, nil, 200)["mode"]; got != "trial" {
		t.Errorf("after a reset the trial customer's pricing mode = %v, want trial", got)
	}
	if status, _ := partner.call("GET", "/reports/"+reportID, nil, nil); status != 404 {
		t.Errorf("after a reset the report is still there: %d", status)
	}
	p.as(t, fx.Partner.ClientID, fx.Partner.ClientSecret)

	dir := p.storeDir(t)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the store's directory %s: %v", dir, err)
	}
	p.stop(t, syscall.SIGINT)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("after SIGINT the store's directory %s is still there (%v)", dir, err)
	}
}

// TestDevRoutesOnlyInDevMode: tenantd serve has no /dev routes, not even
// for the root's client.
func TestDevRoutesOnlyInDevMode(t *testing.T) {
	store := []string{"--data", filepath.Join(t.TempDir(), "data")}
	creds := bootstrap(t, store)
	s := serve(t, store)
	c := &client{t: t, baseURL: s.baseURL, auth: "Bearer " + token(t, s.baseURL, creds.ClientID, creds.ClientSecret)}
	for _, path := range []string{"/dev/clock", "/dev/reset"} {
		status, out := c.call("POST", path, nil, map[string]string{"advance": "744h"})
		if status != 404 {
			t.Errorf("tenantd serve answered POST %s with %d %v, want 404", path, status, out)
		}
	}
	s.stop(t)
}

// devReadyTime starts bin's tenantd dev and returns how long it took from
// the start of the process to its first 200 from /readyz.
func devReadyTime(t testing.TB, bin string) time.Duration {
	t.Helper()
	start := time.Now()
	p := startDev(t, bin, "--log-level", "warn")
	ready := strings.TrimSuffix(p.fixture.BaseURL, "/api/2") + "/readyz"
	for {
		resp, err := http.Get(ready)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Since(start) > time.Minute {
			t.Fatalf("tenantd dev not ready after a minute: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
	d := time.Since(start)
	p.stop(t, syscall.SIGTERM)
	return d
}

// TestDevReady starts tenantd dev and polls /readyz; it logs how long that
// took (this binary is built with -race; BenchmarkDevReady measures a
// plain build).
func TestDevReady(t *testing.T) {
	t.Logf("tenantd dev (race build) was ready in %s", devReadyTime(t, ""))
}

// BenchmarkDevReady measures, on a build without -race, the time from
// starting tenantd dev to its first 200 from /readyz, fixture seeded:
//
//	go test -run '^$' -bench BenchmarkDevReady ./cmd/tenantd/
func BenchmarkDevReady(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "tenantd")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for b.Loop() {
		total += devReadyTime(b, bin)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-ready")
}
