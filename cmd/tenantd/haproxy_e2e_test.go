package main_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestHAProxy runs three tenantd serve on one PostgreSQL database behind
// HAProxy, configured by deploy/haproxy.cfg with only its addresses
// replaced, and drives a mixed load through it: reads, version-guarded
// writes and token requests. It SIGKILLs one instance mid-load: only
// requests that were in flight when it died may fail. Then it SIGTERMs
// another: /readyz turns 503 first, the instance drains and exits, and no
// request fails.
func TestHAProxy(t *testing.T) {
	hap := haproxyBinary(t)
	store := storeArgs(t)["postgres"]
	creds := bootstrap(t, store)
	var servers []*server
	for range 3 {
		servers = append(servers, serve(t, append([]string{"--issuer", "http://tenantd.test", "--token-alg", "EdDSA"}, store...)))
	}
	lb := startHAProxy(t, hap, servers)
	lb.waitStates(t, map[string]string{"a": "UP", "b": "UP", "c": "UP"})

	httpc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	api := &client{t: t, baseURL: lb.baseURL, auth: "Bearer " + token(t, lb.baseURL, creds.ClientID, creds.ClientSecret)}
	const workers = 6
	var tenants []string
	for w := range workers {
		tn := api.must("POST", "/tenants", nil, map[string]any{"name": fmt.Sprintf("lb-%d", w), "parent_id": creds.TenantID, "kind": "customer"}, 201)
		tenants = append(tenants, tn["id"].(string))
	}

	load := &lbLoad{http: httpc, base: lb.baseURL, auth: api.auth, creds: creds}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { load.worker(w, tenants[w], stop) })
	}
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
			wg.Wait()
		}
	}()
	load.waitOK(t, 300)

	// SIGKILL: the requests in flight on the instance fail, nothing else.
	killAt := time.Now()
	if err := servers[0].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-servers[0].done
	// The process is gone once it is reaped; until then the kernel still
	// holds its sockets and HAProxy may hand it a request.
	deadAt := time.Now()
	lb.waitStates(t, map[string]string{"a": "DOWN"})
	load.waitOK(t, load.ok.Load()+300)
	killFailed, notInFlight := load.failuresSince(killAt, deadAt)
	for _, f := range notInFlight {
		t.Errorf("after the SIGKILLed instance was gone (%v after the signal), a request that started %v after the signal failed: %s",
			deadAt.Sub(killAt), f.start.Sub(killAt), f.what)
	}
	if len(killFailed) > workers {
		t.Errorf("%d requests failed on the SIGKILL, more than the %d that can be in flight", len(killFailed), workers)
	}

	// SIGTERM: /readyz turns 503 while the instance still serves, HAProxy
	// takes it out, it drains and exits; no request fails.
	termAt := time.Now()
	okAtTerm := load.ok.Load()
	if err := servers[1].cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	ready := strings.TrimSuffix(servers[1].baseURL, "/api/2") + "/readyz"
	for {
		resp, err := http.Get(ready)
		if err != nil {
			t.Fatalf("/readyz of the draining instance: %v (it stopped listening before answering 503)", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 503 {
			if resp.Header.Get("Retry-After") == "" || !bytes.Contains(b, []byte(`"code"`)) {
				t.Errorf("/readyz while draining: %d %v %s, want the API's error object with Retry-After", resp.StatusCode, resp.Header, b)
			}
			break
		}
		if resp.StatusCode != 200 {
			t.Fatalf("/readyz of the draining instance: %d %s", resp.StatusCode, b)
		}
		time.Sleep(5 * time.Millisecond) // polling until the signal is handled
	}
	drainStart := time.Now()
	lb.waitStates(t, map[string]string{"b": "DOWN"})
	select {
	case err := <-servers[1].done:
		if err != nil {
			t.Errorf("tenantd serve exited with %v after SIGTERM\n%s", err, servers[1].logs)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("the draining instance did not exit")
	}
	drained := time.Since(drainStart)
	load.waitOK(t, load.ok.Load()+300)
	close(stop)
	wg.Wait()
	termFailed, _ := load.failuresSince(termAt, termAt)
	for _, f := range termFailed {
		t.Errorf("a request failed during the drain: %s", f.what)
	}
	if n := countServed(servers[1].logs.String(), termAt); n == 0 {
		t.Errorf("the draining instance served no request after SIGTERM")
	}

	// Every acknowledged write is there: each worker's tenant has the
	// version of its last acknowledged write, or one more for a write whose
	// answer was lost (its worker re-read it).
	for w, id := range tenants {
		got := api.must("GET", "/tenants/"+id, nil, nil, 200)
		if v := int64(got["version"].(float64)); v < load.versions[w].Load() {
			t.Errorf("tenant %s: version %d, below the acknowledged %d", id, v, load.versions[w].Load())
		}
	}
	t.Logf("%d requests answered (%d reads, %d writes, %d tokens); SIGKILL: %d failed, all in flight at the kill (%v); "+
		"%d writes after a lost one met its late commit (409); SIGTERM: %d failed of %d answered during and after the drain, drain %v after /readyz turned 503",
		load.ok.Load(), load.reads.Load(), load.writes.Load(), load.tokens.Load(), len(killFailed), killFailed, load.lateConflicts.Load(),
		len(termFailed), load.ok.Load()-okAtTerm, drained.Round(time.Millisecond))
	servers[2].stop(t)
}

// haproxyBinary returns the path of haproxy. It fails, never skips: CI
// installs haproxy (.ci/run).
func haproxyBinary(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("haproxy")
	if err != nil {
		t.Fatalf("haproxy is not installed (apt-get install haproxy; .ci/run does): %v", err)
	}
	return p
}

// haproxy is a running HAProxy in front of test servers.
type haproxy struct {
	baseURL  string // http://127.0.0.1:PORT/api/2
	statsURL string
	logs     *syncBuffer
}

// startHAProxy writes a configuration from deploy/haproxy.cfg with the
// frontend, the stats listener and the servers on loopback, and runs
// haproxy in the foreground until the test ends.
func startHAProxy(t *testing.T, bin string, servers []*server) *haproxy {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "deploy", "haproxy.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	front, stats := freeTCPPort(t), freeTCPPort(t)
	cfg := string(raw)
	replace := func(re, with string) {
		t.Helper()
		r := regexp.MustCompile(re)
		if !r.MatchString(cfg) {
			t.Fatalf("deploy/haproxy.cfg has no line matching %s", re)
		}
		cfg = r.ReplaceAllString(cfg, with)
	}
	replace(`(?m)^(\s*)bind :443 .*$`, fmt.Sprintf("${1}bind 127.0.0.1:%d", front))
	replace(`(?m)^(\s*)bind 127\.0\.0\.1:8404$`, fmt.Sprintf("${1}bind 127.0.0.1:%d", stats))
	names := []string{"a", "b", "c"}
	replace(`(?m)^\s*server [a-z] \S+ check\n`, "")
	var lines strings.Builder
	for i, s := range servers {
		hostport := strings.TrimSuffix(strings.TrimPrefix(s.baseURL, "http://"), "/api/2")
		fmt.Fprintf(&lines, "    server %s %s check\n", names[i], hostport)
	}
	replace(`(?m)^(\s*default-server .*\n)`, "${1}"+strings.ReplaceAll(lines.String(), "$", "$$"))
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-c", "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c: %v\n%s\n%s", err, out, cfg)
	}
	h := &haproxy{baseURL: fmt.Sprintf("http://127.0.0.1:%d/api/2", front), statsURL: fmt.Sprintf("http://127.0.0.1:%d/stats;csv", stats), logs: &syncBuffer{}}
	cmd := exec.Command(bin, "-db", "-f", path)
	cmd.Stdout, cmd.Stderr = h.logs, h.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("haproxy log:\n%s", h.logs.tail(8000))
		}
	})
	return h
}

// states returns the status HAProxy gives each server of backend tenantd.
func (h *haproxy) states() (map[string]string, error) {
	resp, err := http.Get(h.statsURL)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	r := csv.NewReader(resp.Body)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil || len(rows) == 0 {
		return nil, fmt.Errorf("stats: %v", err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[strings.TrimPrefix(strings.TrimSpace(name), "# ")] = i
	}
	out := map[string]string{}
	for _, row := range rows[1:] {
		if len(row) > col["status"] && row[col["pxname"]] == "tenantd" {
			out[row[col["svname"]]] = row[col["status"]]
		}
	}
	return out, nil
}

// waitStates waits until every server named in want has its status (a
// prefix: "DOWN" matches "DOWN 1/2").
func (h *haproxy) waitStates(t *testing.T, want map[string]string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := h.states()
		match := err == nil
		for name, st := range want {
			match = match && strings.HasPrefix(got[name], st) && !strings.Contains(got[name], "/")
		}
		if match {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("HAProxy server states %v (%v), want %v", got, err, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lbLoad is the mixed load of TestHAProxy and what it observed.
type lbLoad struct {
	http  *http.Client
	base  string
	auth  string
	creds credentials

	ok, reads, writes, tokens atomic.Int64
	lateConflicts             atomic.Int64    // 409s of the write after one whose answer was lost
	versions                  [8]atomic.Int64 // each worker's last acknowledged version

	mu       sync.Mutex
	failures []lbFailure
}

// lbFailure is a request that failed: no answer, or an unexpected status.
type lbFailure struct {
	start, end time.Time
	what       string
}

func (f lbFailure) String() string { return f.what }

// worker loops over a read of its tenant, a version-guarded write of it
// and a token request. After a write whose answer was lost it reads the
// version again; that write may still commit after the read (PostgreSQL
// finishes a transaction whose COMMIT it received from an instance that
// died), so the next write may meet a 409, which is counted apart.
func (l *lbLoad) worker(w int, id string, stop chan struct{}) {
	version := int64(0)
	lost := false // the last write's answer was lost
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		switch {
		case version == 0 || i%3 == 0:
			var out map[string]any
			if l.do("GET", "/tenants/"+id, nil, 200, 0, &out, "", "") == 200 {
				l.reads.Add(1)
				version = int64(out["version"].(float64))
			} else {
				version = 0
			}
		case i%3 == 1:
			var out map[string]any
			body := map[string]any{"version": version, "name": fmt.Sprintf("lb-%d-%d", w, i)}
			also := 0
			if lost {
				also = 409
			}
			switch l.do("PUT", "/tenants/"+id, body, 200, also, &out, "", "") {
			case 200:
				l.writes.Add(1)
				version = int64(out["version"].(float64))
				l.versions[w].Store(version)
				lost = false
			case 409:
				l.lateConflicts.Add(1)
				version, lost = 0, false
			default:
				version, lost = 0, true
			}
		default:
			if l.do("POST", "/idp/token", nil, 200, 0, nil, l.creds.ClientID, l.creds.ClientSecret) == 200 {
				l.tokens.Add(1)
			}
		}
	}
}

// do sends a request and returns the status of its answer when it is
// want or also (not zero); otherwise it records a failure and returns 0.
func (l *lbLoad) do(method, path string, body any, want, also int, out *map[string]any, user, pass string) int {
	start := time.Now()
	fail := func(format string, args ...any) int {
		l.mu.Lock()
		l.failures = append(l.failures, lbFailure{start: start, end: time.Now(), what: method + " " + path + ": " + fmt.Sprintf(format, args...)})
		l.mu.Unlock()
		return 0
	}
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	if user != "" {
		r = strings.NewReader("grant_type=client_credentials")
	}
	req, err := http.NewRequest(method, l.base+path, r)
	if err != nil {
		return fail("%v", err)
	}
	switch {
	case user != "":
		req.SetBasicAuth(user, pass)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case body != nil:
		req.Header.Set("Content-Type", "application/json")
		fallthrough
	default:
		req.Header.Set("Authorization", l.auth)
	}
	resp, err := l.http.Do(req)
	if err != nil {
		return fail("%v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fail("reading the answer: %v", err)
	}
	if also != 0 && resp.StatusCode == also {
		return also
	}
	if resp.StatusCode != want {
		return fail("status %d: %.200s", resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fail("not JSON: %.200s", b)
		}
	}
	l.ok.Add(1)
	return want
}

// waitOK waits until n requests have succeeded.
func (l *lbLoad) waitOK(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for l.ok.Load() < n {
		if time.Now().After(deadline) {
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("only %d of %d requests succeeded within a minute; failures: %v", l.ok.Load(), n, l.failures)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// failuresSince returns the failures of requests still running at since,
// split into those that started before until (in flight on a dying
// instance) and after.
func (l *lbLoad) failuresSince(since, until time.Time) (inFlight, after []lbFailure) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, f := range l.failures {
		switch {
		case f.end.Before(since):
		case f.start.Before(until):
			inFlight = append(inFlight, f)
		default:
			after = append(after, f)
		}
	}
	return inFlight, after
}

// countServed counts the API requests a server's JSON log records as
// answered after since.
func countServed(logs string, since time.Time) int {
	n := 0
	for line := range strings.SplitSeq(logs, "\n") {
		var rec struct {
			Time   time.Time `json:"time"`
			Msg    string    `json:"msg"`
			Path   string    `json:"path"`
			Status int       `json:"status"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Status != 0 && strings.HasPrefix(rec.Path, "/api/2/") && rec.Time.After(since) {
			n++
		}
	}
	return n
}

// freeTCPPort returns a loopback port that was free a moment ago.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer is a bytes.Buffer safe for a process's writes and the test's
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) tail(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.b.Bytes()
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
