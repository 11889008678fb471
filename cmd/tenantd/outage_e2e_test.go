package main_test

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantd/tenantd/internal/pgtest"
)

// pgCrashes is how many times TestPostgresOutage crashes PostgreSQL; make
// chaos raises it.
var pgCrashes = flag.Int("chaos.pgcrashes", 1, "crashes of PostgreSQL in TestPostgresOutage")

// TestPostgresOutage crashes PostgreSQL under tenantd (pg_ctl stop -m
// immediate) while clients create tenants, and restarts it: while it is
// down tenantd answers 503 in the API's error format, never another 5xx;
// it reconnects by itself; and every creation acknowledged before, during
// or after the outage is there, every one whose answer was a 503 or lost
// is wholly there or absent.
func TestPostgresOutage(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, err := pgtest.StartDurable(ctx)
	if err != nil {
		t.Fatalf("start postgres: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
	})
	dsn, err := c.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	store := []string{"--db", dsn}
	creds := bootstrap(t, store)
	srv := serve(t, append([]string{"--token-alg", "EdDSA"}, store...))
	api := &chaosAPI{base: srv.baseURL, auth: "Bearer " + token(t, srv.baseURL, creds.ClientID, creds.ClientSecret),
		http: &http.Client{Timeout: 30 * time.Second}}

	var (
		mu        sync.Mutex
		acked     []string // ids
		uncertain []string // names
		n503      atomic.Int64
		nOK       atomic.Int64
	)
	work := func(stop chan struct{}, worker int) error {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return nil
			default:
			}
			name := fmt.Sprintf("outage-%d-%d-%d", time.Now().UnixNano(), worker, i)
			s, out, err := api.do("POST", "/tenants", map[string]any{"name": name, "parent_id": creds.TenantID, "kind": "customer"})
			switch {
			case errors.Is(err, errLost):
				mu.Lock()
				uncertain = append(uncertain, name)
				mu.Unlock()
			case err != nil:
				return err // a 5xx other than 503 comes here as an error
			case s == 201:
				nOK.Add(1)
				mu.Lock()
				acked = append(acked, out["id"].(string))
				mu.Unlock()
			case s == 503:
				n503.Add(1)
				e, _ := out["error"].(map[string]any)
				if e == nil || e["code"] == nil {
					return fmt.Errorf("a 503 without the API's error object: %v", out)
				}
				mu.Lock()
				uncertain = append(uncertain, name)
				mu.Unlock()
				time.Sleep(50 * time.Millisecond)
			default:
				return fmt.Errorf("create %s: status %d: %v", name, s, out)
			}
		}
	}
	for crash := range *pgCrashes {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for w := range 4 {
			wg.Go(func() {
				if err := work(stop, w); err != nil {
					errs <- err
				}
			})
		}
		time.Sleep(time.Second)
		before503 := n503.Load()
		if err := c.Crash(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		if n503.Load() == before503 {
			select {
			case err := <-errs:
				t.Fatalf("crash %d: %v", crash, err)
			default:
			}
			t.Errorf("crash %d: no 503 while PostgreSQL was down", crash)
		}
		// A readiness probe says the same.
		if resp, err := http.Get(strings.TrimSuffix(api.base, "/api/2") + "/readyz"); err != nil || resp.StatusCode != 503 {
			t.Errorf("crash %d: /readyz answered %v %v while PostgreSQL was down, want 503", crash, resp, err)
		} else {
			resp.Body.Close()
		}
		if err := c.Restart(ctx); err != nil {
			t.Fatal(err)
		}
		// tenantd reconnects by itself: creations succeed again.
		okBefore := nOK.Load()
		deadline := time.Now().Add(30 * time.Second)
		for nOK.Load() == okBefore && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if nOK.Load() == okBefore {
			t.Fatalf("crash %d: tenantd did not recover within 30 s of PostgreSQL's restart", crash)
		}
		time.Sleep(500 * time.Millisecond)
		close(stop)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}

	// Nothing acknowledged is lost; nothing unacknowledged is half there.
	list := api.must(t, "GET", "/tenants?subtree_root_id="+creds.TenantID+"&allow_deleted=true&limit=5000&lod=basic", 200)
	byID, byName := map[string]bool{}, map[string]string{}
	for _, it := range list["items"].([]any) {
		m := it.(map[string]any)
		byID[m["id"].(string)] = true
		if n, ok := m["name"].(string); ok {
			byName[n] = m["id"].(string)
		}
	}
	for _, id := range acked {
		if !byID[id] {
			t.Errorf("acknowledged tenant %s is gone", id)
		}
	}
	present := 0
	for _, name := range uncertain {
		if id, ok := byName[name]; ok {
			present++
			api.must(t, "GET", "/tenants/"+id+"/pricing", 200)
		}
	}
	srv.stop(t)
	t.Logf("%d PostgreSQL crashes: %d creations acknowledged and found, %d answered 503, %d unacknowledged (%d of them committed, wholly)",
		*pgCrashes, len(acked), n503.Load(), len(uncertain), present)
}
