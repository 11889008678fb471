package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantd/tenantd"
)

// BenchmarkToken measures token requests over HTTP on a SQLite store: the
// client_credentials grant, the password grant (argon2id on every request),
// and, as the baseline of the same run, an authenticated GET of a tenant.
// Run with -cpu to see the effect of parallel requests.
func BenchmarkToken(b *testing.B) {
	e := newEnv(b, filepath.Join(b.TempDir(), "tenantd.db"))
	if err := e.db.SetPassword(systemContext(e), e.ids["user:cadmin"], "bench-password"); err != nil {
		b.Fatal(err)
	}
	post := func(b *testing.B, form url.Values, basicAuth string) {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/2/idp/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basicAuth != "" {
			req.Header.Set("Authorization", "Basic "+basicAuth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("token: %d", resp.StatusCode)
		}
	}
	b.Run("baseline-get", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if status, _ := e.do("GET", "/api/2/tenants/{customerA}", "root", "", nil); status != 200 {
					b.Fatalf("get: %d", status)
				}
			}
		})
	})
	b.Run("client_credentials", func(b *testing.B) {
		cred := basic(e.ids["client:partnerA"], e.secret["partnerA"])
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				post(b, url.Values{"grant_type": {"client_credentials"}}, cred)
			}
		})
	})
	b.Run("password", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				post(b, url.Values{"grant_type": {"password"}, "username": {"cadmin"}, "password": {"bench-password"}}, "")
			}
		})
	})
}

// systemContext acts as tenantd itself in the env's store.
func systemContext(e *env) context.Context {
	return tenantd.NewContextWithPrincipal(context.Background(), &tenantd.Principal{Type: tenantd.PrincipalSystem, ID: "system",
		TenantID: e.ids["root"], TenantPath: "/" + e.ids["root"] + "/"})
}
