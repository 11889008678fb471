package httpapi_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
)

func TestIdempotencyKey(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			body := `{"name":"idem1","parent_id":"{partnerA}","kind":"customer"}`
			key := map[string]string{"Idempotency-Key": "create-idem1"}
			children := func() string {
				t.Helper()
				_, b := e.do("GET", "/api/2/tenants/{partnerA}/children", "root", "", nil)
				return string(b)
			}
			before := children()

			s1, h1, b1 := e.doResp("POST", "/api/2/tenants", "root", body, key)
			if s1 != 201 {
				t.Fatalf("first POST: %d %s", s1, b1)
			}
			if h1.Get("Idempotent-Replayed") != "" {
				t.Errorf("the first response says it is replayed")
			}
			s2, h2, b2 := e.doResp("POST", "/api/2/tenants", "root", body, key)
			if s2 != 201 || string(b2) != string(b1) {
				t.Fatalf("retry: %d %s, want 201 %s", s2, b2, b1)
			}
			if h2.Get("Idempotent-Replayed") != "true" || h2.Get("Content-Type") != h1.Get("Content-Type") {
				t.Errorf("retry headers %v", h2)
			}
			var created map[string]any
			if err := json.Unmarshal(b1, &created); err != nil {
				t.Fatal(err)
			}
			id, _ := created["id"].(string)
			after := children()
			if n := strings.Count(after, `"`+id+`"`); n != 1 || len(after) != len(before)+len(id)+3 {
				t.Errorf("children after a retried POST: %s, before: %s", after, before)
			}

			// The same key with another body, method or path: 422, nothing written.
			other := `{"name":"idem2","parent_id":"{partnerA}","kind":"customer"}`
			s, b := e.do("POST", "/api/2/tenants", "root", other, key)
			if s != 422 || !strings.Contains(string(b), `"code":"IdempotencyKeyReused"`) {
				t.Errorf("another body: %d %s, want 422 IdempotencyKeyReused", s, b)
			}
			if now := children(); now != after {
				t.Errorf("the refused request created a tenant: %s", now)
			}
			if s, b := e.do("DELETE", "/api/2/tenants/"+id+"?version=1", "root", "", key); s != 422 {
				t.Errorf("another method and path: %d %s, want 422", s, b)
			}

			// Another principal's key of the same name is its own.
			s, b = e.do("POST", "/api/2/tenants", "partnerA", `{"name":"idem3","parent_id":"{partnerA}","kind":"customer"}`, key)
			if s != 201 || strings.Contains(string(b), id) {
				t.Errorf("another principal with the same key: %d %s", s, b)
			}

			// Bounded, printable keys.
			for _, bad := range []string{strings.Repeat("k", 256), "tab\tkey", ""} {
				s, b := e.do("POST", "/api/2/tenants", "root", `{"name":"idem4","parent_id":"{partnerA}","kind":"customer"}`,
					map[string]string{"Idempotency-Key": bad})
				if s != 400 || !strings.Contains(string(b), "Idempotency-Key") {
					t.Errorf("key %q: %d %s, want 400", bad[:min(len(bad), 10)], s, b)
				}
			}
			if s, b := e.do("POST", "/api/2/tenants", "root", `{"name":"idem5","parent_id":"{partnerA}","kind":"customer"}`,
				map[string]string{"Idempotency-Key": strings.Repeat("k", 255)}); s != 201 {
				t.Errorf("a 255-character key: %d %s", s, b)
			}

			// An error response is kept too: the retry does not run again.
			bad := `{"name":"idem6","parent_id":"no-such-tenant","kind":"customer"}`
			k2 := map[string]string{"Idempotency-Key": "bad-parent"}
			sa, ba := e.do("POST", "/api/2/tenants", "root", bad, k2)
			sb, bb := e.do("POST", "/api/2/tenants", "root", bad, k2)
			if sa < 400 || sa >= 500 || sa != sb || string(ba) != string(bb) {
				t.Errorf("a refused write and its retry: %d %s / %d %s", sa, ba, sb, bb)
			}
		})
	}
}

// TestIdempotencyKeyConcurrent sends one key many times at once: exactly one
// tenant is created, every answer is its 201 or a 409 in progress.
func TestIdempotencyKeyConcurrent(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			body := `{"name":"idemc","parent_id":"{partnerA}","kind":"customer"}`
			key := map[string]string{"Idempotency-Key": "concurrent"}
			_, before := e.do("GET", "/api/2/tenants/{partnerA}/children", "root", "", nil)
			var (
				wg     sync.WaitGroup
				mu     sync.Mutex
				bodies = map[string]int{}
			)
			for range 8 {
				wg.Go(func() {
					s, b := e.do("POST", "/api/2/tenants", "root", body, key)
					mu.Lock()
					defer mu.Unlock()
					switch s {
					case 201:
						bodies[string(b)]++
					case 409:
						if !strings.Contains(string(b), "IdempotencyKeyInProgress") {
							t.Errorf("409 without the in-progress code: %s", b)
						}
					default:
						t.Errorf("status %d: %s", s, b)
					}
				})
			}
			wg.Wait()
			if len(bodies) != 1 {
				t.Errorf("%d different 201 bodies, want 1: %v", len(bodies), bodies)
			}
			_, after := e.do("GET", "/api/2/tenants/{partnerA}/children", "root", "", nil)
			if n := len(after) - len(before); n != 36+3 {
				t.Errorf("children grew by %d bytes, want one id: %s", n, after)
			}
		})
	}
}
