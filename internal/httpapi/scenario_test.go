package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// scenario is one API call and what it must answer. Paths, bodies and
// expected strings may name tenants and clients of the env as {name}.
type scenario struct {
	name   string
	setup  func(e *env) // runs before the request
	method string
	path   string
	as     string // principal; "" sends no credentials
	body   string
	header map[string]string
	status int
	want   []string // substrings of the body
	absent []string // substrings the body must not hold
	warn   []string // fields the response's Warning headers must name as dropped, in order
	check  func(t *testing.T, e *env, body map[string]any)
}

// run runs each scenario on a fresh env, on every store. Beyond its own
// expectations, every scenario must answer JSON (or nothing), never 500,
// and a refused write must leave the store as it was.
func run(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					t.Parallel()
					e := store.env(t)
					if sc.setup != nil {
						sc.setup(e)
					}
					before := e.snapshot()
					status, header, body := e.doResp(sc.method, sc.path, sc.as, sc.body, sc.header)
					contentType := header.Get("Content-Type")
					checkWarnings(t, header, sc.warn)
					if status != sc.status {
						t.Fatalf("%s %s as %q: status %d, want %d; body: %s", sc.method, e.expand(sc.path), sc.as, status, sc.status, body)
					}
					if status >= 500 {
						t.Fatalf("server error: %s", body)
					}
					text := string(body)
					for _, w := range sc.want {
						if w = e.expand(w); !strings.Contains(text, w) {
							t.Errorf("body lacks %q: %s", w, text)
						}
					}
					for _, a := range sc.absent {
						if a = e.expand(a); strings.Contains(text, a) {
							t.Errorf("body holds %q: %s", a, text)
						}
					}
					var obj map[string]any
					if len(body) > 0 && isJSON(contentType) {
						if err := json.Unmarshal(body, &obj); err != nil {
							t.Fatalf("body is not a JSON object: %v: %s", err, body)
						}
					}
					if status >= 400 && obj != nil && !strings.Contains(sc.path, "/idp/") {
						checkErrorBody(t, obj)
					}
					if status >= 400 && sc.method != http.MethodGet {
						if after := e.snapshot(); after != before {
							t.Errorf("a refused %s changed the store:\nbefore:\n%s\nafter:\n%s", sc.method, before, after)
						}
					}
					checkContract(t, sc.method, e.expand(sc.path), status, contentType, body)
					if sc.check != nil {
						sc.check(t, e, obj)
					}
				})
			}
		})
	}
}

// checkErrorBody checks the shape of the API's error object.
func checkErrorBody(t *testing.T, obj map[string]any) {
	t.Helper()
	e, ok := obj["error"].(map[string]any)
	if !ok {
		t.Fatalf("error body has no error object: %v", obj)
	}
	for _, f := range []string{"code", "message", "domain", "details", "context"} {
		if _, ok := e[f]; !ok {
			t.Errorf("error object lacks %s: %v", f, e)
		}
	}
	if _, ok := e["code"].(string); !ok {
		t.Errorf("error code %v is not a string", e["code"])
	}
	if e["domain"] != "PlatformAccountServer" {
		t.Errorf("error domain = %v", e["domain"])
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// checkWarnings checks that h names exactly the fields as dropped, one
// Warning header each, in the form Kubernetes uses.
func checkWarnings(t *testing.T, h http.Header, fields []string) {
	t.Helper()
	var want []string
	for _, f := range fields {
		want = append(want, "299 - "+strconv.Quote("unknown field "+strconv.Quote(f)))
	}
	if got := h.Values("Warning"); !slices.Equal(got, want) {
		t.Errorf("Warning headers %q, want %q", got, want)
	}
}
