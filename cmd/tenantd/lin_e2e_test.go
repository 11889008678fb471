package main_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/tenantd/tenantd/internal/lincheck"
)

// linOps is how many operations each client of the linearizability test
// sends; make reliability raises it.
var linOps = flag.Int("lin.ops", 40, "operations per client of TestLinearizable")

const (
	linClients = 8
	backupApp  = "6e6d758d-8e74-3ae3-ac84-50eb0dff12eb"
)

// TestLinearizable has concurrent clients read and change the same tenants,
// users, offering-item quotas, settings, pricing, a location and an
// infrastructure with version guards —
// on PostgreSQL through three tenantd processes on one database — while the
// trial-expiry job switches due tenants to production, and checks the
// recorded history for linearizability (internal/lincheck): no change is
// lost or overwritten unseen, every stale version is refused with the
// current one, and no request fails with a 5xx.
func TestLinearizable(t *testing.T) {
	for name, store := range storeArgs(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			instances := 1
			if name == "postgres" {
				instances = 3
			}
			res := runLinearizable(t, store, instances, *linOps)
			t.Logf("%s: %d operations on %d registers through %d instances: %d ok, %d stale, %d refused; %d trial tenants switched by the job, %d by clients",
				name, res.ops, res.registers, instances, res.counts[lincheck.OK], res.counts[lincheck.Conflict], res.counts[lincheck.Refused],
				res.byJob, res.byClient)
		})
	}
}

// linResult sums up a run of runLinearizable.
type linResult struct {
	ops, registers  int
	counts          map[lincheck.Result]int
	byJob, byClient int
}

// linRegister is one object the clients race on.
type linRegister struct {
	key   string
	read  func(c *linClient) (lincheck.Outcome, error)
	write func(c *linClient, version int64, value string) (lincheck.Outcome, error)
	set   bool // written without a version guard
	value func(seq int) string
}

// linClient sends requests to the instances in turn.
type linClient struct {
	urls []string
	auth string
	http *http.Client
	n    int
}

// do sends a request and returns the status and the decoded body.
func (c *linClient) do(method, path string, body any) (int, map[string]any, error) {
	c.n++
	u := c.urls[c.n%len(c.urls)] + path
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", c.auth)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			return 0, nil, fmt.Errorf("%s %s: %d, not JSON: %.200s", method, path, resp.StatusCode, b)
		}
	}
	if resp.StatusCode >= 500 {
		return 0, nil, fmt.Errorf("%s %s: %d: %.300s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, out, nil
}

// outcome reads the answer to a guarded write: 200 with the new state, a
// stale version (409, or 426 for quotas) with the current one, or another
// refusal.
func outcome(status int, body map[string]any, state func(map[string]any) (int64, string)) (lincheck.Outcome, error) {
	switch status {
	case 200:
		v, val := state(body)
		return lincheck.Outcome{Result: lincheck.OK, Version: v, Value: val}, nil
	case 409, 426:
		e, _ := body["error"].(map[string]any)
		ctx, _ := e["context"].(map[string]any)
		v, ok := ctx["version"].(float64)
		if !ok {
			return lincheck.Outcome{}, fmt.Errorf("a stale version answered %d without the current version: %v", status, body)
		}
		return lincheck.Outcome{Result: lincheck.Conflict, Version: int64(v)}, nil
	case 400:
		return lincheck.Outcome{Result: lincheck.Refused}, nil
	}
	return lincheck.Outcome{}, fmt.Errorf("unexpected status %d: %v", status, body)
}

func readOutcome(status int, body map[string]any, err error, state func(map[string]any) (int64, string)) (lincheck.Outcome, error) {
	if err != nil {
		return lincheck.Outcome{}, err
	}
	if status != 200 {
		return lincheck.Outcome{}, fmt.Errorf("read: status %d: %v", status, body)
	}
	v, val := state(body)
	return lincheck.Outcome{Result: lincheck.OK, Version: v, Value: val}, nil
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// runLinearizable runs the clients against instances of tenantd on store
// and checks their history.
func runLinearizable(t *testing.T, store []string, instances, opsPerClient int) linResult {
	t.Helper()
	creds := bootstrap(t, store)
	args := append([]string{"--issuer", "http://tenantd.test", "--token-alg", "EdDSA", "--trial-interval", "100ms"}, store...)

	// The trial tenants come due during the run: a first process whose
	// clock runs a month slow creates them, so that their trial ends a few
	// seconds from now on the right clock.
	now := time.Now()
	due := 6 * time.Second
	dueAt := now.Add(due)
	slow := now.AddDate(0, -1, 0).Sub(now) + due
	setup := serve(t, append([]string{"--clock-offset", slow.String()}, args...))
	api := &client{t: t, baseURL: setup.baseURL, auth: "Bearer " + token(t, setup.baseURL, creds.ClientID, creds.ClientSecret)}
	partner := api.must("POST", "/tenants", nil, map[string]any{"name": "lin-partner", "parent_id": creds.TenantID, "kind": "partner"}, 201)["id"].(string)
	api.must("PUT", "/tenants/"+partner+"/offering_items", nil, map[string]any{"offering_items": []any{
		map[string]any{"application_id": backupApp, "name": "workstations", "status": 1}}}, 200)
	var customers, trials []string
	for i := range 3 {
		id := api.must("POST", "/tenants", nil, map[string]any{"name": fmt.Sprintf("lin-customer-%d", i), "parent_id": partner, "kind": "customer"}, 201)["id"].(string)
		api.must("PUT", "/tenants/"+id+"/offering_items", nil, map[string]any{"offering_items": []any{
			map[string]any{"application_id": backupApp, "name": "workstations", "status": 1}}}, 200)
		customers = append(customers, id)
	}
	for i := range 4 {
		trials = append(trials, api.must("POST", "/tenants", nil, map[string]any{"name": fmt.Sprintf("lin-trial-%d", i), "parent_id": partner, "kind": "customer"}, 201)["id"].(string))
	}
	var users []string
	for i := range 2 {
		users = append(users, api.must("POST", "/users", nil, map[string]any{"tenant_id": customers[0], "login": fmt.Sprintf("lin-user-%d", i),
			"contact": map[string]any{"email": fmt.Sprintf("lin-user-%d@example.com", i)}}, 200)["id"].(string))
	}
	location := api.must("POST", "/locations", nil, map[string]any{"owner_tenant_id": partner, "name": "lin-location"}, 201)["id"].(string)
	infra := api.must("POST", "/infra", nil, map[string]any{"owner_tenant_id": partner, "location_id": location, "name": "lin-infra",
		"url": "acronis+fes://lin.example.com:44445", "capabilities": []string{"backup"}}, 201)["id"].(string)
	setup.stop(t)

	var urls []string
	for range instances {
		urls = append(urls, serve(t, args).baseURL)
	}
	auth := "Bearer " + token(t, urls[0], creds.ClientID, creds.ClientSecret)

	tenantState := func(b map[string]any) (int64, string) { s, _ := b["name"].(string); return num(b["version"]), s }
	userState := func(b map[string]any) (int64, string) {
		c, _ := b["contact"].(map[string]any)
		s, _ := c["firstname"].(string)
		return num(b["version"]), s
	}
	pricingState := func(b map[string]any) (int64, string) {
		m, _ := b["mode"].(string)
		c, _ := b["currency"].(string)
		return num(b["version"]), m + "|" + c
	}
	quotaState := func(b map[string]any) (int64, string) {
		items, _ := b["items"].([]any)
		for _, it := range items {
			m, _ := it.(map[string]any)
			if m["name"] == "workstations" && m["application_id"] == backupApp {
				q, _ := m["quota"].(map[string]any)
				if q == nil || q["value"] == nil {
					return num(q["version"]), ""
				}
				return num(q["version"]), strconv.FormatInt(num(q["value"]), 10)
			}
		}
		return -1, "missing"
	}
	settingState := func(b map[string]any) (int64, string) {
		own, _ := b["own"].(map[string]any)
		if own == nil {
			return 0, ""
		}
		return 0, strconv.FormatInt(num(own["value"]), 10)
	}

	var regs []linRegister
	for i, id := range customers {
		regs = append(regs, linRegister{key: "tenant/" + id,
			read: func(c *linClient) (lincheck.Outcome, error) {
				s, b, err := c.do("GET", "/tenants/"+id, nil)
				return readOutcome(s, b, err, tenantState)
			},
			write: func(c *linClient, v int64, val string) (lincheck.Outcome, error) {
				s, b, err := c.do("PUT", "/tenants/"+id, map[string]any{"version": v, "name": val})
				if err != nil {
					return lincheck.Outcome{}, err
				}
				return outcome(s, b, tenantState)
			},
			value: func(seq int) string { return fmt.Sprintf("lin-customer-%d-%d", i, seq) }})
		regs = append(regs, linRegister{key: "quota/" + id,
			read: func(c *linClient) (lincheck.Outcome, error) {
				s, b, err := c.do("GET", "/tenants/"+id+"/offering_items?edition=*", nil)
				return readOutcome(s, b, err, quotaState)
			},
			write: func(c *linClient, v int64, val string) (lincheck.Outcome, error) {
				n, _ := strconv.Atoi(val)
				s, b, err := c.do("PUT", "/tenants/"+id+"/offering_items", map[string]any{"offering_items": []any{map[string]any{
					"application_id": backupApp, "name": "workstations", "status": 1, "quota": map[string]any{"value": n, "overage": 0, "version": v}}}})
				if err != nil {
					return lincheck.Outcome{}, err
				}
				return outcome(s, b, quotaState)
			},
			value: func(seq int) string { return strconv.Itoa(1 + seq) }})
		regs = append(regs, linRegister{key: "setting/" + id, set: true,
			read: func(c *linClient) (lincheck.Outcome, error) {
				s, b, err := c.do("GET", "/applications/7459244f-68f3-3bf4-9f53-5f63ecc1d91f/settings/tenants/"+id+"/QuotaAlertThreshold", nil)
				return readOutcome(s, b, err, settingState)
			},
			write: func(c *linClient, _ int64, val string) (lincheck.Outcome, error) {
				n, _ := strconv.Atoi(val)
				s, b, err := c.do("PUT", "/applications/7459244f-68f3-3bf4-9f53-5f63ecc1d91f/settings/tenants/"+id+"/QuotaAlertThreshold", map[string]any{"value": n})
				if err != nil {
					return lincheck.Outcome{}, err
				}
				return outcome(s, b, settingState)
			},
			value: func(seq int) string { return strconv.Itoa(1 + seq%99) }})
	}
	for i, id := range users {
		regs = append(regs, linRegister{key: "user/" + id,
			read: func(c *linClient) (lincheck.Outcome, error) {
				s, b, err := c.do("GET", "/users/"+id, nil)
				return readOutcome(s, b, err, userState)
			},
			write: func(c *linClient, v int64, val string) (lincheck.Outcome, error) {
				s, b, err := c.do("PUT", "/users/"+id, map[string]any{"version": v, "contact": map[string]any{"firstname": val}})
				if err != nil {
					return lincheck.Outcome{}, err
				}
				return outcome(s, b, userState)
			},
			value: func(seq int) string { return fmt.Sprintf("first-%d-%d", i, seq) }})
	}
	// A location and an infrastructure, renamed under their version guard.
	for kind, id := range map[string]string{"locations": location, "infra": infra} {
		regs = append(regs, linRegister{key: kind + "/" + id,
			read: func(c *linClient) (lincheck.Outcome, error) {
				s, b, err := c.do("GET", "/"+kind+"/"+id, nil)
				return readOutcome(s, b, err, tenantState)
			},
			write: func(c *linClient, v int64, val string) (lincheck.Outcome, error) {
				s, b, err := c.do("PUT", "/"+kind+"/"+id, map[string]any{"version": v, "name": val})
				if err != nil {
					return lincheck.Outcome{}, err
				}
				return outcome(s, b, tenantState)
			},
			value: func(seq int) string { return fmt.Sprintf("lin-%s-%d", kind, seq) }})
	}
	currencies := []string{"EUR", "USD", "GBP", "CHF", "JPY", "SEK"}
	for _, id := range append(append([]string(nil), customers...), trials...) {
		regs = append(regs, linRegister{key: "pricing/" + id,
			read: func(c *linClient) (lincheck.Outcome, error) {
				s, b, err := c.do("GET", "/tenants/"+id+"/pricing", nil)
				return readOutcome(s, b, err, pricingState)
			},
			write: func(c *linClient, v int64, val string) (lincheck.Outcome, error) {
				mode, cur, _ := strings.Cut(val, "|")
				s, b, err := c.do("PUT", "/tenants/"+id+"/pricing", map[string]any{"version": v, "mode": mode, "currency": cur})
				if err != nil {
					return lincheck.Outcome{}, err
				}
				return outcome(s, b, pricingState)
			},
			// Clients switch to production, or change the currency in
			// whatever mode they last saw.
			value: nil})
	}

	// Each register's state before the run.
	init := map[string]lincheck.Initial{}
	first := &linClient{urls: urls, auth: auth, http: &http.Client{Timeout: time.Minute}}
	for _, r := range regs {
		o, err := r.read(first)
		if err != nil {
			t.Fatalf("read %s: %v", r.key, err)
		}
		init[r.key] = lincheck.Initial{Version: o.Version, Value: o.Value}
	}
	// On a slow machine a trial may have ended before the clients start:
	// the run still holds, with fewer races.
	for _, id := range trials {
		if v := init["pricing/"+id].Value; !strings.HasPrefix(v, "trial|") {
			t.Logf("trial tenant %s was switched before the clients started", id)
		}
	}

	h := lincheck.NewHistory()
	var wg sync.WaitGroup
	errs := make(chan error, linClients)
	start := time.Now()
	for ci := range linClients {
		wg.Go(func() {
			c := &linClient{urls: urls, auth: auth, http: &http.Client{Timeout: time.Minute}, n: ci}
			rng := rand.New(rand.NewPCG(uint64(ci), 1))
			seen := map[string]lincheck.Outcome{}
			// Spread the operations over the time the trials come due.
			pause := max(time.Until(dueAt)+2*time.Second, 0) / time.Duration(opsPerClient)
			for i := range opsPerClient {
				if d := time.Duration(i)*pause - time.Since(start); d > 0 {
					time.Sleep(d)
				}
				r := regs[rng.IntN(len(regs))]
				last, ok := seen[r.key]
				if !ok || rng.IntN(3) == 0 {
					call := h.Call()
					o, err := r.read(c)
					if err != nil {
						errs <- fmt.Errorf("read %s: %w", r.key, err)
						return
					}
					h.Add(ci, lincheck.Op{Key: r.key, Kind: lincheck.Read}, call, o)
					seen[r.key], last = o, o
					continue
				}
				var val string
				switch {
				case r.value != nil:
					val = r.value(ci*100000 + i)
				case rng.IntN(2) == 0:
					_, cur, _ := strings.Cut(last.Value, "|")
					val = "production|" + cur
				default:
					mode, _, _ := strings.Cut(last.Value, "|")
					val = mode + "|" + currencies[rng.IntN(len(currencies))]
				}
				op := lincheck.Op{Key: r.key, Kind: lincheck.Write, Expect: last.Version, Value: val}
				if r.set {
					op = lincheck.Op{Key: r.key, Kind: lincheck.Set, Value: val}
				}
				call := h.Call()
				o, err := r.write(c, last.Version, val)
				if err != nil {
					errs <- fmt.Errorf("write %s: %w", r.key, err)
					return
				}
				h.Add(ci, op, call, o)
				if o.Result == lincheck.OK {
					seen[r.key] = o
				} else {
					delete(seen, r.key)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return linResult{}
	}
	// A last read of every register closes the history: the job's switches
	// nobody saw yet are checked too.
	for _, r := range regs {
		call := h.Call()
		o, err := r.read(first)
		if err != nil {
			t.Fatalf("read %s: %v", r.key, err)
		}
		h.Add(linClients, lincheck.Op{Key: r.key, Kind: lincheck.Read}, call, o)
	}

	model := lincheck.Model{Init: init, Drift: func(key, value string) (string, bool) {
		mode, cur, _ := strings.Cut(value, "|")
		if !strings.HasPrefix(key, "pricing/") || mode != "trial" {
			return "", false
		}
		return "production|" + cur, true
	}}
	verdict, why := model.Check(h, 2*time.Minute)
	if verdict != porcupine.Ok {
		t.Fatalf("the history is not linearizable (%s):\n%s", verdict, why)
	}
	res := linResult{ops: h.Len(), registers: len(regs), counts: h.Counts()}
	// Who switched each trial: the job, unless a client's write to
	// production was acknowledged while it was still in trial.
	for _, id := range trials {
		s, b, err := first.do("GET", "/tenants/"+id+"/pricing", nil)
		if err != nil || s != 200 {
			t.Fatalf("pricing of %s: %d %v", id, s, err)
		}
		if b["mode"] != "production" {
			t.Errorf("trial tenant %s is still %v after its trial ended", id, b["mode"])
		}
	}
	res.byClient, res.byJob = switchesOf(t, first, trials)
	if res.byClient+res.byJob != len(trials) {
		t.Errorf("%d trial tenants, %d switches to production (%d by clients, %d by the job): each must switch exactly once",
			len(trials), res.byClient+res.byJob, res.byClient, res.byJob)
	}
	return res
}

// switchesOf counts the switches to production of the tenants in the audit
// trail, by clients and by the trial-expiry job.
func switchesOf(t *testing.T, c *linClient, tenants []string) (byClient, byJob int) {
	t.Helper()
	for _, id := range tenants {
		s, b, err := c.do("GET", "/events?tenant_id="+id+"&object_type=pricing", nil)
		if err != nil || s != 200 {
			t.Fatalf("events of %s: %d %v %v", id, s, err, b)
		}
		items, _ := b["items"].([]any)
		for _, it := range items {
			ev, _ := it.(map[string]any)
			before, _ := ev["before"].(map[string]any)
			after, _ := ev["after"].(map[string]any)
			if before["mode"] != "trial" || after["mode"] != "production" {
				continue
			}
			actor, _ := ev["actor"].(map[string]any)
			if actor["type"] == "system" {
				byJob++
			} else {
				byClient++
			}
		}
	}
	return byClient, byJob
}
