package main_test

import (
	"database/sql"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// scrape fetches a metrics page and returns its samples by series
// ("name{labels}" as exposed).
func scrape(t *testing.T, url string) (map[string]float64, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	samples := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad sample line %q", line)
		}
		samples[line[:i]] = v
	}
	return samples, string(b)
}

// TestMetrics runs a known workload and checks what /metrics counts: the
// requests by route template and status, the tokens issued and refused,
// the background jobs, the pools and the outbox; and the request log.
func TestMetrics(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	store := []string{"--data", dir}
	creds := bootstrap(t, store)
	srv := serve(t, store)
	root := strings.TrimSuffix(srv.baseURL, "/api/2")
	tok := token(t, srv.baseURL, creds.ClientID, creds.ClientSecret)
	c := &client{t: t, baseURL: srv.baseURL, auth: "Bearer " + tok}
	for range 3 {
		c.must("GET", "/tenants/"+creds.TenantID, nil, nil, 200)
	}
	c.must("GET", "/tenants/00000000-0000-4000-8000-000000000000", nil, nil, 404)
	bad := &client{t: t, baseURL: srv.baseURL, auth: "Bearer " + tok[:len(tok)-4] + "AAAA"}
	bad.must("GET", "/tenants/"+creds.TenantID, nil, nil, 401)
	bad.must("GET", "/tenants", nil, nil, 401)
	c.must("GET", "/no/such/thing", nil, nil, 404)

	m, text := scrape(t, root+"/metrics")
	want := map[string]float64{
		`tenantd_http_requests_total{operation="GET /api/2/tenants/{tenant_id}",status="200"}`:    3,
		`tenantd_http_requests_total{operation="GET /api/2/tenants/{tenant_id}",status="404"}`:    1,
		`tenantd_http_requests_total{operation="GET /api/2/tenants/{tenant_id}",status="401"}`:    1,
		`tenantd_http_requests_total{operation="GET /api/2/tenants",status="401"}`:                1,
		`tenantd_http_requests_total{operation="POST /api/2/idp/token",status="200"}`:             1,
		`tenantd_http_requests_total{operation="unrouted",status="404"}`:                          1,
		`tenantd_http_request_duration_seconds_count{operation="GET /api/2/tenants/{tenant_id}"}`: 5,
		`tenantd_tokens_issued_total`:  1,
		`tenantd_tokens_refused_total`: 2,
		`tenantd_outbox_depth`:         0,
	}
	for series, v := range want {
		if got, ok := m[series]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, v)
		}
	}
	for _, series := range []string{`tenantd_job_runs_total{job="purge"}`, `tenantd_job_runs_total{job="trial_expiry"}`,
		`tenantd_store_call_duration_seconds_count{call="FindTenantByID",kind="read"}`,
		`go_sql_max_open_connections{db_name="write"}`, `go_sql_max_open_connections{db_name="read"}`} {
		if m[series] < 1 {
			t.Errorf("%s = %v, want at least 1", series, m[series])
		}
	}
	if m[`go_sql_max_open_connections{db_name="write"}`] != 1 {
		t.Errorf("the SQLite write pool has %v connections, want 1", m[`go_sql_max_open_connections{db_name="write"}`])
	}
	if strings.Contains(text, creds.TenantID) || strings.Contains(text, "00000000-0000") {
		t.Error("a raw id is in a metric label")
	}
	if m[`tenantd_job_failures_total{job="purge"}`] != 0 {
		t.Errorf("purge failures: %v", m[`tenantd_job_failures_total{job="purge"}`])
	}

	// /readyz says 503 while the schema is not the one this tenantd knows.
	ready := func() int {
		resp, err := http.Get(root + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := ready(); s != 200 {
		t.Errorf("/readyz: %d", s)
	}
	raw, err := sql.Open("sqlite", filepath.Join(dir, "tenantd.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("INSERT INTO migrations (name, applied_at) VALUES ('9999_from_the_future.sql', 1)"); err != nil {
		t.Fatal(err)
	}
	if s := ready(); s != 503 {
		t.Errorf("/readyz on a newer schema: %d, want 503", s)
	}
	if _, err := raw.Exec("DELETE FROM migrations WHERE name = '9999_from_the_future.sql'"); err != nil {
		t.Fatal(err)
	}
	if s := ready(); s != 200 {
		t.Errorf("/readyz after: %d", s)
	}
	srv.stop(t)

	// Every request's log line names its request id, operation and principal.
	logs := srv.logs.String()
	line := regexp.MustCompile(`"msg":"request".*"operation":"GET /api/2/tenants/\{tenant_id\}","principal":"client:` + creds.ClientID + `"`)
	if !line.MatchString(logs) || !strings.Contains(logs, `"request_id":"`) {
		t.Errorf("no request log line with operation and principal:\n%s", logs)
	}
}

// TestMetricsAddr: --metrics-addr moves /metrics to a listener of its own
// (the main one answers 404), and off removes it.
func TestMetricsAddr(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	srv := serve(t, append([]string{"--metrics-addr", addr}, storeArgs(t)["sqlite"]...))
	scrape(t, "http://"+addr+"/metrics")
	resp, err := http.Get(strings.TrimSuffix(srv.baseURL, "/api/2") + "/metrics")
	if err != nil || resp.StatusCode != 404 {
		t.Errorf("/metrics on the main listener with --metrics-addr: %v %v", resp, err)
	}
	srv.stop(t)

	off := serve(t, append([]string{"--metrics-addr", "off"}, storeArgs(t)["sqlite"]...))
	resp, err = http.Get(strings.TrimSuffix(off.baseURL, "/api/2") + "/metrics")
	if err != nil || resp.StatusCode != 404 {
		t.Errorf("/metrics with --metrics-addr off: %v %v", resp, err)
	}
	off.stop(t)
}
