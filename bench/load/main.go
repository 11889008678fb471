// Command load seeds a store with a tree of tenants, starts tenantd on it and
// a raw baseline server on the same store, and drives both with a load of
// concurrent clients. It prints throughput and latency per operation and
// every ratio against the baseline next to its target: the machine may be
// shared and noisy, so only figures measured in the same run are compared.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/tenantd/tenantd/internal/pgtest"
	"github.com/tenantd/tenantd/internal/sqlstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type config struct {
	data     string
	dbURL    string
	tenants  int
	duration time.Duration
	clients  int
	tenantd  string
	ops      string
	rounds   int
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var c config
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.StringVar(&c.data, "data", filepath.Join(os.TempDir(), "tenantd-load"), "directory of the SQLite store (reused between runs of the same -tenants), and of the seed record")
	fs.StringVar(&c.dbURL, "db", "", "PostgreSQL URL of an empty or previously seeded database, instead of SQLite")
	fs.IntVar(&c.tenants, "tenants", 10000, "tenants in the seeded tree (100 to 1,000,000)")
	fs.DurationVar(&c.duration, "duration", 5*time.Second, "length of each measurement")
	fs.IntVar(&c.clients, "clients", 16, "concurrent clients")
	fs.StringVar(&c.tenantd, "tenantd", "", "tenantd binary (default: built from this module)")
	fs.StringVar(&c.ops, "phases", "read,write,mix", "measurements to run: read, write, mix")
	throwaway := fs.Bool("pg", false, "measure on a throw-away PostgreSQL server started for the run (PostgreSQL server binaries found by pg_config --bindir), seeded anew")
	serveRawDSN := fs.String("serve-raw", "", "run only the raw baseline server on this store, printing its URL (the harness starts itself so)")
	fs.IntVar(&c.rounds, "rounds", 5, "alternating rounds of baseline and tenantd the read and write measurements are split into")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *serveRawDSN != "" {
		return runRaw(ctx, *serveRawDSN, out)
	}
	if c.rounds < 1 {
		return fmt.Errorf("-rounds must be at least 1")
	}
	if c.tenants < 100 || c.tenants > 1_000_000 {
		return fmt.Errorf("-tenants must be from 100 to 1,000,000")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	logf := func(format string, args ...any) { log.Info(fmt.Sprintf(format, args...)) }

	if err := os.MkdirAll(c.data, 0o750); err != nil {
		return err
	}
	dsn, seedPath := filepath.Join(c.data, "tenantd.db"), filepath.Join(c.data, fmt.Sprintf("seed-sqlite-%d.json", c.tenants))
	if *throwaway {
		cluster, err := pgtest.Start(ctx)
		if err != nil {
			return fmt.Errorf("start postgres: %w", err)
		}
		defer func() { _ = cluster.Stop() }()
		if c.dbURL, err = cluster.CreateDatabase(ctx); err != nil {
			return err
		}
		dsn, seedPath = c.dbURL, filepath.Join(c.data, fmt.Sprintf("seed-throwaway-%d.json", time.Now().UnixNano()))
		defer os.Remove(seedPath)
	} else if c.dbURL != "" {
		dsn, seedPath = c.dbURL, filepath.Join(c.data, fmt.Sprintf("seed-postgres-%d.json", c.tenants))
	}
	s, err := prepareStore(ctx, dsn, seedPath, c.tenants, logf)
	if err != nil {
		return err
	}

	bin := c.tenantd
	if bin == "" {
		bin = filepath.Join(c.data, "tenantd")
		logf("building tenantd")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/tenantd")
		build.Dir = moduleRoot()
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build tenantd: %w", err)
		}
	}
	tenantdURL, stopTenantd, err := startTenantd(ctx, bin, c, dsn)
	if err != nil {
		return err
	}
	defer stopTenantd()

	// The raw server runs in a process of its own, as tenantd does, so that
	// neither shares its scheduler and collector with the load generator.
	raw, err := openRaw(ctx, dsn)
	if err != nil {
		return err
	}
	defer raw.Close()
	rawURL, stopRaw, err := startRaw(ctx, dsn)
	if err != nil {
		return err
	}
	defer stopRaw()

	token, err := clientToken(ctx, tenantdURL, s)
	if err != nil {
		return err
	}
	l := &load{c: c, s: s, api: tenantdURL + "/api/2", raw: rawURL, bearer: "Bearer " + token, rawDB: raw}
	fmt.Fprintf(out, "store %s, %d tenants, %d clients, %s per measurement (read and write in %d alternating rounds), GOMAXPROCS of this process %d\n",
		map[bool]string{true: "postgres", false: "sqlite"}[c.dbURL != ""], c.tenants, c.clients, c.duration, c.rounds, numCPU())
	return l.measure(ctx, out)
}

func prepareStore(ctx context.Context, dsn, seedPath string, n int, logf func(string, ...any)) (*seed, error) {
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	s, err := loadSeed(seedPath, n)
	if err != nil || s != nil {
		if s != nil {
			logf("reusing the store seeded with %d tenants (%s)", n, seedPath)
		}
		return s, err
	}
	if _, err := os.Stat(seedPath); err == nil {
		return nil, fmt.Errorf("%s records another store", seedPath)
	}
	s, err = seedStore(ctx, db, n, logf)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	return s, os.WriteFile(seedPath, b, 0o600)
}

func moduleRoot() string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "."
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

func numCPU() int { return runtime.GOMAXPROCS(0) }

func startTenantd(ctx context.Context, bin string, c config, dsn string) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	args := []string{"serve", "--addr", addr, "--log-level", "warn"}
	if c.dbURL != "" {
		args = append(args, "--db", dsn)
	} else {
		args = append(args, "--data", c.data)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start tenantd: %w", err)
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, stop, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			stop()
			return "", nil, fmt.Errorf("tenantd did not become healthy at %s", base)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func clientToken(ctx context.Context, base string, s *seed) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/api/2/idp/token",
		strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.ClientID, s.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		return "", fmt.Errorf("token request: status %d", resp.StatusCode)
	}
	return body.AccessToken, nil
}

// load drives tenantd and the raw server.
type load struct {
	c      config
	s      *seed
	api    string // tenantd's /api/2
	raw    string
	bearer string
	rawDB  *rawServer
	seq    atomic.Uint64
}

// stats are the figures of one operation in one measurement.
type stats struct {
	n, errors, server int // requests, non-2xx answers, 5xx answers and transport errors
	codes             map[uint16]int
	m                 vegeta.Metrics
}

func (st *stats) add(r *vegeta.Result) {
	st.n++
	if st.codes == nil {
		st.codes = map[uint16]int{}
	}
	st.codes[r.Code]++
	if r.Code < 200 || r.Code > 299 {
		st.errors++
	}
	if r.Code == 0 || r.Code >= 500 {
		st.server++
	}
	st.m.Add(r)
}

func (st *stats) rate(d time.Duration) float64 { return float64(st.n) / d.Seconds() }

// attack runs targeter with the load's clients for its duration, calling
// each result's handler and grouping figures by what classify names.
func (l *load) attack(tr vegeta.Targeter, name string, classify func(*vegeta.Result) string, after func(*vegeta.Result)) (map[string]*stats, time.Duration) {
	a := vegeta.NewAttacker(vegeta.Workers(uint64(l.c.clients)), vegeta.MaxWorkers(uint64(l.c.clients)),
		vegeta.KeepAlive(true), vegeta.Connections(l.c.clients), vegeta.Timeout(30*time.Second), vegeta.MaxBody(1<<20))
	out := map[string]*stats{}
	start := time.Now()
	for r := range a.Attack(tr, vegeta.Rate{Freq: 0}, l.c.duration, name) {
		if after != nil {
			after(r)
		}
		k := classify(r)
		if out[k] == nil {
			out[k] = &stats{}
		}
		out[k].add(r)
	}
	elapsed := time.Since(start)
	for _, st := range out {
		st.m.Close()
	}
	return out, elapsed
}

// interleave measures the baseline and tenantd in alternating rounds, so
// that a change in the machine's load while they run weighs on both alike.
func (l *load) interleave(base, subject vegeta.Targeter, after func(*vegeta.Result)) (*stats, time.Duration, *stats, time.Duration) {
	var bs, ss []*vegeta.Result
	var bd, sd time.Duration
	total := l.c.duration
	l.c.duration = total / time.Duration(l.c.rounds)
	defer func() { l.c.duration = total }()
	for range l.c.rounds {
		for _, side := range []struct {
			tr  vegeta.Targeter
			out *[]*vegeta.Result
			d   *time.Duration
		}{{base, &bs, &bd}, {subject, &ss, &sd}} {
			st, d := l.attack(side.tr, "phase", fixed("all"), func(r *vegeta.Result) {
				if after != nil {
					after(r)
				}
				*side.out = append(*side.out, r)
			})
			_ = st
			*side.d += d
		}
	}
	sum := func(rs []*vegeta.Result) *stats {
		st := &stats{}
		for _, r := range rs {
			st.add(r)
		}
		st.m.Close()
		return st
	}
	return sum(bs), bd, sum(ss), sd
}

func fixed(name string) func(*vegeta.Result) string {
	return func(*vegeta.Result) string { return name }
}

func (l *load) header() http.Header {
	return http.Header{"Authorization": {l.bearer}, "Content-Type": {"application/json"}}
}

// readTargeter reads random readable tenants of base (tenantd's API or the
// raw server).
func (l *load) readTargeter(base string, auth bool) vegeta.Targeter {
	return func(t *vegeta.Target) error {
		t.Method, t.URL = "GET", base+"/tenants/"+l.s.Readable[rand.IntN(len(l.s.Readable))]
		if auth {
			t.Header = l.header()
		}
		return nil
	}
}

// writePool hands out the writable tenants, each to one request at a time,
// with the version the next guarded update names.
type writePool struct {
	free     chan string
	mu       sync.Mutex
	versions map[string]int64
}

func (l *load) newWritePool(ctx context.Context) (*writePool, error) {
	p := &writePool{free: make(chan string, len(l.s.Writable)), versions: map[string]int64{}}
	for _, id := range l.s.Writable {
		v, err := l.rawDB.version(ctx, id)
		if err != nil {
			return nil, err
		}
		p.versions[id] = v
		p.free <- id
	}
	return p, nil
}

func (l *load) writeTargeter(p *writePool, base string, auth bool) vegeta.Targeter {
	return func(t *vegeta.Target) error {
		id := <-p.free
		p.mu.Lock()
		v := p.versions[id]
		p.mu.Unlock()
		t.Method, t.URL = "PUT", base+"/tenants/"+id
		t.Body = fmt.Appendf(nil, `{"version":%d,"name":"unit-w-%d"}`, v, l.seq.Add(1))
		t.Header = http.Header{"Content-Type": {"application/json"}}
		if auth {
			t.Header = l.header()
		}
		return nil
	}
}

// done gives a written tenant back to the pool with its new version: from
// the answer, or from the store after a conflict or an error.
func (l *load) done(ctx context.Context, p *writePool, r *vegeta.Result) {
	i := strings.LastIndex(r.URL, "/tenants/")
	if r.Method != "PUT" || i < 0 {
		return
	}
	id := r.URL[i+len("/tenants/"):]
	var body struct {
		Version int64 `json:"version"`
	}
	if r.Code != http.StatusOK || json.Unmarshal(r.Body, &body) != nil || body.Version == 0 {
		v, err := l.rawDB.version(ctx, id)
		if err == nil {
			body.Version = v
		}
	}
	p.mu.Lock()
	if body.Version != 0 {
		p.versions[id] = body.Version
	}
	p.mu.Unlock()
	p.free <- id
}

// mixTargeter sends the mix of operations an account-management client
// sends, with weights.
func (l *load) mixTargeter(ctx context.Context, p *writePool) (vegeta.Targeter, error) {
	since := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	partner := l.s.PartnerID
	batchFirst := l.api + "/tenants?parent_id=" + partner + "&limit=100"
	changesFirst := l.api + "/tenants?subtree_root_id=" + partner + "&updated_since=" + url.QueryEscape(since) + "&limit=100"
	batchNext, err := l.nextPage(ctx, batchFirst)
	if err != nil {
		return nil, err
	}
	write := l.writeTargeter(p, l.api, true)
	tokenForm := []byte(url.Values{"grant_type": {"client_credentials"}}.Encode())
	tokenHeader := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(l.s.ClientID, l.s.ClientSecret)
	tokenHeader.Set("Authorization", req.Header.Get("Authorization"))
	read := l.readTargeter(l.api, true)
	return func(t *vegeta.Target) error {
		t.Header, t.Body = l.header(), nil
		switch n := rand.IntN(100); {
		case n < 45:
			return read(t)
		case n < 55:
			t.Method, t.URL = "GET", l.api+"/users/"+l.s.Users[rand.IntN(len(l.s.Users))]
		case n < 70:
			return write(t)
		case n < 76:
			t.Method, t.URL = "GET", l.api+"/tenants/"+l.s.Parents[rand.IntN(len(l.s.Parents))]+"/children"
		case n < 82:
			t.Method, t.URL = "GET", batchFirst
			if batchNext != "" && n%2 == 0 {
				t.URL = batchNext
			}
		case n < 88:
			t.Method, t.URL = "GET", changesFirst
		case n < 94:
			t.Method, t.URL = "GET", l.api+"/search?tenant="+partner+"&text=cust-0-"+fmt.Sprint(rand.IntN(100))+"&limit=10"
		default:
			t.Method, t.URL, t.Body, t.Header = "POST", l.api+"/idp/token", tokenForm, tokenHeader
		}
		return nil
	}, nil
}

// nextPage returns the URL of the page after the first one of a listing.
func (l *load) nextPage(ctx context.Context, first string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", first, nil)
	if err != nil {
		return "", err
	}
	req.Header = l.header()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var page struct {
		Paging struct {
			Cursors struct {
				After string `json:"after"`
			} `json:"cursors"`
		} `json:"paging"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("listing %s: status %d", first, resp.StatusCode)
	}
	if page.Paging.Cursors.After == "" {
		return "", nil
	}
	return l.api + "/tenants?after=" + url.QueryEscape(page.Paging.Cursors.After), nil
}

func classifyMix(r *vegeta.Result) string {
	u, err := url.Parse(r.URL)
	if err != nil {
		return "other"
	}
	p := strings.TrimPrefix(u.Path, "/api/2")
	switch {
	case r.Method == "POST":
		return "token"
	case strings.HasPrefix(p, "/users/"):
		return "get_user"
	case r.Method == "PUT":
		return "put_tenant"
	case strings.HasSuffix(p, "/children"):
		return "children"
	case p == "/search":
		return "search"
	case p == "/tenants" && u.Query().Has("updated_since"):
		return "changes"
	case p == "/tenants" && u.Query().Has("after"):
		return "batch_next"
	case p == "/tenants":
		return "batch"
	case strings.HasPrefix(p, "/tenants/"):
		return "get_tenant"
	}
	return "other"
}

func (l *load) measure(ctx context.Context, out io.Writer) error {
	phases := map[string]bool{}
	for _, p := range strings.Split(l.c.ops, ",") {
		phases[strings.TrimSpace(p)] = true
	}
	var lines []string
	row := func(name string, st *stats, d time.Duration) {
		fmt.Fprintf(out, "  %-22s %8.0f req/s  p50 %8s  p99 %8s  n %6d  non-2xx %d  5xx/errors %d %v\n", name, st.rate(d),
			st.m.Latencies.P50.Round(10*time.Microsecond), st.m.Latencies.P99.Round(10*time.Microsecond), st.n, st.errors, st.server, codes(st))
	}
	ratio := func(name string, got, base float64, target float64, cmp string) {
		r := got / base
		ok := r >= target
		if cmp == "<=" {
			ok = r <= target
		}
		lines = append(lines, fmt.Sprintf("  %-44s %6.2f  (target %s %.1f: %s)", name, r, cmp, target, map[bool]string{true: "met", false: "NOT met"}[ok]))
	}
	if phases["read"] {
		fmt.Fprintln(out, "read: GET /tenants/{id} of random customers and units")
		rawSt, rd, tSt, td := l.interleave(l.readTargeter(l.raw, false), l.readTargeter(l.api, true), nil)
		row("raw_get", rawSt, rd)
		row("get_tenant", tSt, td)
		ratio("authenticated GET /tenants/{id} / raw read", tSt.rate(td), rawSt.rate(rd), 0.8, ">=")
	}
	if phases["write"] {
		fmt.Fprintln(out, "write: version-guarded PUT /tenants/{id} of 256 units")
		p, err := l.newWritePool(ctx)
		if err != nil {
			return err
		}
		rawSt, rd, st, td := l.interleave(l.writeTargeter(p, l.raw, false), l.writeTargeter(p, l.api, true),
			func(r *vegeta.Result) { l.done(ctx, p, r) })
		row("raw_put", rawSt, rd)
		row("put_tenant", st, td)
		ratio("guarded PUT /tenants/{id} / raw update", st.rate(td), rawSt.rate(rd), 0.6, ">=")
		ratio("PUT p99 / p50", float64(st.m.Latencies.P99), float64(st.m.Latencies.P50), 5, "<=")
		lines = append(lines, fmt.Sprintf("  %-44s %6d  (target 0)", "PUT answers 5xx or failed", st.server))
	}
	if phases["mix"] {
		fmt.Fprintln(out, "mix: reads of tenants and users, guarded writes, children, batch pages, change feed, search, tokens")
		p, err := l.newWritePool(ctx)
		if err != nil {
			return err
		}
		tr, err := l.mixTargeter(ctx, p)
		if err != nil {
			return err
		}
		sts, d := l.attack(tr, "mix", classifyMix, func(r *vegeta.Result) { l.done(ctx, p, r) })
		total := &stats{}
		for _, name := range []string{"get_tenant", "get_user", "put_tenant", "children", "batch", "batch_next", "changes", "search", "token", "other"} {
			if st := sts[name]; st != nil {
				row(name, st, d)
				total.n += st.n
				total.server += st.server
			}
		}
		fmt.Fprintf(out, "  %-22s %8.0f req/s\n", "all", total.rate(d))
		lines = append(lines, fmt.Sprintf("  %-44s %6d  (target 0)", "mix answers 5xx or failed", total.server))
	}
	if len(lines) > 0 {
		fmt.Fprintln(out, "ratios:")
		for _, s := range lines {
			fmt.Fprintln(out, s)
		}
	}
	return nil
}

func codes(st *stats) string {
	var b bytes.Buffer
	for c, n := range st.codes {
		if c != 200 {
			fmt.Fprintf(&b, " %d×%d", n, c)
		}
	}
	return b.String()
}
