package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tenantd/tenantd/internal/mailtest"
)

// passwordToken requests a token with the password grant.
func passwordToken(t *testing.T, baseURL, login, password string) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(baseURL+"/idp/token", url.Values{"grant_type": {"password"}, "username": {login}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestUserLifecycle creates a user, activates it through the e-mail an SMTP
// server receives, signs it in every way tenantd offers, runs the documented
// procedure "Enabling quota upsell for a user account" on it, and locks it
// out by suspending its tenant — on each store.
func TestUserLifecycle(t *testing.T) {
	for name, store := range storeArgs(t) {
		t.Run(name, func(t *testing.T) {
			smtpd := mailtest.Start(t)
			creds := bootstrap(t, store)
			srv := serve(t, append(store, "--smtp-url", smtpd.URL(), "--outbox-interval", "100ms"))
			baseURL := srv.baseURL
			root := &client{t: t, baseURL: baseURL, auth: "Bearer " + token(t, baseURL, creds.ClientID, creds.ClientSecret)}

			customer := root.must("POST", "/tenants", nil, map[string]any{"name": "Buyer Co " + name, "parent_id": creds.TenantID, "kind": "customer"}, 201)
			customerID := customer["id"].(string)
			if status, _ := root.call("GET", "/users/check_login", url.Values{"username": {"JohnDoe"}}, nil); status != 204 {
				t.Fatalf("check_login of a free login: %d", status)
			}
			user := root.must("POST", "/users", nil, map[string]any{"tenant_id": customerID, "login": "JohnDoe",
				"contact": map[string]any{"email": "johndoe@mysite.com", "firstname": "John", "lastname": "Doe"}}, 200)
			userID := user["id"].(string)
			if status, _ := root.call("GET", "/users/check_login", url.Values{"username": {"johndoe"}}, nil); status != 409 {
				t.Errorf("check_login of a taken login: %d, want 409", status)
			}
			zero := "00000000-0000-0000-0000-000000000000"
			policies := root.must("PUT", "/users/"+userID+"/access_policies", nil, map[string]any{"items": []map[string]any{{
				"id": zero, "issuer_id": zero, "role_id": "company_admin", "tenant_id": customerID, "trustee_id": userID,
				"trustee_type": "user", "version": 0}}}, 200)
			if items := policies["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] == zero {
				t.Errorf("access policies = %v", policies)
			}

			// Activation by e-mail.
			root.must("POST", "/users/"+userID+"/send-activation-email", nil, nil, 204)
			msg := smtpd.Wait(t, 1, 20*time.Second)[0]
			if len(msg.To) != 1 || msg.To[0] != "johndoe@mysite.com" || msg.Subject != "Activate your account" {
				t.Fatalf("activation e-mail: to %v subject %q", msg.To, msg.Subject)
			}
			link := regexp.MustCompile(`http://\S+/api/2/users/activate\?token=\S+`).FindString(msg.Body)
			if link == "" {
				t.Fatalf("no activation link in %q", msg.Body)
			}
			page, err := http.Get(link)
			if err != nil {
				t.Fatal(err)
			}
			pageBody, _ := io.ReadAll(page.Body)
			page.Body.Close()
			if page.StatusCode != 200 || !strings.Contains(string(pageBody), `name="password"`) {
				t.Errorf("activation page: %d %s", page.StatusCode, pageBody)
			}
			tokenParam := strings.SplitN(link, "token=", 2)[1]
			activation := &client{t: t, baseURL: baseURL}
			activation.must("POST", "/users/activate", nil, map[string]any{"token": tokenParam, "password": "s3cret-password"}, 204)
			activation.must("POST", "/users/activate", nil, map[string]any{"token": tokenParam, "password": "s3cret-password"}, 401)

			// Sign-in with the password grant and with HTTP Basic.
			status, tok := passwordToken(t, baseURL, "johndoe", "s3cret-password")
			if status != 200 {
				t.Fatalf("password grant: %d %v", status, tok)
			}
			john := &client{t: t, baseURL: baseURL, auth: "Bearer " + tok["access_token"].(string)}
			me := john.must("GET", "/users/me", nil, nil, 200)
			if me["id"] != userID || me["tenant_kind"] != "customer" || me["activated"] != true {
				t.Errorf("/users/me = %v", me)
			}
			basicJohn := &client{t: t, baseURL: baseURL, auth: "Basic " + b64("JohnDoe:s3cret-password")}
			basicJohn.must("GET", "/users/me", nil, nil, 200)
			if status, _ := passwordToken(t, baseURL, "johndoe", "wrong-password"); status != 401 {
				t.Errorf("password grant with a wrong password: %d", status)
			}

			// The documented procedure: make the user a buyer.
			got := root.must("GET", "/users/"+userID, nil, nil, 200)
			version := got["version"]
			userData := map[string]any{"business_types": []string{"buyer"}, "version": version}
			status, updated := root.call("PUT", "/users/"+userID, nil, userData)
			if status != 200 {
				t.Fatalf("PUT business_types: %d %v", status, updated)
			}
			for _, f := range []string{"activated", "business_types", "contact", "created_at", "enabled", "id", "idp_id", "language",
				"login", "mfa_status", "notifications", "personal_tenant_id", "tenant_id", "terms_accepted", "version"} {
				if _, ok := updated[f]; !ok {
					t.Errorf("the updated user lacks %s", f)
				}
			}
			if bt := updated["business_types"].([]any); len(bt) != 1 || bt[0] != "buyer" || updated["version"] != version.(float64)+1 {
				t.Errorf("updated user: business_types %v version %v", updated["business_types"], updated["version"])
			}
			for _, f := range []string{"email", "firstname", "lastname"} {
				if _, ok := updated["contact"].(map[string]any)[f]; !ok {
					t.Errorf("the updated user's contact lacks %s", f)
				}
			}

			// Impersonation: a one-time token and a session cookie.
			ott := root.must("POST", "/idp/ott", nil, map[string]any{"purpose": "user_login", "login": "JohnDoe"}, 200)
			jar, _ := cookiejar.New(nil)
			browser := &http.Client{Jar: jar}
			resp, err := browser.Post(baseURL+"/idp/ott/login", "application/json", strings.NewReader(`{"ott":"`+ott["ott"].(string)+`"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("ott login: %d", resp.StatusCode)
			}
			if c := resp.Cookies(); len(c) != 1 || !c[0].HttpOnly || c[0].Secure || c[0].Domain != "" {
				t.Errorf("session cookie = %+v, want HttpOnly, not Secure over http, no Domain", c)
			}
			meResp, err := browser.Get(baseURL + "/users/me")
			if err != nil {
				t.Fatal(err)
			}
			meResp.Body.Close()
			if meResp.StatusCode != 200 {
				t.Errorf("/users/me with the session cookie: %d", meResp.StatusCode)
			}
			if out, err := browser.Get(baseURL + "/idp/logout"); err != nil || out.StatusCode != 200 {
				t.Errorf("logout: %v %v", out, err)
			} else {
				out.Body.Close()
			}
			if after, err := browser.Get(baseURL + "/users/me"); err != nil || after.StatusCode != 401 {
				t.Errorf("/users/me after logout: %v %v", after, err)
			} else {
				after.Body.Close()
			}

			// Suspending the tenant locks the user out at once.
			c := root.must("GET", "/tenants/"+customerID, nil, nil, 200)
			root.must("PUT", "/tenants/"+customerID, nil, map[string]any{"enabled": false, "version": c["version"]}, 200)
			john.must("GET", "/users/me", nil, nil, 401)
			basicJohn.must("GET", "/users/me", nil, nil, 401)
			if status, _ := passwordToken(t, baseURL, "johndoe", "s3cret-password"); status != 401 {
				t.Errorf("password grant under a suspended tenant: %d", status)
			}
			srv.stop(t)
		})
	}
}
