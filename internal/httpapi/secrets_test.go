package httpapi_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantd/tenantd/internal/auth"
	"github.com/tenantd/tenantd/internal/httpapi"
)

// syncBuffer is a buffer the server's goroutines write logs into.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestNoSecretInLogsOrEvents runs a scenario that makes every kind of
// credential — client secrets, passwords (right and wrong), access and id
// tokens, a TOTP key and code, a registration token — with the server
// logging at debug level, then looks for each of them in every log line
// and every audit event.
func TestNoSecretInLogsOrEvents(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			logs := &syncBuffer{}
			reserve(t, e, func(s *httpapi.Server) {
				s.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			var secrets []string
			keep := func(what string, v any) string {
				t.Helper()
				s, _ := v.(string)
				if len(s) < 6 {
					t.Fatalf("%s: %v is no secret", what, v)
				}
				secrets = append(secrets, s)
				// A JWT's signature alone is as good as the token.
				if parts := strings.Split(s, "."); len(parts) == 3 {
					secrets = append(secrets, parts[2])
				}
				return s
			}

			tenant := e.json("POST", "/api/2/tenants", "root", `{"name":"leaky","parent_id":"{root}","kind":"customer"}`, 201)
			e.ids["leaky"] = tenant["id"].(string)
			cl := e.json("POST", "/api/2/clients", "root",
				`{"type":"api_client","tenant_id":"{leaky}","token_endpoint_auth_method":"client_secret_basic","data":{"client_name":"leak"}}`, 201)
			clientID, secret := cl["client_id"].(string), keep("client secret", cl["client_secret"])
			status, tok := e.tokenRequest(url.Values{"grant_type": {"client_credentials"}}, basic(clientID, secret))
			if status != 200 {
				t.Fatalf("client token: %d %v", status, tok)
			}
			keep("access token", tok["access_token"])
			keep("id token", tok["id_token"])
			e.auth["leaky"] = "Bearer " + tok["access_token"].(string)
			e.auth["leakyBasic"] = "Basic " + basic(clientID, secret)
			e.json("GET", "/api/2/tenants/{leaky}", "leaky", "", 200)
			e.json("GET", "/api/2/tenants/{leaky}", "leakyBasic", "", 200)
			if status, _ := e.tokenRequest(url.Values{"grant_type": {"client_credentials"}}, basic(clientID, keep("wrong secret", "wrong-client-secret-1"))); status != 401 {
				t.Errorf("a wrong secret: %d", status)
			}

			u := e.json("POST", "/api/2/users", "leaky", `{"tenant_id":"{leaky}","login":"leaker","contact":{"email":"leaker@example.com"}}`, 200)
			e.ids["user:leaker"] = u["id"].(string)
			e.json("POST", "/api/2/users/{user:leaker}/password", "root", `{"password":"`+keep("password", "correct-horse-battery-9")+`"}`, 204)
			pw := url.Values{"grant_type": {"password"}, "username": {"leaker"}, "password": {"correct-horse-battery-9"}}
			status, ut := e.tokenRequest(pw, "")
			if status != 200 {
				t.Fatalf("password grant: %d %v", status, ut)
			}
			keep("user's access token", ut["access_token"])
			wrong := url.Values{"grant_type": {"password"}, "username": {"leaker"}, "password": {keep("wrong password", "not-my-password-42")}}
			if status, _ := e.tokenRequest(wrong, ""); status != 401 {
				t.Errorf("a wrong password: %d", status)
			}
			e.auth["leakerBasic"] = "Basic " + basic("leaker", "correct-horse-battery-9")
			e.json("GET", "/api/2/users/me", "leakerBasic", "", 200)

			e.json("PUT", "/api/2/tenants/{leaky}/mfa/status", "root", `{"enabled":true}`, 200)
			status, enrol := e.tokenRequest(pw, "")
			if status != 401 || enrol["error"] != "totp_setup_required" {
				t.Fatalf("enrolment: %d %v", status, enrol)
			}
			totp := keep("TOTP key", enrol["totp_secret"])
			code, err := auth.TOTPCode(totp, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			pw.Set("totp_code", code)
			status, mt := e.tokenRequest(pw, "")
			if status != 200 {
				t.Fatalf("sign-in with the TOTP code: %d %v", status, mt)
			}
			keep("MFA access token", mt["access_token"])

			reg := e.json("POST", "/api/2/tenants/{leaky}/registration_tokens", "root",
				`{"expires_in":3600,"scopes":["urn:acronis.com:tenant-id:{leaky}:backup_agent_admin"]}`, 200)
			regToken := keep("registration token", reg["token"])
			status, at := e.tokenRequest(url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {regToken}}, "")
			if status != 200 {
				t.Fatalf("redeem the registration token: %d %v", status, at)
			}
			keep("agent token", at["access_token"])

			// Every audit event, page by page.
			var events strings.Builder
			after := ""
			for range 100 {
				path := "/api/2/events?limit=100"
				if after != "" {
					path += "&after=" + url.QueryEscape(after)
				}
				_, b := e.do("GET", path, "root", "", nil)
				var page struct {
					Items  []json.RawMessage `json:"items"`
					Paging struct {
						Cursors struct{ After string } `json:"cursors"`
					} `json:"paging"`
				}
				if err := json.Unmarshal(b, &page); err != nil {
					t.Fatalf("events: %s", b)
				}
				for _, it := range page.Items {
					events.Write(it)
					events.WriteByte('\n')
				}
				if len(page.Items) == 0 || page.Paging.Cursors.After == "" {
					break
				}
				after = page.Paging.Cursors.After
			}
			if !strings.Contains(events.String(), e.ids["user:leaker"]) || !strings.Contains(events.String(), clientID) {
				t.Fatalf("the events lack the scenario's user or client:\n%s", events.String())
			}
			text := logs.String()
			if !strings.Contains(text, `"level":"DEBUG"`) && !strings.Contains(text, `"msg":"request"`) {
				t.Fatalf("nothing was logged:\n%s", text)
			}
			for _, s := range secrets {
				for _, where := range []struct{ name, text string }{{"log", text}, {"events", events.String()}} {
					for _, line := range strings.Split(where.text, "\n") {
						if strings.Contains(line, s) {
							t.Errorf("a secret (%.4s…) in the %s: %s", s, where.name, line)
						}
					}
				}
			}
		})
	}
}
