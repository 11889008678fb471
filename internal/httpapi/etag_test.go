package httpapi_test

import (
	"net/http"
	"testing"
)

// etagIs checks the ETag of an answer.
func etagIs(t *testing.T, h http.Header, want string) {
	t.Helper()
	if got := h.Get("ETag"); got != want {
		t.Errorf("ETag %q, want %q", got, want)
	}
}

func TestETag(t *testing.T) {
	run(t, []scenario{
		{name: "a tenant's GET carries its version", method: "GET", path: "/api/2/tenants/{customerA}", as: "root", status: 200,
			check: func(t *testing.T, e *env, _ map[string]any) {
				status, h, _ := e.doResp("GET", "/api/2/tenants/{customerA}", "root", "", nil)
				if status != 200 {
					t.Fatalf("status %d", status)
				}
				etagIs(t, h, `"1"`)
				disabled(e)
				_, h, _ = e.doResp("GET", "/api/2/tenants/{customerA}", "root", "", nil)
				etagIs(t, h, `"2"`)
			}},
		{name: "If-None-Match the current ETag", method: "GET", path: "/api/2/tenants/{customerA}", as: "root",
			header: map[string]string{"If-None-Match": `"1"`}, status: 304,
			check: func(t *testing.T, e *env, body map[string]any) {
				if body != nil {
					t.Errorf("a 304 with a body: %v", body)
				}
				status, h, b := e.doResp("GET", "/api/2/tenants/{customerA}", "root", "", map[string]string{"If-None-Match": `W/"7", "1"`})
				if status != 304 || len(b) != 0 {
					t.Errorf("a list naming the tag: %d %q", status, b)
				}
				etagIs(t, h, `"1"`)
			}},
		{name: "If-None-Match an older ETag", setup: disabled, method: "GET", path: "/api/2/tenants/{customerA}", as: "root",
			header: map[string]string{"If-None-Match": `"1"`}, status: 200, want: []string{`"version":2`}},
		{name: "If-None-Match of another tenant's subtree", method: "GET", path: "/api/2/tenants/{customerB}", as: "partnerA",
			header: map[string]string{"If-None-Match": `"1"`}, status: 404},
		{name: "PUT with If-Match and no version", method: "PUT", path: "/api/2/tenants/{customerA}", as: "partnerA",
			header: map[string]string{"If-Match": `"1"`}, body: `{"enabled":false}`, status: 200, want: []string{`"enabled":false`, `"version":2`},
			check: func(t *testing.T, e *env, _ map[string]any) {
				status, h, b := e.doResp("PUT", "/api/2/tenants/{customerA}", "partnerA", `{"name":"again"}`, map[string]string{"If-Match": `"2"`})
				if status != 200 {
					t.Fatalf("second PUT: %d %s", status, b)
				}
				etagIs(t, h, `"3"`)
			}},
		{name: "PUT with If-Match and the same version", method: "PUT", path: "/api/2/tenants/{customerA}", as: "root",
			header: map[string]string{"If-Match": `"1"`}, body: `{"name":"same","version":"1"}`, status: 200, want: []string{`"version":2`}},
		{name: "PUT with If-Match and another version", method: "PUT", path: "/api/2/tenants/{customerA}", as: "root",
			header: map[string]string{"If-Match": `"2"`}, body: `{"name":"two","version":1}`, status: 400, want: []string{"If-Match"}},
		{name: "PUT with a stale If-Match", setup: disabled, method: "PUT", path: "/api/2/tenants/{customerA}", as: "root",
			header: map[string]string{"If-Match": `"1"`}, body: `{"enabled":true}`, status: 412,
			want: []string{`"code":"PreconditionFailed"`, `"version":2`}},
		{name: "PUT with a stale body version and no If-Match is still a 409", setup: disabled, method: "PUT", path: "/api/2/tenants/{customerA}", as: "root",
			body: `{"enabled":true,"version":1}`, status: 409, want: []string{`"code":"VersionConflict"`}},
		{name: "PUT with If-Match: *", setup: disabled, method: "PUT", path: "/api/2/tenants/{customerA}", as: "root",
			header: map[string]string{"If-Match": "*"}, body: `{"name":"any"}`, status: 200, want: []string{`"version":3`, `"name":"any"`}},
		{name: "If-Match: * on an unknown tenant", method: "PUT", path: "/api/2/tenants/{unknown}", as: "root",
			header: map[string]string{"If-Match": "*"}, body: `{"name":"any"}`, status: 404},
		{name: "If-Match: * on a tenant outside the subtree", method: "PUT", path: "/api/2/tenants/{customerB}", as: "partnerA",
			header: map[string]string{"If-Match": "*"}, body: `{"name":"mine"}`, status: 404},
		{name: "a malformed If-Match", method: "PUT", path: "/api/2/tenants/{customerA}", as: "root",
			header: map[string]string{"If-Match": `W/"1"`}, body: `{"name":"x"}`, status: 400, want: []string{"If-Match"}},
		{name: "an unquoted If-Match", method: "PUT", path: "/api/2/tenants/{customerA}", as: "root",
			header: map[string]string{"If-Match": `1`}, body: `{"name":"x"}`, status: 400},
		{name: "If-Match with a body that is not an object", method: "PUT", path: "/api/2/tenants/{customerA}", as: "root",
			header: map[string]string{"If-Match": `"1"`}, body: `["x"]`, status: 400},
		{name: "DELETE with If-Match", setup: disabled, method: "DELETE", path: "/api/2/tenants/{customerA}", as: "root",
			header: map[string]string{"If-Match": `"2"`}, status: 204},
		{name: "DELETE with If-Match: *", setup: disabled, method: "DELETE", path: "/api/2/tenants/{customerA}", as: "root",
			header: map[string]string{"If-Match": `*`}, status: 204},
		{name: "DELETE with a stale If-Match", setup: disabled, method: "DELETE", path: "/api/2/tenants/{customerA}", as: "root",
			header: map[string]string{"If-Match": `"1"`}, status: 412, want: []string{`"code":"PreconditionFailed"`, `"version":2`}},
		{name: "DELETE with If-Match and another query version", setup: disabled, method: "DELETE", path: "/api/2/tenants/{customerA}?version=1", as: "root",
			header: map[string]string{"If-Match": `"2"`}, status: 400},
		{name: "a user's ETag and If-Match", method: "GET", path: "/api/2/users/{user:readonly}", as: "cadmin", status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				_, h, _ := e.doResp("GET", "/api/2/users/{user:readonly}", "cadmin", "", nil)
				tag := h.Get("ETag")
				if tag == "" {
					t.Fatal("no ETag on a user")
				}
				status, h, b := e.doResp("PUT", "/api/2/users/{user:readonly}", "cadmin", `{"enabled":false}`, map[string]string{"If-Match": tag})
				if status != 200 {
					t.Fatalf("PUT with If-Match %s: %d %s", tag, status, b)
				}
				if h.Get("ETag") == tag || h.Get("ETag") == "" {
					t.Errorf("ETag after a change %q, before %q", h.Get("ETag"), tag)
				}
				status, _, b = e.doResp("PUT", "/api/2/users/{user:readonly}", "cadmin", `{"enabled":true}`, map[string]string{"If-Match": tag})
				if status != 412 {
					t.Errorf("PUT with the old tag: %d %s", status, b)
				}
			}},
		{name: "a brand with the tenant's If-Match", method: "POST", path: "/api/2/tenants/{partnerA}/brand", as: "partnerA",
			header: map[string]string{"If-Match": `"1"`}, status: 201,
			check: func(t *testing.T, e *env, _ map[string]any) {
				status, _, b := e.doResp("DELETE", "/api/2/tenants/{partnerA}/brand", "partnerA", "", map[string]string{"If-Match": `"1"`})
				if status != 412 {
					t.Errorf("DELETE brand with the old tag: %d %s", status, b)
				}
				status, _, b = e.doResp("DELETE", "/api/2/tenants/{partnerA}/brand", "partnerA", "", map[string]string{"If-Match": `*`})
				if status != 204 {
					t.Errorf("DELETE brand with If-Match *: %d %s", status, b)
				}
			}},
		{name: "pricing's ETag", method: "GET", path: "/api/2/tenants/{customerA}/pricing", as: "root", status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				status, h, _ := e.doResp("GET", "/api/2/tenants/{customerA}/pricing", "root", "", map[string]string{"If-None-Match": "*"})
				if status != 304 || h.Get("ETag") == "" {
					t.Errorf("If-None-Match: * on pricing: %d, ETag %q", status, h.Get("ETag"))
				}
			}},
		{name: "no ETag on a list", method: "GET", path: "/api/2/tenants/{partnerA}/children", as: "root", status: 200,
			check: func(t *testing.T, e *env, _ map[string]any) {
				_, h, _ := e.doResp("GET", "/api/2/tenants/{partnerA}/children", "root", "", nil)
				etagIs(t, h, "")
			}},
	})
}
