package main_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tenantd/tenantd/internal/mailtest"
)

// chaosKills is how many times TestCrashRecovery kills tenantd per store;
// make chaos raises it.
var chaosKills = flag.Int("chaos.kills", 3, "kill -9s of tenantd per store in TestCrashRecovery")

const chaosItem = "pw_base_workstations"

// TestCrashRecovery runs a steady mixed write load — tenants created with
// users, quotas and units, suspended, deleted with their subtree, usage
// reported past the quota alert thresholds — kills tenantd with SIGKILL at
// random moments, restarts it on the same store and checks after each
// restart that every acknowledged write is there, that every write whose
// answer was lost is wholly there or wholly absent, and at the end that the
// quota e-mail of every acknowledged crossing reached the SMTP server once
// (twice only with the same Message-ID, for a crash inside a delivery).
func TestCrashRecovery(t *testing.T) {
	for name, store := range storeArgs(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st := runChaos(t, store, *chaosKills)
			t.Logf("%s: %d kills survived, %d acknowledged writes and %d unacknowledged ones verified after restarts, "+
				"%d e-mails checked (%d redelivered with their Message-ID); lost %d, duplicated without cause %d",
				name, st.kills, st.verified, st.uncertain, st.mails, st.redelivered, st.lost, st.duplicated)
		})
	}
}

// chaosStats are the figures of a run.
type chaosStats struct {
	kills, verified, uncertain, mails, redelivered, lost, duplicated int
}

// chaosTenant is what a worker knows of one of its customers. After a
// write whose answer was lost (pending), the customer takes no further
// writes: its state is one of two.
type chaosTenant struct {
	id, name string
	version  int64
	enabled  bool
	deleted  bool
	units    []string
	buyer    string // the buyer's user id, once acknowledged
	email    string
	quota    bool  // the quota of chaosItem is set
	usage    int64 // the last usage acknowledged
	crossed  []string
	// pending is the write whose answer was lost, if any.
	pending *chaosWrite
	checked bool // verified since its last change
}

// chaosWrite is a write whose answer was lost.
type chaosWrite struct {
	kind  string // suspend, delete, usage, buyer, quota, unit
	usage int64
	email string
}

// chaosWorld is what the workers did, shared.
type chaosWorld struct {
	mu       sync.Mutex
	tenants  []*chaosTenant
	creates  []string // names of customers whose creation's answer was lost
	acked    int
	partner  string
	nextName int
	busy     map[*chaosTenant]bool // the customers a worker is writing to
}

// chaosAPI sends requests to the current instance.
type chaosAPI struct {
	base string
	auth string
	http *http.Client
}

// errLost is a request whose answer did not arrive: the server died.
var errLost = errors.New("answer lost")

func (a *chaosAPI) do(method, path string, body any) (int, map[string]any, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", a.auth)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", errLost, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", errLost, err)
	}
	var out map[string]any
	if len(b) > 0 && json.Unmarshal(b, &out) != nil {
		return 0, nil, fmt.Errorf("%s %s: %d, not JSON: %.200s", method, path, resp.StatusCode, b)
	}
	// 503 is what a store outage must answer; any other 5xx is a failure.
	if resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable {
		return 0, nil, fmt.Errorf("%s %s: status %d: %.300s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, out, nil
}

// must is do for requests of the checks, which the server must answer.
func (a *chaosAPI) must(t *testing.T, method, path string, want int) map[string]any {
	t.Helper()
	status, out, err := a.do(method, path, nil)
	if err != nil || status != want {
		t.Fatalf("%s %s: %d %v %v, want %d", method, path, status, err, out, want)
	}
	return out
}

func runChaos(t *testing.T, store []string, kills int) chaosStats {
	smtpd := mailtest.Start(t)
	creds := bootstrap(t, store)
	args := append([]string{"--smtp-url", smtpd.URL(), "--outbox-interval", "100ms", "--token-alg", "EdDSA",
		"--issuer", "http://tenantd.test"}, store...)
	srv := serve(t, args)
	tok := token(t, srv.baseURL, creds.ClientID, creds.ClientSecret)
	api := &chaosAPI{base: srv.baseURL, auth: "Bearer " + tok, http: &http.Client{Timeout: 30 * time.Second}}
	w := &chaosWorld{busy: map[*chaosTenant]bool{}}
	_, p, err := api.do("POST", "/tenants", map[string]any{"name": "chaos-partner", "parent_id": creds.TenantID, "kind": "partner"})
	if err != nil || p["id"] == nil {
		t.Fatalf("create the partner: %v %v", err, p)
	}
	w.partner = p["id"].(string)
	if s, out, err := api.do("PUT", "/tenants/"+w.partner+"/offering_items", map[string]any{"offering_items": []any{
		map[string]any{"application_id": backupApp, "name": chaosItem, "status": 1}}}); err != nil || s != 200 {
		t.Fatalf("partner items: %d %v %v", s, err, out)
	}

	var st chaosStats
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for k := 0; k <= kills; k++ {
		if k > 0 {
			srv = serve(t, args)
			api.base = srv.baseURL
			st.verified += chaosVerify(t, api, w, &st)
		}
		if k == kills {
			break
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for i := range 4 {
			wg.Go(func() {
				wrng := rand.New(rand.NewPCG(uint64(k*10+i), uint64(time.Now().UnixNano())))
				if err := chaosWorker(api, w, wrng, stop); err != nil {
					errs <- err
				}
			})
		}
		time.Sleep(time.Duration(500+rng.IntN(1500)) * time.Millisecond)
		if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-srv.done
		close(stop)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		st.kills++
	}
	// Every e-mail of an acknowledged crossing arrives once; one left with
	// a killed instance is delivered when its lease runs out.
	st.mails, st.redelivered, st.lost, st.duplicated = chaosMail(t, smtpd, w)
	for _, tn := range w.tenants {
		if tn.pending != nil {
			st.uncertain++
		}
	}
	st.uncertain += len(w.creates)
	srv.stop(t)
	if st.lost+st.duplicated > 0 {
		t.Errorf("%d e-mails lost, %d duplicated without cause", st.lost, st.duplicated)
	}
	return st
}

// chaosWorker writes until stop is closed or its server dies; a write
// whose answer is lost leaves its tenant pending.
func chaosWorker(api *chaosAPI, w *chaosWorld, rng *rand.Rand, stop chan struct{}) error {
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		w.mu.Lock()
		// Customers are created as long as fewer than six can take writes;
		// the others go on through their lives.
		var mine *chaosTenant
		var free []*chaosTenant
		for _, tn := range w.tenants {
			if tn.pending == nil && !tn.deleted && !w.busy[tn] {
				free = append(free, tn)
			}
		}
		if len(free) >= 6 || (len(free) > 0 && rng.IntN(3) != 0) {
			mine = free[rng.IntN(len(free))]
			mine.checked = false
			w.busy[mine] = true
		}
		name := ""
		if mine == nil {
			w.nextName++
			name = fmt.Sprintf("chaos-%d", w.nextName)
		}
		w.mu.Unlock()
		var err error
		if mine == nil {
			err = chaosCreate(api, w, name)
		} else {
			err = chaosStep(api, w, mine, rng)
			w.mu.Lock()
			delete(w.busy, mine)
			w.mu.Unlock()
		}
		if errors.Is(err, errLost) {
			return nil // the server is gone; the next run goes on
		}
		if err != nil {
			return err
		}
	}
}

// chaosCreate creates a customer.
func chaosCreate(api *chaosAPI, w *chaosWorld, name string) error {
	s, out, err := api.do("POST", "/tenants", map[string]any{"name": name, "parent_id": w.partner, "kind": "customer"})
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case errors.Is(err, errLost):
		w.creates = append(w.creates, name)
		return err
	case err != nil:
		return err
	case s != 201:
		return fmt.Errorf("create %s: %d %v", name, s, out)
	}
	w.acked++
	w.tenants = append(w.tenants, &chaosTenant{id: out["id"].(string), name: name, version: int64(out["version"].(float64)), enabled: true})
	return nil
}

// chaosStep does the next write of a customer's life: a buyer, a quota,
// units, usage past 80% and past 100%, then suspension and deletion.
func chaosStep(api *chaosAPI, w *chaosWorld, tn *chaosTenant, rng *rand.Rand) error {
	var (
		kind string
		s    int
		out  map[string]any
		err  error
		pw   = &chaosWrite{}
	)
	switch {
	case tn.buyer == "":
		kind = "buyer"
		pw.email = tn.name + "@buyer.example"
		s, out, err = api.do("POST", "/users", map[string]any{"tenant_id": tn.id, "login": tn.name + "-buyer",
			"business_types": []string{"buyer"}, "contact": map[string]any{"email": pw.email}})
	case !tn.quota:
		kind = "quota"
		s, out, err = api.do("PUT", "/tenants/"+tn.id+"/offering_items", map[string]any{"offering_items": []any{map[string]any{
			"application_id": backupApp, "name": chaosItem, "status": 1, "quota": map[string]any{"value": 10, "overage": nil, "version": 0}}}})
	case len(tn.units) < 2 && rng.IntN(2) == 0:
		kind = "unit"
		s, out, err = api.do("POST", "/tenants", map[string]any{"name": fmt.Sprintf("%s-unit-%d", tn.name, len(tn.units)), "parent_id": tn.id, "kind": "unit"})
	case tn.usage < 12 && tn.enabled:
		kind = "usage"
		pw.usage = map[int64]int64{0: 5, 5: 9, 9: 12}[tn.usage]
		s, out, err = api.do("PUT", "/tenants/usages", map[string]any{"items": []any{map[string]any{
			"tenant_id": tn.id, "offering_item": chaosItem, "usage_value": pw.usage}}})
		if err == nil && s == 200 {
			if items, _ := out["items"].([]any); len(items) != 1 || items[0].(map[string]any)["error"] != nil {
				return fmt.Errorf("usage of %s: %v", tn.name, out)
			}
		}
	case tn.enabled:
		kind = "suspend"
		s, out, err = api.do("PUT", "/tenants/"+tn.id, map[string]any{"version": tn.version, "enabled": false})
	default:
		kind = "delete"
		s, out, err = api.do("DELETE", fmt.Sprintf("/tenants/%s?version=%d", tn.id, tn.version), nil)
	}
	pw.kind = kind
	w.mu.Lock()
	defer w.mu.Unlock()
	if errors.Is(err, errLost) {
		tn.pending = pw
		return err
	}
	if err != nil {
		return err
	}
	want := map[string]int{"buyer": 200, "quota": 200, "unit": 201, "usage": 200, "suspend": 200, "delete": 204}[kind]
	if s != want {
		return fmt.Errorf("%s of %s: status %d, want %d: %v", kind, tn.name, s, want, out)
	}
	w.acked++
	switch kind {
	case "buyer":
		tn.buyer, tn.email = out["id"].(string), pw.email
	case "quota":
		tn.quota = true
	case "unit":
		tn.units = append(tn.units, out["id"].(string))
	case "usage":
		tn.crossed = append(tn.crossed, crossingOf(tn.usage, pw.usage)...)
		tn.usage = pw.usage
	case "suspend":
		tn.enabled, tn.version = false, int64(out["version"].(float64))
	case "delete":
		tn.deleted = true
	}
	return nil
}

// crossingOf names the e-mails a usage change from a to b causes.
func crossingOf(a, b int64) []string {
	switch {
	case a < 8 && b >= 8 && b <= 10:
		return []string{"Quota almost reached: " + chaosItem}
	case a <= 10 && b > 10:
		return []string{"Quota exceeded: " + chaosItem}
	}
	return nil
}

// chaosVerify checks every customer not checked since its last change, and
// every customer whose creation's answer was lost: each must be as its
// acknowledged writes left it, or as its one lost write would have. It
// returns the number of acknowledged writes it checked.
func chaosVerify(t *testing.T, api *chaosAPI, w *chaosWorld, st *chaosStats) int {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	list := api.must(t, "GET", "/tenants?subtree_root_id="+w.partner+"&allow_deleted=true&limit=5000&lod=basic", 200)
	byID, byName := map[string]map[string]any{}, map[string]map[string]any{}
	for _, it := range list["items"].([]any) {
		m := it.(map[string]any)
		byID[m["id"].(string)] = m
		if n, ok := m["name"].(string); ok {
			byName[n] = m
		}
	}
	// A customer whose creation was lost exists wholly, with its pricing,
	// or not at all; one that exists is looked after like the others.
	for _, name := range w.creates {
		m, ok := byName[name]
		if !ok {
			continue
		}
		api.must(t, "GET", "/tenants/"+m["id"].(string)+"/pricing", 200)
		w.tenants = append(w.tenants, &chaosTenant{id: m["id"].(string), name: name, version: int64(m["version"].(float64)),
			enabled: true, pending: &chaosWrite{kind: "none"}})
	}
	w.creates = nil
	verified := 0
	for _, tn := range w.tenants {
		if tn.checked {
			continue
		}
		m, ok := byID[tn.id]
		if !ok {
			t.Fatalf("acknowledged customer %s is gone", tn.name)
		}
		deleted := m["deleted_at"] != nil
		enabled := m["enabled"] == true
		p := tn.pending
		switch {
		case p != nil && p.kind == "delete" && deleted != tn.deleted:
			tn.deleted = true // the lost deletion happened
		case p != nil && p.kind == "suspend" && enabled != tn.enabled:
			tn.enabled = false
		}
		if deleted != tn.deleted || enabled != tn.enabled {
			t.Fatalf("customer %s: deleted %v enabled %v, want deleted %v enabled %v", tn.name, deleted, enabled, tn.deleted, tn.enabled)
		}
		verified++
		// The subtree goes and stays together.
		for _, u := range tn.units {
			um, ok := byID[u]
			if !ok {
				t.Fatalf("acknowledged unit %s of %s is gone", u, tn.name)
			}
			if (um["deleted_at"] != nil) != tn.deleted {
				t.Fatalf("customer %s deleted %v, its unit %s deleted %v: a half-deleted subtree", tn.name, tn.deleted, u, um["deleted_at"])
			}
			verified++
		}
		for id, um := range byID {
			if um["parent_id"] == tn.id && !slices.Contains(tn.units, id) {
				if p == nil || p.kind != "unit" {
					t.Fatalf("customer %s has a unit %s nobody created", tn.name, id)
				}
				if (um["deleted_at"] != nil) != tn.deleted {
					t.Fatalf("customer %s deleted %v, its unit %s deleted %v", tn.name, tn.deleted, id, um["deleted_at"])
				}
				tn.units = append(tn.units, id)
			}
		}
		if tn.deleted {
			tn.checked = true
			continue
		}
		api.must(t, "GET", "/tenants/"+tn.id+"/pricing", 200)
		if tn.buyer != "" {
			api.must(t, "GET", "/users/"+tn.buyer, 200)
			verified++
		}
		items := api.must(t, "GET", "/tenants/"+tn.id+"/offering_items?edition=*", 200)["items"].([]any)
		hasQuota := false
		for _, it := range items {
			m := it.(map[string]any)
			if q, _ := m["quota"].(map[string]any); m["name"] == chaosItem && q != nil && q["value"] == 10.0 {
				hasQuota = true
			}
		}
		if p != nil && p.kind == "quota" && hasQuota {
			tn.quota = true
		}
		if hasQuota != tn.quota {
			t.Fatalf("customer %s: quota set %v, want %v", tn.name, hasQuota, tn.quota)
		}
		if tn.quota {
			verified++
		}
		// Usage and its crossing records come together.
		us := api.must(t, "GET", "/tenants/"+tn.id+"/usages", 200)["items"].([]any)
		var usage int64
		for _, u := range us {
			m := u.(map[string]any)
			if m["name"] == chaosItem {
				usage = int64(m["value"].(float64))
			}
		}
		if p != nil && p.kind == "usage" && usage == p.usage {
			tn.crossed = append(tn.crossed, crossingOf(tn.usage, p.usage)...)
			tn.usage = usage
			p.kind = "usage-done"
		}
		if usage != tn.usage {
			t.Fatalf("customer %s: usage %d, want %d", tn.name, usage, tn.usage)
		}
		if tn.usage > 0 {
			verified++
		}
		if tn.buyer != "" {
			alerts := api.must(t, "GET", "/alerts?tenant_id="+tn.id, 200)["items"].([]any)
			if len(alerts) != len(tn.crossed) {
				t.Fatalf("customer %s: %d alerts for crossings %v", tn.name, len(alerts), tn.crossed)
			}
		}
		tn.checked = true
	}
	return verified
}

// chaosMail waits for the e-mails of every crossing and checks them:
// each crossing acknowledged must have arrived, each at most once but for
// redeliveries under one Message-ID, none that nobody caused.
func chaosMail(t *testing.T, smtpd *mailtest.Server, w *chaosWorld) (mails, redelivered, lost, duplicated int) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	want := map[string][]string{} // recipient → subjects that must arrive
	may := map[string][]string{}  // recipient → subjects that may arrive (a lost usage report)
	total := 0
	for _, tn := range w.tenants {
		if tn.email == "" {
			continue
		}
		want[tn.email] = tn.crossed
		total += len(tn.crossed)
		if p := tn.pending; p != nil && p.kind == "usage" {
			may[tn.email] = crossingOf(tn.usage, p.usage)
		}
	}
	deadline := time.Now().Add(90 * time.Second) // the outbox lease is a minute
	for {
		got := map[string]map[string]map[string]int{} // recipient → subject → Message-ID → count
		mails = 0
		for _, m := range smtpd.Messages() {
			if len(m.To) != 1 {
				t.Fatalf("an e-mail to %v", m.To)
			}
			to, id := m.To[0], m.Header.Get("Message-Id")
			if got[to] == nil {
				got[to] = map[string]map[string]int{}
			}
			if got[to][m.Subject] == nil {
				got[to][m.Subject] = map[string]int{}
			}
			got[to][m.Subject][id]++
			mails++
		}
		lost, duplicated, redelivered = 0, 0, 0
		for to, subjects := range want {
			for _, s := range subjects {
				if len(got[to][s]) == 0 {
					lost++
				}
			}
		}
		for to, subjects := range got {
			for s, ids := range subjects {
				if !slices.Contains(want[to], s) && !slices.Contains(may[to], s) {
					t.Errorf("an e-mail %q to %s that no crossing caused", s, to)
				}
				if len(ids) > 1 {
					duplicated += len(ids) - 1
				}
				for _, n := range ids {
					redelivered += n - 1
				}
			}
		}
		if lost == 0 || time.Now().After(deadline) {
			if lost > 0 {
				t.Errorf("%d of %d e-mails of acknowledged crossings did not arrive within 90 s", lost, total)
			}
			return mails, redelivered, lost, duplicated
		}
		time.Sleep(200 * time.Millisecond)
	}
}
