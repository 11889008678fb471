package httpapi_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/tenantd/tenantd/internal/auth"
)

func TestMFAInput(t *testing.T) {
	run(t, []scenario{
		{name: "status", method: "GET", path: "/api/2/tenants/{customerA}/mfa/status", as: "cadmin", status: 200,
			want: []string{`"mfa_status":"disabled"`, `"update_allowed":true`, `"users_count":4`}},
		{name: "unit follows its customer", method: "GET", path: "/api/2/tenants/{unitA}/mfa/status", as: "uadmin", status: 200,
			want: []string{`"mfa_status":"disabled"`, `"update_allowed":false`}},
		{name: "enable", method: "PUT", path: "/api/2/tenants/{customerA}/mfa/status", as: "padminA", body: `{"enabled":true}`, status: 200,
			want: []string{`"mfa_status":"enabled"`, `"users_with_totp_enabled_count":0`}},
		{name: "not on units", method: "PUT", path: "/api/2/tenants/{unitA}/mfa/status", as: "root", body: `{"enabled":true}`, status: 400},
		{name: "enabled missing", method: "PUT", path: "/api/2/tenants/{customerA}/mfa/status", as: "root", body: `{}`, status: 400},
		{name: "enabled not a boolean", method: "PUT", path: "/api/2/tenants/{customerA}/mfa/status", as: "root", body: `{"enabled":"maybe"}`, status: 400},
		{name: "unknown field, strictly", method: "PUT", path: "/api/2/tenants/{customerA}/mfa/status?field_validation=strict", as: "root", body: `{"enabled":true,"x":1}`, status: 400},
		{name: "unknown field", method: "PUT", path: "/api/2/tenants/{customerA}/mfa/status", as: "root", body: `{"enabled":true,"x":1}`, status: 200, warn: []string{"x"}},
		{name: "unknown tenant", method: "GET", path: "/api/2/tenants/{unknown}/mfa/status", as: "root", status: 404},
		{name: "user enabled missing", method: "PUT", path: "/api/2/users/{user:cadmin}/mfa/status", as: "root", body: `{}`, status: 400},
		{name: "user malformed", method: "PUT", path: "/api/2/users/nope/mfa/status", as: "root", body: `{"enabled":true}`, status: 400},
		{name: "user turned on", method: "PUT", path: "/api/2/users/{user:cadmin}/mfa/status", as: "root", body: `{"enabled":true}`, status: 200,
			check: func(t *testing.T, e *env, _ map[string]any) {
				u := e.json("GET", "/api/2/users/{user:cadmin}", "root", "", 200)
				if u["mfa_status"] != "setup_required" || u["session_mfa_status"] != "required" {
					t.Errorf("user after mfa on: %v %v", u["mfa_status"], u["session_mfa_status"])
				}
			}},
	})
}

func TestMFASignIn(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			const pw = "a-long-password-1"
			e.json("POST", "/api/2/users/{user:cadmin}/password", "root", `{"password":"`+pw+`"}`, 204)
			grant := func(code string) (int, map[string]any) {
				f := url.Values{"grant_type": {"password"}, "username": {"cadmin"}, "password": {pw}}
				if code != "" {
					f.Set("totp_code", code)
				}
				return e.tokenRequest(f, "")
			}
			if status, out := grant(""); status != 200 {
				t.Fatalf("sign-in without MFA: %d %v", status, out)
			}
			e.auth["cadminBasic"] = "Basic " + basic("cadmin", pw)
			e.json("GET", "/api/2/users/me", "cadminBasic", "", 200)

			e.json("PUT", "/api/2/tenants/{customerA}/mfa/status", "padminA", `{"enabled":true}`, 200)
			if u := e.json("GET", "/api/2/users/{user:uadmin}", "root", "", 200); u["mfa_status"] != "setup_required" {
				t.Errorf("a unit's user under an MFA customer: %v", u["mfa_status"])
			}
			status, out := grant("")
			secret, _ := out["totp_secret"].(string)
			if status != 401 || out["error"] != "totp_setup_required" || secret == "" || out["totp_uri"] == nil {
				t.Fatalf("sign-in that must enrol: %d %v", status, out)
			}
			// The same pending key until it is enrolled.
			if _, again := grant(""); again["totp_secret"] != secret {
				t.Errorf("the pending key changed")
			}
			if status, out := grant("000000"); status != 401 || out["error"] != "invalid_totp" {
				t.Errorf("wrong code during setup: %d %v", status, out)
			}
			e.json("GET", "/api/2/users/me", "cadminBasic", "", 401)
			code, err := auth.TOTPCode(secret, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if status, out := grant(code); status != 200 || out["access_token"] == nil {
				t.Fatalf("sign-in with the code: %d %v", status, out)
			}
			u := e.json("GET", "/api/2/users/{user:cadmin}", "root", "", 200)
			if u["mfa_status"] != "enabled" || u["session_mfa_status"] != "passed_or_not_required" {
				t.Errorf("enrolled user: %v %v", u["mfa_status"], u["session_mfa_status"])
			}
			if m := e.json("GET", "/api/2/tenants/{customerA}/mfa/status", "root", "", 200); m["users_with_totp_enabled_count"] != float64(1) {
				t.Errorf("tenant counts %v", m)
			}
			if status, out := grant(code); status != 401 || out["error"] != "invalid_totp" {
				t.Errorf("a code used twice: %d %v", status, out)
			}
			if status, out := grant(""); status != 401 || out["error"] != "totp_required" || out["totp_secret"] != nil {
				t.Errorf("no code: %d %v", status, out)
			}
			if status, _ := grant("12345x"); status != 401 {
				t.Errorf("malformed code: %d", status)
			}
			e.json("GET", "/api/2/users/me", "cadminBasic", "", 401)

			// An administrator turns MFA off for the user.
			e.json("PUT", "/api/2/users/{user:cadmin}/mfa/status", "padminA", `{"enabled":false}`, 200)
			if u := e.json("GET", "/api/2/users/{user:cadmin}", "root", "", 200); u["mfa_status"] != "forcibly_disabled" {
				t.Errorf("forcibly disabled user: %v", u["mfa_status"])
			}
			if status, out := grant(""); status != 200 {
				t.Errorf("sign-in with MFA off for the user: %d %v", status, out)
			}
			// Disabling the tenant's MFA lifts it from its users.
			e.json("PUT", "/api/2/tenants/{customerA}/mfa/status", "root", `{"enabled":false}`, 200)
			if u := e.json("GET", "/api/2/users/{user:uadmin}", "root", "", 200); u["mfa_status"] != "disabled" {
				t.Errorf("after disabling: %v", u["mfa_status"])
			}
		})
	}
}
