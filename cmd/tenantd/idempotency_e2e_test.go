package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestIdempotencyAcrossInstances: a client whose POST /tenants timed out
// retries it, with the same Idempotency-Key, on whichever of three
// instances of one PostgreSQL database its load balancer picks — also
// while the first attempt is still running. One tenant is created; every
// attempt that is answered gets the first answer; the same key with
// another body is a 422 on every instance.
func TestIdempotencyAcrossInstances(t *testing.T) {
	store := storeArgs(t)["postgres"]
	creds := bootstrap(t, store)
	var servers []*server
	for range 3 {
		servers = append(servers, serve(t, store))
	}
	auth := "Bearer " + token(t, servers[0].baseURL, creds.ClientID, creds.ClientSecret)
	post := func(base, key string, body []byte) (int, http.Header, []byte, error) {
		req, err := http.NewRequest("POST", base+"/tenants", bytes.NewReader(body))
		if err != nil {
			return 0, nil, nil, err
		}
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b, err
	}
	root := &client{t: t, baseURL: servers[0].baseURL, auth: auth}
	named := func(name string) int {
		t.Helper()
		items := root.must("GET", "/tenants/"+creds.TenantID+"/children", nil, nil, 200)["items"].([]any)
		n := 0
		for _, it := range items {
			if id, _ := it.(string); id != "" {
				if tn := root.must("GET", "/tenants/"+id, nil, nil, 200); tn["name"] == name {
					n++
				}
			}
		}
		return n
	}

	for round := range 5 {
		name := fmt.Sprintf("retried-%d", round)
		body, _ := json.Marshal(map[string]any{"name": name, "parent_id": creds.TenantID, "kind": "customer"})
		key := fmt.Sprintf("create-%s-%d", name, time.Now().UnixNano())
		// Every instance at once, twice each, as retries that overtake the
		// first attempt; an attempt that meets one in progress is told to
		// retry (409 with Retry-After) and does.
		var mu sync.Mutex
		var answers [][]byte
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Go(func() {
				base := servers[i%len(servers)].baseURL
				for attempt := 0; ; attempt++ {
					status, h, b, err := post(base, key, body)
					if err != nil {
						t.Errorf("attempt on %s: %v", base, err)
						return
					}
					if status == 409 && h.Get("Retry-After") != "" && attempt < 1000 {
						time.Sleep(10 * time.Millisecond) // the client's back-off before a retry
						continue
					}
					if status != 201 {
						t.Errorf("attempt on %s: %d %s, want 201", base, status, b)
						return
					}
					mu.Lock()
					answers = append(answers, b)
					mu.Unlock()
					return
				}
			})
		}
		wg.Wait()
		for _, a := range answers[1:] {
			if !bytes.Equal(a, answers[0]) {
				t.Errorf("round %d: answers differ:\n%s\n%s", round, answers[0], a)
			}
		}
		if n := named(name); n != 1 {
			t.Errorf("round %d: %d tenants named %s after %d attempts with one key, want 1", round, n, name, len(answers))
		}
		other, _ := json.Marshal(map[string]any{"name": name + "-other", "parent_id": creds.TenantID, "kind": "customer"})
		for _, s := range servers {
			if status, _, b, err := post(s.baseURL, key, other); err != nil || status != 422 {
				t.Errorf("round %d: the key with another body on %s: %d %s %v, want 422", round, s.baseURL, status, b, err)
			}
		}
		if n := named(name + "-other"); n != 0 {
			t.Errorf("round %d: a refused reuse of the key created %d tenants", round, n)
		}
	}
	for _, s := range servers {
		s.stop(t)
	}
}
