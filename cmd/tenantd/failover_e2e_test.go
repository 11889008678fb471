package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantd/tenantd/internal/pgtest"
)

// failoverGap is the longest tenantd may go without serving writes after
// the standby's promotion.
const failoverGap = 10 * time.Second

// TestPostgresFailover runs tenantd on a multi-host URL naming a primary and
// its synchronous standby (target_session_attrs=read-write) under a steady
// load of creations and version-guarded updates, kills the primary
// (SIGKILL to every server process) and promotes the standby. It shows that
// while no server accepts writes every request is answered 503 with
// Retry-After in the API's error format, before the client's timeout; that
// tenantd serves writes again within failoverGap of the promotion without a
// restart; and that every write tenantd acknowledged, before or after the
// failover, is on the new primary. It also shows that the URL's password
// appears in no output of tenantd.
//
// It is not parallel: its timing is measured, and on a small machine the
// other end-to-end tests would make the measure theirs.
func TestPostgresFailover(t *testing.T) {
	setup, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	pair, err := pgtest.StartPair(setup)
	if err != nil {
		t.Fatalf("start postgres pair: %v", err)
	}
	t.Cleanup(func() {
		if err := pair.Stop(); err != nil {
			t.Error(err)
		}
	})
	dsn, err := pair.CreateDatabase(setup)
	if err != nil {
		t.Fatal(err)
	}
	// The servers trust every local connection and never ask for the
	// password: it is there to be looked for in tenantd's output.
	const password = "fa1lover-s3cret"
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("postgres", password)
	dsn = u.String()
	if !strings.Contains(dsn, ",") || !strings.Contains(dsn, "target_session_attrs=read-write") {
		t.Fatalf("not a multi-host read-write URL: %s", dsn)
	}
	store := []string{"--db", dsn}
	creds := bootstrap(t, store)
	srv := serve(t, append([]string{"--token-alg", "EdDSA"}, store...))
	tok := token(t, srv.baseURL, creds.ClientID, creds.ClientSecret)
	load := &failoverLoad{base: srv.baseURL, auth: "Bearer " + tok, parent: creds.TenantID,
		http: &http.Client{Timeout: 15 * time.Second}}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	const workers = 4
	for w := range workers {
		wg.Go(func() { load.worker(w, stop) })
	}
	stopLoad := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopLoad()

	// poll waits until cond holds, failing the test after limit.
	poll := func(what string, limit time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for !cond() {
			if time.Now().After(deadline) {
				stopLoad()
				t.Fatalf("%s: not within %v; failures: %v\n%s", what, limit, load.failures(), srv.logs)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	poll("writes before the failover", time.Minute, func() bool { return load.acked(time.Time{}) >= 40 })

	killed := time.Now()
	if err := pair.Primary.Kill(); err != nil {
		t.Fatal(err)
	}
	down := time.Now() // from here on no server accepts writes
	poll("503 answers while no server accepts writes", 30*time.Second, func() bool { return load.unavailable(down) >= 20 })
	if resp, err := http.Get(strings.TrimSuffix(srv.baseURL, "/api/2") + "/readyz"); err != nil || resp.StatusCode != 503 {
		t.Errorf("/readyz answered %v %v while no server accepted writes, want 503", resp, err)
	} else {
		resp.Body.Close()
	}
	promoting := time.Now()
	if err := pair.Standby.Promote(setup); err != nil {
		t.Fatal(err)
	}
	promoted := time.Now()
	poll("writes after the promotion", 30*time.Second, func() bool { return load.acked(promoting) >= 1 })
	before := load.acked(promoting)
	poll("a steady load after the promotion", time.Minute, func() bool { return load.acked(promoting) >= before+40 })
	stopLoad()
	if f := load.failures(); len(f) > 0 {
		t.Fatalf("%d requests failed; the first ones: %v", len(f), f[:min(len(f), 10)])
	}

	// The gap: from the kill, and from the promotion, to the first write
	// acknowledged after it.
	first := load.firstAck(promoting)
	lastBefore := load.lastAck(killed)
	gap := first.Sub(promoted)
	t.Logf("failover: last write acknowledged %v before the kill, %v from kill to promotion, promotion took %v; first write %v after the promotion (%v after the kill)",
		killed.Sub(lastBefore).Round(time.Millisecond), promoting.Sub(killed).Round(time.Millisecond),
		promoted.Sub(promoting).Round(time.Millisecond), gap.Round(time.Millisecond), first.Sub(killed).Round(time.Millisecond))
	if gap > failoverGap {
		t.Errorf("tenantd served writes again %v after the promotion, want within %v", gap, failoverGap)
	}
	// Nothing can be acknowledged while no server accepts writes, and the
	// 503s come at once.
	var slowest time.Duration
	for _, r := range load.requests() {
		if r.start.After(down) && r.end.Before(promoting) && r.status/100 == 2 {
			t.Errorf("%s answered %d at %v, while no server accepted writes", r.what, r.status, r.end.Sub(killed))
		}
		if r.status == 503 {
			slowest = max(slowest, r.end.Sub(r.start))
		}
	}
	t.Logf("the slowest 503 took %v", slowest.Round(time.Millisecond))

	// Every acknowledged write is on the new primary: each tenant is there
	// with at least the version of its last acknowledged update, and exactly
	// that one when no write of it was left unanswered afterwards.
	api := &client{t: t, baseURL: srv.baseURL, auth: load.auth}
	checked := 0
	for _, tn := range load.tenants() {
		got := api.must("GET", "/tenants/"+tn.id, nil, nil, 200)
		v := int64(got["version"].(float64))
		switch {
		case v < tn.version:
			t.Errorf("tenant %s: version %d, an update to version %d was acknowledged", tn.id, v, tn.version)
		case !tn.uncertain && (v != tn.version || got["name"] != tn.name):
			t.Errorf("tenant %s: version %d name %v, the last acknowledged write made version %d name %s",
				tn.id, v, got["name"], tn.version, tn.name)
		}
		checked++
	}
	srv.stop(t)
	if strings.Contains(srv.logs.String(), password) {
		t.Errorf("tenantd's log holds the database password")
	}
	n503, retryAfter := load.counts()
	t.Logf("%d tenants checked on the new primary, %d writes acknowledged, %d answers 503 (all with Retry-After %s)",
		checked, load.acked(time.Time{}), n503, retryAfter)
}

// failoverLoad is the write load of TestPostgresFailover: each worker
// creates tenants of its own and updates them with version-guarded PUTs.
type failoverLoad struct {
	base, auth, parent string
	http               *http.Client
	gate               sync.RWMutex // held by each worker's request, taken whole by pause

	mu    sync.Mutex
	own   []*failoverTenant // every tenant whose creation was acknowledged
	log   []failoverRequest
	fails []string
	n503  int
	after map[string]bool // the Retry-After values seen
}

// failoverTenant is what was acknowledged of one tenant.
type failoverTenant struct {
	id, name string
	version  int64
	// uncertain: a write of it went unanswered (503) after the last
	// acknowledged one; it may or may not have been committed.
	uncertain bool
	acks      []failoverAck // every acknowledged write, in order
}

// failoverAck is an acknowledged write of a tenant: the version it made and
// when its answer came.
type failoverAck struct {
	version int64
	at      time.Time
}

// failoverRequest is one request of the load and its answer.
type failoverRequest struct {
	what       string
	start, end time.Time
	status     int
	write      bool
}

func (l *failoverLoad) worker(w int, stop chan struct{}) {
	var cur *failoverTenant
	reread := false // the version of cur must be read again
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		l.gate.RLock()
		switch {
		case cur == nil || i%8 == 0:
			name := fmt.Sprintf("failover-%d-%d", w, i)
			status, out := l.do("POST", "/tenants", map[string]any{"name": name, "parent_id": l.parent, "kind": "customer"}, 201)
			if status == 201 {
				v := int64(out["version"].(float64))
				cur = &failoverTenant{id: out["id"].(string), name: name, version: v, acks: []failoverAck{{v, time.Now()}}}
				reread = false
				l.mu.Lock()
				l.own = append(l.own, cur)
				l.mu.Unlock()
			}
		case reread:
			status, out := l.do("GET", "/tenants/"+cur.id, nil, 200)
			if status == 200 {
				l.mu.Lock()
				cur.version = int64(out["version"].(float64))
				cur.name = out["name"].(string)
				l.mu.Unlock()
				reread = false
			}
		default:
			name := fmt.Sprintf("failover-%d-%d", w, i)
			status, out := l.do("PUT", "/tenants/"+cur.id, map[string]any{"version": cur.version, "name": name}, 200)
			l.mu.Lock()
			switch status {
			case 200:
				cur.version, cur.name, cur.uncertain = int64(out["version"].(float64)), name, false
				cur.acks = append(cur.acks, failoverAck{cur.version, time.Now()})
			case 503:
				cur.uncertain, reread = true, true
			}
			l.mu.Unlock()
		}
		l.gate.RUnlock()
	}
}

// pause waits for the requests in flight to be answered and holds the
// workers until resume.
func (l *failoverLoad) pause() { l.gate.Lock() }

func (l *failoverLoad) resume() { l.gate.Unlock() }

// do sends a request and returns its status and body. A status other than
// want and 503, a 503 not in the API's error format or without
// Retry-After, and an answer that does not come before the client's
// timeout are failures, recorded; do then returns 0.
func (l *failoverLoad) do(method, path string, body any, want int) (int, map[string]any) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	what := method + " " + path
	rec := failoverRequest{what: what, start: time.Now(), write: method != "GET"}
	fail := func(format string, args ...any) (int, map[string]any) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.fails = append(l.fails, fmt.Sprintf("%s at %s: ", what, rec.start.Format("15:04:05.000"))+fmt.Sprintf(format, args...))
		return 0, nil
	}
	req, err := http.NewRequest(method, l.base+path, r)
	if err != nil {
		return fail("%v", err)
	}
	req.Header.Set("Authorization", l.auth)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := l.http.Do(req)
	if err != nil {
		return fail("no answer: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fail("answer cut: %v", err)
	}
	rec.end, rec.status = time.Now(), resp.StatusCode
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return fail("%d, not JSON: %.200s", resp.StatusCode, b)
	}
	switch resp.StatusCode {
	case want:
	case http.StatusServiceUnavailable:
		e, _ := out["error"].(map[string]any)
		if e == nil || e["code"] == nil || e["message"] == nil || e["domain"] == nil {
			return fail("a 503 not in the API's error format: %s", b)
		}
		ra := resp.Header.Get("Retry-After")
		if ra == "" {
			return fail("a 503 without Retry-After: %s", b)
		}
		l.mu.Lock()
		l.n503++
		if l.after == nil {
			l.after = map[string]bool{}
		}
		l.after[ra] = true
		l.mu.Unlock()
	default:
		return fail("status %d: %.300s", resp.StatusCode, b)
	}
	l.mu.Lock()
	l.log = append(l.log, rec)
	l.mu.Unlock()
	if resp.StatusCode == http.StatusServiceUnavailable {
		time.Sleep(20 * time.Millisecond) // as a client honouring Retry-After would, but quicker
	}
	return resp.StatusCode, out
}

// acked counts the writes acknowledged among requests sent after since.
func (l *failoverLoad) acked(since time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.log {
		if r.write && r.status/100 == 2 && r.start.After(since) {
			n++
		}
	}
	return n
}

// ackedBefore counts the writes acknowledged before until.
func (l *failoverLoad) ackedBefore(until time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.log {
		if r.write && r.status/100 == 2 && r.end.Before(until) {
			n++
		}
	}
	return n
}

// unavailable counts the 503 answers to requests sent after since.
func (l *failoverLoad) unavailable(since time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.log {
		if r.status == 503 && r.start.After(since) {
			n++
		}
	}
	return n
}

// firstAck is when the first write sent after since was acknowledged.
func (l *failoverLoad) firstAck(since time.Time) time.Time {
	var first time.Time
	for _, r := range l.requests() {
		if r.write && r.status/100 == 2 && r.start.After(since) && (first.IsZero() || r.end.Before(first)) {
			first = r.end
		}
	}
	return first
}

// lastAck is when the last write acknowledged before until was.
func (l *failoverLoad) lastAck(until time.Time) time.Time {
	var last time.Time
	for _, r := range l.requests() {
		if r.write && r.status/100 == 2 && r.end.Before(until) && r.end.After(last) {
			last = r.end
		}
	}
	return last
}

func (l *failoverLoad) requests() []failoverRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.log)
}

func (l *failoverLoad) failures() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.fails)
}

func (l *failoverLoad) tenants() []failoverTenant {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]failoverTenant, len(l.own))
	for i, tn := range l.own {
		out[i] = *tn
		out[i].acks = slices.Clone(tn.acks)
	}
	return out
}

// counts returns the number of 503 answers and the Retry-After values seen.
func (l *failoverLoad) counts() (int, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var vals []string
	for v := range l.after {
		vals = append(vals, v)
	}
	slices.Sort(vals)
	return l.n503, strings.Join(vals, ", ")
}

// TestPostgresFailoverAsynchronous is the control of TestPostgresFailover:
// with asynchronous replication the primary acknowledges commits the
// standby does not have. The standby is stopped (an immediate shutdown)
// while tenantd goes on acknowledging writes, then the primary is killed
// and the standby started again and promoted. Every write acknowledged
// before the standby stopped is there; writes acknowledged after it are
// gone, which the checks of TestPostgresFailover would have caught, and a
// client that holds the version of a lost update gets a 409.
func TestPostgresFailoverAsynchronous(t *testing.T) {
	setup, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	pair, err := pgtest.StartPair(setup)
	if err != nil {
		t.Fatalf("start postgres pair: %v", err)
	}
	t.Cleanup(func() {
		if err := pair.Stop(); err != nil {
			t.Error(err)
		}
	})
	if err := pair.SetSynchronous(setup, false); err != nil {
		t.Fatal(err)
	}
	dsn, err := pair.CreateDatabase(setup)
	if err != nil {
		t.Fatal(err)
	}
	store := []string{"--db", dsn}
	creds := bootstrap(t, store)
	srv := serve(t, append([]string{"--token-alg", "EdDSA"}, store...))
	tok := token(t, srv.baseURL, creds.ClientID, creds.ClientSecret)
	load := &failoverLoad{base: srv.baseURL, auth: "Bearer " + tok, parent: creds.TenantID,
		http: &http.Client{Timeout: 15 * time.Second}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() { load.worker(w, stop) })
	}
	stopLoad := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopLoad()
	poll := func(what string, limit time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for !cond() {
			if time.Now().After(deadline) {
				stopLoad()
				t.Fatalf("%s: not within %v; failures: %v\n%s", what, limit, load.failures(), srv.logs)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	poll("writes while the standby streams", time.Minute, func() bool { return load.acked(time.Time{}) >= 20 })
	// The writes so far are on the standby: the load pauses until it has
	// replayed them, and goes on, with the same tenants, once it is down.
	load.pause()
	err = pair.WaitReplayed(setup)
	standbyDown := time.Now()
	if err == nil {
		err = pair.Standby.Crash()
	}
	afterDown := time.Now()
	load.resume()
	if err != nil {
		t.Fatal(err)
	}
	poll("writes while the standby is down", time.Minute, func() bool { return load.acked(afterDown) >= 20 })
	if err := pair.Primary.Kill(); err != nil {
		t.Fatal(err)
	}
	stopLoad()
	if f := load.failures(); len(f) > 0 {
		t.Fatalf("%d requests failed; the first ones: %v", len(f), f[:min(len(f), 10)])
	}
	if err := pair.Standby.Restart(setup); err != nil {
		t.Fatal(err)
	}
	if err := pair.Standby.Promote(setup); err != nil {
		t.Fatal(err)
	}

	api := &chaosAPI{base: srv.baseURL, auth: load.auth, http: &http.Client{Timeout: 15 * time.Second}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, _, err := api.do("GET", "/tenants/"+creds.TenantID, nil)
		if err == nil && s == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tenantd did not read from the promoted standby within 30 s: %d %v", s, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	lostWrites, lostTenants := 0, 0
	conflictChecked := false
	for _, tn := range load.tenants() {
		kept := int64(0) // the last version acknowledged before the standby went down
		for _, a := range tn.acks {
			if a.at.Before(standbyDown) {
				kept = a.version
			}
		}
		s, got, err := api.do("GET", "/tenants/"+tn.id, nil)
		if err != nil || (s != 200 && s != 404) {
			t.Fatalf("GET /tenants/%s: %d %v %v", tn.id, s, err, got)
		}
		have := int64(0)
		if s == 200 {
			have = int64(got["version"].(float64))
		} else {
			lostTenants++
		}
		if have < kept {
			t.Errorf("tenant %s: version %d; version %d was acknowledged before the standby went down", tn.id, have, kept)
		}
		for _, a := range tn.acks {
			if a.version > have {
				lostWrites++
			}
		}
		if s == 200 && tn.version > have && !conflictChecked {
			// The client holds the version of an update that is gone.
			s, out, err := api.do("PUT", "/tenants/"+tn.id, map[string]any{"version": tn.version, "name": "after-the-loss"})
			if err != nil || s != 409 {
				t.Errorf("PUT with the version of a lost update: %d %v %v, want 409", s, err, out)
			}
			conflictChecked = true
		}
	}
	if !conflictChecked {
		t.Errorf("no tenant that was kept lost an update: the 409 of a lost version was not checked")
	}
	if lostWrites == 0 {
		t.Errorf("no acknowledged write was lost with asynchronous replication and the standby down: the checks would not see a loss")
	}
	srv.stop(t)
	t.Logf("asynchronous replication: %d acknowledged writes lost (%d tenants whose creation was acknowledged are gone), of %d acknowledged; all %d acknowledged before the standby went down kept",
		lostWrites, lostTenants, load.acked(time.Time{}), load.ackedBefore(standbyDown))
}

// TestDBURLMasked checks that a multi-host URL tenantd cannot use is
// refused at start with the URL in the message and its password masked.
func TestDBURLMasked(t *testing.T) {
	t.Parallel()
	const password = "m4sked-s3cret"
	for _, dsn := range []string{
		"postgres://tenantd:" + password + "@127.0.0.1:1,127.0.0.1:x/tenantd?target_session_attrs=read-write",
		"postgres://tenantd:" + password + "@127.0.0.1:1,127.0.0.1:2/tenantd?target_session_attrs=sometimes",
	} {
		out, err := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--db", dsn).CombinedOutput()
		if err == nil {
			t.Fatalf("tenantd serve --db %s started", dsn)
		}
		if strings.Contains(string(out), password) || !strings.Contains(string(out), "cannot parse") {
			t.Errorf("tenantd serve --db %s: %s", dsn, out)
		}
	}
}
