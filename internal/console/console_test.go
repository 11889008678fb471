package console_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/tenantd/tenantd/internal/console"
	"github.com/tenantd/tenantd/internal/testserver"
)

// browser is a cookie-keeping HTTP client of the console, as a page's
// scripts use it.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) cookie(name string) *http.Cookie {
	req, _ := http.NewRequest("GET", b.base+console.Prefix+"/", nil)
	for _, c := range b.c.Jar.Cookies(req.URL) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// send makes a request with the CSRF header set to csrf (none when empty)
// and returns the answer's status, headers and body.
func (b *browser) send(method, path, body, csrf string) (int, http.Header, string) {
	b.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, b.base+path, r)
	if err != nil {
		b.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if csrf != "" {
		req.Header.Set(console.CSRFHeader, csrf)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(out)
}

// csrf is the value of the browser's CSRF cookie, which the page sends back.
func (b *browser) csrf() string {
	b.t.Helper()
	c := b.cookie(console.CSRFCookie)
	if c == nil {
		b.t.Fatal("no CSRF cookie")
	}
	return c.Value
}

func setCookie(h http.Header, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestSessionAndProxy(t *testing.T) {
	for _, store := range testserver.Stores {
		t.Run(store.Name, func(t *testing.T) {
			e := start(t, store.DSN(t))
			partner := e.createTenant(e.api.RootID, "Partner", "partner")
			customer := e.createTenant(partner.ID, "Customer", "customer")
			e.createAdmin(partner.ID, "padmin", "a long password", "partner_admin")

			b := newBrowser(t, e.url)
			// The page gives a CSRF cookie, readable by scripts, strict.
			status, h, body := b.send("GET", "/console/", "", "")
			if status != 200 || !strings.Contains(h.Get("Content-Type"), "text/html") || !strings.Contains(body, "<html") {
				t.Fatalf("the page: %d %s", status, h)
			}
			if ck := setCookie(h, console.CSRFCookie); ck == nil || ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/console" || ck.Secure {
				t.Fatalf("CSRF cookie %+v", ck)
			}
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			if status, _, _ := b.send("GET", "/console/assets/app.js", "", ""); status != 200 {
				t.Errorf("app.js: %d", status)
			}

			// Signing in without the CSRF header, or with another value: 403.
			creds := `{"login":"padmin","password":"a long password"}`
			if status, _, body := b.send("POST", "/console/session", creds, ""); status != 403 || !strings.Contains(body, "CSRFCheckFailed") {
				t.Fatalf("sign-in without CSRF header: %d %s", status, body)
			}
			wrong := []byte(b.csrf())
			wrong[0] ^= 1 // another character, whichever the token starts with
			if status, _, _ := b.send("POST", "/console/session", creds, string(wrong)); status != 403 {
				t.Fatalf("sign-in with a wrong CSRF header: %d", status)
			}
			if b.cookie(console.SessionCookie) != nil {
				t.Fatal("a session without a CSRF check")
			}
			// A wrong password: the API's answer.
			status, _, body = b.send("POST", "/console/session", `{"login":"padmin","password":"not the password"}`, b.csrf())
			if status != 401 || !strings.Contains(body, `"error":"access_denied"`) {
				t.Fatalf("a wrong password: %d %s", status, body)
			}
			if status, _, body := b.send("POST", "/console/session", `{"login":"padmin"`, b.csrf()); status != 400 || !strings.Contains(body, "ParameterMalformed") {
				t.Fatalf("a malformed body: %d %s", status, body)
			}
			if status, _, body := b.send("POST", "/console/session", `{"login":"padmin"}`, b.csrf()); status != 400 {
				t.Fatalf("no password: %d %s", status, body)
			}

			// Signing in: the token goes into an HttpOnly cookie, never into
			// the answer; the CSRF value changes.
			before := b.csrf()
			status, h, body = b.send("POST", "/console/session", creds, before)
			if status != 200 {
				t.Fatalf("sign-in: %d %s", status, body)
			}
			session := setCookie(h, console.SessionCookie)
			if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/console" || session.Secure || session.MaxAge <= 0 {
				t.Fatalf("session cookie %+v", session)
			}
			if strings.Contains(body, session.Value) || strings.Contains(body, "access_token") {
				t.Fatalf("the answer shows the token: %s", body)
			}
			if b.csrf() == before {
				t.Error("the CSRF value did not change at sign-in")
			}

			// Reads go through with the session's token.
			var me struct {
				Login    string `json:"login"`
				TenantID string `json:"tenant_id"`
			}
			status, _, body = b.send("GET", "/console/api/users/me", "", "")
			if status != 200 || json.Unmarshal([]byte(body), &me) != nil || me.Login != "padmin" || me.TenantID != partner.ID {
				t.Fatalf("users/me through the console: %d %s", status, body)
			}
			if status, _, body := b.send("GET", "/console/api/tenants/"+customer.ID+"?x=1", "", ""); status != 200 || !strings.Contains(body, `"name":"Customer"`) {
				t.Fatalf("a tenant through the console: %d %s", status, body)
			}

			// Writes need the CSRF header.
			suspend := `{"enabled":false,"version":` + jsonInt(customer.Version) + `}`
			if status, _, _ := b.send("PUT", "/console/api/tenants/"+customer.ID, suspend, ""); status != 403 {
				t.Fatalf("a write without CSRF header: %d", status)
			}
			if status, _, _ := b.send("PUT", "/console/api/tenants/"+customer.ID, suspend, before); status != 403 {
				t.Fatalf("a write with the CSRF value of before sign-in: %d", status)
			}
			if got := e.tenant(customer.ID); !got.Enabled {
				t.Fatal("a write without a CSRF check was made")
			}
			status, h, body = b.send("PUT", "/console/api/tenants/"+customer.ID+"?dry_run=true", suspend, b.csrf())
			if status != 200 || !strings.Contains(h.Get("Content-Type"), "dry-run") || !strings.Contains(body, `"operation":"suspend"`) {
				t.Fatalf("dry run through the console: %d %s %s", status, h.Get("Content-Type"), body)
			}
			if status, _, body := b.send("PUT", "/console/api/tenants/"+customer.ID, suspend, b.csrf()); status != 200 {
				t.Fatalf("suspend through the console: %d %s", status, body)
			}
			if got := e.tenant(customer.ID); got.Enabled {
				t.Fatal("the suspension was not made")
			}
			// A stale version is the API's 409.
			if status, _, body := b.send("PUT", "/console/api/tenants/"+customer.ID, suspend, b.csrf()); status != 409 {
				t.Fatalf("a stale version: %d %s", status, body)
			}

			// The identity endpoints and odd paths are not proxied.
			for _, p := range []string{"/console/api/idp/token", "/console/api/idp/revoke_token", "/console/api/", "/console/api/tenants/%2e%2e/idp/token"} {
				if status, _, body := b.send("POST", p, `{}`, b.csrf()); status != 404 {
					t.Errorf("POST %s: %d %s", p, status, body)
				}
			}
			for _, p := range []string{"/console/nothing", "/console/assets/", "/console/assets/index.html", "/console/assets/nothing.js"} {
				if status, _, _ := b.send("GET", p, "", ""); status != 404 {
					t.Errorf("GET %s: %d", p, status)
				}
			}
			if status, _, _ := b.send("PUT", "/console/session", "", b.csrf()); status != 405 {
				t.Errorf("PUT /console/session: %d", status)
			}

			// Signing out clears the cookie and revokes the token.
			token := session.Value
			if status, _, _ := b.send("DELETE", "/console/session", "", ""); status != 403 {
				t.Fatalf("sign-out without CSRF header: %d", status)
			}
			status, h, _ = b.send("DELETE", "/console/session", "", b.csrf())
			if ck := setCookie(h, console.SessionCookie); status != 204 || ck == nil || ck.MaxAge >= 0 {
				t.Fatalf("sign-out: %d %+v", status, ck)
			}
			if status, _, _ := b.send("GET", "/console/api/users/me", "", ""); status != 401 {
				t.Fatalf("after sign-out: %d", status)
			}
			req, _ := http.NewRequest("GET", e.api.URL+"/api/2/users/me", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			e.do(req, 401, nil)
		})
	}
}

func jsonInt(v int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestSignInRefusals: a suspended tenant's user gets the API's message; a
// user who must use a second factor is asked for the code; the cookie is
// Secure behind an HTTPS proxy.
func TestSignInRefusals(t *testing.T) {
	e := start(t, testserver.Stores[0].DSN(t))
	partner := e.createTenant(e.api.RootID, "Partner", "partner")
	e.createAdmin(partner.ID, "padmin", "a long password", "partner_admin")
	other := e.createTenant(e.api.RootID, "Other", "partner")
	e.createAdmin(other.ID, "oadmin", "a long password", "partner_admin")

	b := newBrowser(t, e.url)
	b.send("GET", "/console/", "", "")
	req, _ := http.NewRequest("POST", e.url+"/console/session", strings.NewReader(`{"login":"oadmin","password":"a long password"}`))
	req.Header.Set(console.CSRFHeader, b.csrf())
	req.AddCookie(b.cookie(console.CSRFCookie))
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if ck := setCookie(res.Header, console.SessionCookie); res.StatusCode != 200 || ck == nil || !ck.Secure {
		t.Fatalf("sign-in behind HTTPS: %d %+v", res.StatusCode, ck)
	}

	e.root("PUT", "/tenants/"+partner.ID, map[string]any{"enabled": false, "version": partner.Version}, 200, nil)
	status, _, body := b.send("POST", "/console/session", `{"login":"padmin","password":"a long password"}`, b.csrf())
	var refusal struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if status != 401 || json.Unmarshal([]byte(body), &refusal) != nil || refusal.Error != "access_denied" || !strings.Contains(refusal.Description, "suspended") {
		t.Fatalf("a suspended tenant's user: %d %s", status, body)
	}
	if b.cookie(console.SessionCookie) != nil {
		t.Fatal("a suspended tenant's user got a session")
	}

	e.root("PUT", "/tenants/"+other.ID+"/mfa/status", map[string]any{"enabled": true}, 200, nil)
	status, _, body = b.send("POST", "/console/session", `{"login":"oadmin","password":"a long password"}`, b.csrf())
	if status != 401 || !strings.Contains(body, `"error":"totp_setup_required"`) || !strings.Contains(body, `"totp_secret"`) {
		t.Fatalf("MFA needed: %d %s", status, body)
	}
	status, _, body = b.send("POST", "/console/session", `{"login":"oadmin","password":"a long password","totp_code":"000000"}`, b.csrf())
	if status != 401 || !strings.Contains(body, `"error":"invalid_totp"`) {
		t.Fatalf("a wrong code: %d %s", status, body)
	}
}
