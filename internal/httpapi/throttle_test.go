package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantd/tenantd/internal/auth"
	"github.com/tenantd/tenantd/internal/httpapi"
)

// signInFrom sends a token request from addr (through the trusted proxy
// at 127.0.0.1) and returns the status, Retry-After and body.
func signInFrom(t *testing.T, e *env, addr string, form url.Values, basicAuth string) (int, string, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", e.srv.URL+"/api/2/idp/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", addr)
	if basicAuth != "" {
		req.Header.Set("Authorization", "Basic "+basicAuth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("token answer is not JSON: %s", b)
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), out
}

func password(login, pw string) url.Values {
	return url.Values{"grant_type": {"password"}, "username": {login}, "password": {pw}}
}

// throttledEnv serves e with a test clock behind a trusted proxy, and gives
// cadmin a password.
func throttledEnv(t *testing.T, e *env, limits httpapi.SignInLimits) *clock {
	t.Helper()
	var c *clock
	reserve(t, e, func(s *httpapi.Server) {
		s.SignInLimits = limits
		s.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
		c = (&clock{}).set(s)
	})
	if err := e.db.SetPassword(systemContext(e), e.ids["user:cadmin"], "right-password-1"); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSignInThrottlePair(t *testing.T) {
	const attacker, victim = "203.0.113.1", "198.51.100.7"
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			c := throttledEnv(t, e, httpapi.SignInLimits{})
			for i := range 5 {
				if status, _, out := signInFrom(t, e, attacker, password("cadmin", "guess"), ""); status != 401 {
					t.Fatalf("guess %d: %d %v", i+1, status, out)
				}
			}
			// Held back: even the right password is not checked.
			status, retry, out := signInFrom(t, e, attacker, password("CADMIN", "right-password-1"), "")
			if status != 429 || retry != "1" || out["error"] != "temporarily_unavailable" {
				t.Fatalf("after 5 failures: %d, Retry-After %q, %v", status, retry, out)
			}
			// The victim, elsewhere, signs in.
			if status, _, out := signInFrom(t, e, victim, password("cadmin", "right-password-1"), ""); status != 200 {
				t.Fatalf("the victim from its own address: %d %v", status, out)
			}
			// ... which clears nothing for the attacker.
			if status, _, _ := signInFrom(t, e, attacker, password("cadmin", "guess"), ""); status != 429 {
				t.Errorf("the attacker after the victim's sign-in: %d", status)
			}
			// The back-off doubles, up to 15 minutes.
			var last int
			for i := range 14 {
				c.advance(time.Duration(max(last, 1)) * time.Second)
				if status, _, out := signInFrom(t, e, attacker, password("cadmin", "guess"), ""); status != 401 {
					t.Fatalf("guess after back-off %d: %d %v", i, status, out)
				}
				status, retry, _ := signInFrom(t, e, attacker, password("cadmin", "guess"), "")
				n, _ := strconv.Atoi(retry)
				if status != 429 || n < last || n > 900 {
					t.Fatalf("back-off %d: %d, Retry-After %q after %d", i, status, retry, last)
				}
				last = n
			}
			if last != 900 {
				t.Errorf("the back-off reached %d s, want the 900 s cap", last)
			}
			// Other logins from the attacker's address are not held back.
			if status, _, out := signInFrom(t, e, attacker, password("padminA", "guess"), ""); status != 401 {
				t.Errorf("another login from the attacker's address: %d %v", status, out)
			}
			// After the back-off, the right password works even there.
			c.advance(900 * time.Second)
			if status, _, out := signInFrom(t, e, attacker, password("cadmin", "right-password-1"), ""); status != 200 {
				t.Errorf("the right password after the back-off: %d %v", status, out)
			}
			for i := range 5 {
				if status, _, _ := signInFrom(t, e, attacker, password("cadmin", "guess"), ""); status != 401 {
					t.Fatalf("a success cleared the pair, yet guess %d is %d", i+1, status)
				}
			}
			// Failures are forgotten an hour after the last one.
			c.advance(time.Hour)
			for i := range 5 {
				if status, _, _ := signInFrom(t, e, attacker, password("cadmin", "guess"), ""); status != 401 {
					t.Fatalf("after the window, guess %d is %d", i+1, status)
				}
			}
		})
	}
}

func TestSignInThrottleLogin(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			c := throttledEnv(t, e, httpapi.SignInLimits{LoginFailures: 10})
			const home = "198.51.100.7"
			if status, _, out := signInFrom(t, e, home, password("cadmin", "right-password-1"), ""); status != 200 {
				t.Fatalf("first sign-in: %d %v", status, out)
			}
			// Guesses spread over 10 addresses, 1 each.
			for i := range 10 {
				if status, _, out := signInFrom(t, e, fmt.Sprintf("203.0.113.%d", i+1), password("cadmin", "guess"), ""); status != 401 {
					t.Fatalf("guess %d: %d %v", i+1, status, out)
				}
			}
			if status, retry, _ := signInFrom(t, e, "192.0.2.99", password("cadmin", "right-password-1"), ""); status != 429 || retry == "" {
				t.Errorf("a new address after 10 failures for the login: %d, Retry-After %q", status, retry)
			}
			// The user's own address is not held back by the others.
			if status, _, out := signInFrom(t, e, home, password("cadmin", "right-password-1"), ""); status != 200 {
				t.Errorf("the user's address: %d %v", status, out)
			}
			// Nor is a new address once the (capped) back-off has passed.
			c.advance(maxWait)
			if status, _, out := signInFrom(t, e, "192.0.2.99", password("cadmin", "right-password-1"), ""); status != 200 {
				t.Errorf("a new address after the back-off: %d %v", status, out)
			}
		})
	}
}

// maxWait is the cap of the sign-in back-off.
const maxWait = 15 * time.Minute

func TestSignInThrottleClientSecret(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			c := throttledEnv(t, e, httpapi.SignInLimits{})
			cc := url.Values{"grant_type": {"client_credentials"}}
			wrong := basic(e.ids["client:root"], "not-the-secret")
			for i := range 5 {
				if status, _, out := signInFrom(t, e, "203.0.113.1", cc, wrong); status != 401 {
					t.Fatalf("wrong secret %d: %d %v", i+1, status, out)
				}
			}
			right := basic(e.ids["client:root"], e.secret["root"])
			if status, retry, _ := signInFrom(t, e, "203.0.113.1", cc, right); status != 429 || retry != "1" {
				t.Errorf("after 5 wrong secrets: %d, Retry-After %q", status, retry)
			}
			// As the client of a password grant too.
			pw := password("cadmin", "right-password-1")
			if status, _, _ := signInFrom(t, e, "203.0.113.1", pw, right); status != 429 {
				t.Errorf("a password grant naming the throttled client: %d", status)
			}
			other := basic(e.ids["client:partnerA"], e.secret["partnerA"])
			if status, _, out := signInFrom(t, e, "203.0.113.1", cc, other); status != 200 {
				t.Errorf("another client from the same address: %d %v", status, out)
			}
			if status, _, out := signInFrom(t, e, "198.51.100.7", cc, right); status != 200 {
				t.Errorf("the client from elsewhere: %d %v", status, out)
			}
			c.advance(time.Second)
			if status, _, out := signInFrom(t, e, "203.0.113.1", cc, right); status != 200 {
				t.Errorf("after the back-off: %d %v", status, out)
			}
		})
	}
}

// TestSignInThrottleTOTP: wrong TOTP codes after a right password are
// failed sign-ins too, counted apart from the password's, so that knowing
// the password buys no unlimited guesses of the code; the user elsewhere
// still signs in.
func TestSignInThrottleTOTP(t *testing.T) {
	const attacker, victim = "203.0.113.9", "198.51.100.9"
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			throttledEnv(t, e, httpapi.SignInLimits{})
			e.json("PUT", "/api/2/tenants/{customerA}/mfa/status", "padminA", `{"enabled":true}`, 200)
			withCode := func(code string) url.Values {
				f := password("cadmin", "right-password-1")
				f.Set("totp_code", code)
				return f
			}
			status, _, out := signInFrom(t, e, victim, password("cadmin", "right-password-1"), "")
			secret, _ := out["totp_secret"].(string)
			if status != 401 || secret == "" {
				t.Fatalf("sign-in that must enrol: %d %v", status, out)
			}
			code := func(at time.Time) string {
				c, err := auth.TOTPCode(secret, at)
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			if status, _, out := signInFrom(t, e, victim, withCode(code(time.Now())), ""); status != 200 {
				t.Fatalf("enrolment with the code: %d %v", status, out)
			}

			right := code(time.Now().Add(30 * time.Second))
			wrong := "000000"
			if wrong == right {
				wrong = "111111"
			}
			for i := range 5 {
				if status, _, out := signInFrom(t, e, attacker, withCode(wrong), ""); status != 401 || out["error"] != "invalid_totp" {
					t.Fatalf("wrong code %d: %d %v", i+1, status, out)
				}
			}
			// Held back: even the right code is not checked (and so not
			// used up).
			status, retry, out := signInFrom(t, e, attacker, withCode(right), "")
			if status != 429 || retry == "" || out["error"] != "temporarily_unavailable" {
				t.Fatalf("after 5 wrong codes: %d, Retry-After %q, %v", status, retry, out)
			}
			if status, _, out := signInFrom(t, e, victim, withCode(right), ""); status != 200 {
				t.Errorf("the user from its own address: %d %v", status, out)
			}
			if status, _, _ := signInFrom(t, e, attacker, withCode(wrong), ""); status != 429 {
				t.Errorf("the attacker after the user's sign-in: %d, want 429", status)
			}
		})
	}
}
