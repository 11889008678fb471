package httpapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantd/tenantd/internal/httpapi"
	"github.com/tenantd/tenantd/internal/metrics"
)

// clock is a test clock: the time it was set at, moved on only by what
// the test adds.
type clock struct {
	base   time.Time
	offset atomic.Int64
}

func (c *clock) now() time.Time          { return c.base.Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }
func (c *clock) set(s *httpapi.Server) *clock {
	c.base = time.Now()
	s.Now = c.now
	return c
}

// reserve serves e's store again with the server configure changes, and
// points e at it.
func reserve(t *testing.T, e *env, configure func(s *httpapi.Server)) *httpapi.Server {
	t.Helper()
	db := e.db
	api := &httpapi.Server{Tenants: db, Clients: db, Users: db, SignIn: db, Auth: db, Store: db, Signer: e.signer,
		Catalog: db.Catalog(), Apps: db, Settings: db, Offerings: db, Pricing: db, Reports: db,
		Brands: db, Upsell: db, Usage: db, Events: db, Locations: db, DryRun: db, Registrations: db, Devices: db, DefaultIDP: db, MFA: db, Idempotency: db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	configure(api)
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	api.PublicURL = srv.URL
	e.srv = srv
	return api
}

// tooMany checks a 429 in the API's error format with Retry-After.
func tooMany(t *testing.T, status int, h http.Header, body []byte, retryAfter string) {
	t.Helper()
	if status != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429: %s", status, body)
	}
	if got := h.Get("Retry-After"); got != retryAfter {
		t.Errorf("Retry-After %q, want %q", got, retryAfter)
	}
	var out struct {
		Error struct {
			Code    string         `json:"code"`
			Context map[string]any `json:"context"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Error.Code != "TooManyRequests" {
		t.Errorf("429 body: %s (%v)", body, err)
	}
}

func TestRateLimitPrincipal(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			var c *clock
			m := metrics.New()
			reserve(t, e, func(s *httpapi.Server) {
				// One request per 100 s after a burst of 3: no refill
				// happens by itself while the test runs.
				s.RateLimit = httpapi.RateLimit{Rate: 0.01, Burst: 3}
				s.Metrics = m
				c = (&clock{}).set(s)
			})
			for i := range 3 {
				if status, b := e.do("GET", "/api/2/tenants/{root}", "root", "", nil); status != 200 {
					t.Fatalf("request %d of the burst: %d %s", i+1, status, b)
				}
			}
			status, h, b := e.doResp("GET", "/api/2/tenants/{root}", "root", "", nil)
			tooMany(t, status, h, b, "100")
			// The same client by Basic credentials is the same principal.
			status, h, b = e.doResp("GET", "/api/2/tenants/{root}", "basic", "", nil)
			tooMany(t, status, h, b, "100")

			if status, b := e.do("GET", "/api/2/tenants/{partnerA}", "partnerA", "", nil); status != 200 {
				t.Errorf("another client is limited too: %d %s", status, b)
			}
			if status, b := e.do("GET", "/api/2/tenants/{customerA}", "cadmin", "", nil); status != 200 {
				t.Errorf("a user is limited too: %d %s", status, b)
			}

			c.advance(60 * time.Second)
			status, h, b = e.doResp("GET", "/api/2/tenants/{root}", "root", "", nil)
			tooMany(t, status, h, b, "40")
			c.advance(41 * time.Second)
			if status, b := e.do("GET", "/api/2/tenants/{root}", "root", "", nil); status != 200 {
				t.Errorf("after the window: %d %s", status, b)
			}
			if status, _ := e.do("GET", "/api/2/tenants/{root}", "root", "", nil); status != 429 {
				t.Errorf("a second request after one token came back: %d", status)
			}
			c.advance(time.Hour)
			for i := range 3 {
				if status, b := e.do("GET", "/api/2/tenants/{root}", "root", "", nil); status != 200 {
					t.Fatalf("request %d of a refilled burst: %d %s", i+1, status, b)
				}
			}
			rec := httptest.NewRecorder()
			m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			if !strings.Contains(rec.Body.String(), `tenantd_rate_limited_total{kind="principal"} 4`) {
				t.Errorf("metrics lack 4 principal refusals:\n%s", grepLines(rec.Body.String(), "rate_limited"))
			}
		})
	}
}

func TestRateLimitAddress(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			var c *clock
			reserve(t, e, func(s *httpapi.Server) {
				s.RateLimit = httpapi.RateLimit{AddressRate: 0.5, AddressBurst: 2}
				c = (&clock{}).set(s)
			})
			if status, b := e.do("GET", "/api/2/tenants/{root}", "root", "", nil); status != 200 {
				t.Fatalf("first: %d %s", status, b)
			}
			if status, b := e.do("GET", "/api/2/idp/keys", "", "", nil); status != 200 {
				t.Fatalf("second, unauthenticated: %d %s", status, b)
			}
			// Every principal from the address shares its bucket, and so
			// do requests with no or bad credentials.
			for _, as := range []string{"partnerA", "", "garbage"} {
				status, h, b := e.doResp("GET", "/api/2/tenants/{partnerA}", as, "", nil)
				tooMany(t, status, h, b, "2")
			}
			for _, path := range []string{"/healthz", "/readyz"} {
				if status, b := e.do("GET", path, "", "", nil); status != 200 {
					t.Errorf("%s is limited: %d %s", path, status, b)
				}
			}
			c.advance(2 * time.Second)
			if status, b := e.do("GET", "/api/2/tenants/{partnerA}", "partnerA", "", nil); status != 200 {
				t.Errorf("after the window: %d %s", status, b)
			}
		})
	}
}

func TestRateLimitOff(t *testing.T) {
	e := stores[0].env(t)
	reserve(t, e, func(s *httpapi.Server) {})
	for i := range 200 {
		if status, b := e.do("GET", "/api/2/idp/keys", "", "", nil); status != 200 {
			t.Fatalf("request %d without limits: %d %s", i, status, b)
		}
	}
}

func grepLines(text, word string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
