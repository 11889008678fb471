package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/auth"
)

// authzHostile are the principals of the authorization matrix beyond its
// columns, each answered on every route as the column it is like: the
// principals of customerA's sibling under partnerA as partnerB's admin (all
// of them outside the subtree the matrix acts on), and every credential
// that must not work at all as no credentials. A row may still name one of
// them to expect something else.
//
// Each credential is used once while it is still good and then made bad
// (the tenant suspended or deleted, the user deleted, the token revoked,
// the session ended), so that a server that remembers a good principal
// must forget it.
var authzHostile = []struct{ name, like string }{
	{"siblingAdmin", "padminB"},  // company_admin of customerA2, customerA's sibling
	{"siblingClient", "padminB"}, // API client of customerA2
	{"suspendedClient", ""},      // API client of customerS, under the suspended partnerS
	{"suspendedUser", ""},        // company_admin of customerS (a column too)
	{"deletedTenantUser", ""},    // company_admin of customerD, deleted after sign-in
	{"deletedTenantClient", ""},  // API client of customerD
	{"deletedUser", ""},          // user of customerA deleted after sign-in
	{"disabledUser", ""},         // user of customerA disabled after sign-in
	{"revoked", ""},              // the root client's token, revoked
	{"otherIssuer", ""},          // signed with the server's key, by another issuer
	{"otherKey", ""},             // signed with a key the server does not have
	{"algNone", ""},              // "alg": "none", no signature
	{"tampered", ""},             // the backup user's token with its subject changed to cadmin
	{"wrongSecret", ""},          // HTTP Basic with the root client's id and a wrong secret
	{"loggedOut", ""},            // a session cookie replayed after logout
}

// authzHostileWant overrides authzHostile's rule where a principal differs
// from the column it is like: an API client is no user.
var authzHostileWant = map[string]authzWant{
	// The sibling's client may ask for one-time tokens, but not for a user
	// outside its subtree.
	"POST /api/2/idp/ott": {"siblingClient": 403},
	// An API client may report usage; the batch answers 200 with the
	// item's own 403 for a tenant outside its subtree.
	"PUT /api/2/tenants/usages": {"siblingClient": 200},
	// Basic credentials and client credentials in the form are refused
	// together, before either is checked.
	"POST /api/2/idp/token": {"wrongSecret": 400},
	// The Basic header names another client than the form's client_id.
	"POST /api/2/idp/device_authorization": {"wrongSecret": 400},
}

// authzHostileStatus is what principal p must get from a route.
func authzHostileStatus(key string, c authzCase, p, like string) int {
	if w, ok := authzHostileWant[key][p]; ok {
		return w
	}
	if w, ok := c.want[p]; ok {
		return w
	}
	return c.want[like]
}

// addHostile adds the principals of authzHostile to e.
func addHostile(t *testing.T, e *env) {
	t.Helper()
	// customerA2 beside customerA, with an admin and a client.
	a2 := authzRoot(t, e, "POST", "/api/2/tenants", `{"name":"customerA2","parent_id":"{partnerA}","kind":"customer"}`, 201)
	e.ids["customerA2"] = a2["id"].(string)
	hostileUser(t, e, "siblingAdmin", "customerA2", tenantd.RoleCompanyAdmin)
	hostileClient(t, e, "siblingClient", "customerA2")
	hostileClient(t, e, "suspendedClient", "customerS")

	// customerD, deleted with its admin and client after they signed in.
	d := authzRoot(t, e, "POST", "/api/2/tenants", `{"name":"customerD","parent_id":"{partnerA}","kind":"customer"}`, 201)
	e.ids["customerD"] = d["id"].(string)
	hostileUser(t, e, "deletedTenantUser", "customerD", tenantd.RoleCompanyAdmin)
	hostileClient(t, e, "deletedTenantClient", "customerD")
	hostileGood(t, e, "deletedTenantUser", "deletedTenantClient")
	d = authzRoot(t, e, "PUT", "/api/2/tenants/{customerD}", `{"version":`+authzVersion(t, d)+`,"enabled":false}`, 200)
	authzRoot(t, e, "DELETE", "/api/2/tenants/{customerD}?version="+authzVersion(t, d), "", 204)

	// Users of customerA deleted and disabled after they signed in.
	hostileUser(t, e, "deletedUser", "customerA", tenantd.RoleCompanyAdmin)
	hostileUser(t, e, "disabledUser", "customerA", tenantd.RoleCompanyAdmin)
	hostileGood(t, e, "deletedUser", "disabledUser")
	u := authzRoot(t, e, "GET", "/api/2/users/{user:deletedUser}", "", 200)
	authzRoot(t, e, "DELETE", "/api/2/users/{user:deletedUser}?version="+authzVersion(t, u), "", 204)
	u = authzRoot(t, e, "GET", "/api/2/users/{user:disabledUser}", "", 200)
	authzRoot(t, e, "PUT", "/api/2/users/{user:disabledUser}", `{"version":`+authzVersion(t, u)+`,"enabled":false}`, 200)

	// A token of the root client, revoked after use.
	e.auth["revoked"] = "Bearer " + clientToken(t, e, e.ids["client:root"], e.secret["root"])
	hostileGood(t, e, "revoked")
	if status, _, b := authzDo(t, e, "POST", "/api/2/idp/revoke_token", "",
		"token="+strings.TrimPrefix(e.auth["revoked"], "Bearer "), authzForm); status != 200 {
		t.Fatalf("setup: revoke: %d %s", status, b)
	}

	// Tokens the server did not issue as they are.
	now := time.Now()
	rootClaims := &tenantd.TokenClaims{ID: tenantd.NewID(), Subject: e.ids["client:root"], Type: tenantd.PrincipalClient,
		TenantID: e.ids["root"], ClientID: e.ids["client:root"], IssuedAt: now, ExpiresAt: now.Add(tenantd.TokenLifetime)}
	keys, err := e.db.SigningKeys(t.Context(), auth.EdDSA, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := auth.NewSigner("http://other.test", keys)
	if err != nil {
		t.Fatal(err)
	}
	e.auth["otherIssuer"] = "Bearer " + issue(t, other, rootClaims)
	otherKey, err := auth.GenerateKey(auth.EdDSA, now)
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := auth.NewSigner("http://tenantd.test", []*tenantd.SigningKey{otherKey})
	if err != nil {
		t.Fatal(err)
	}
	e.auth["otherKey"] = "Bearer " + issue(t, stranger, rootClaims)
	good := strings.Split(strings.TrimPrefix(e.auth["root"], "Bearer "), ".")
	var header map[string]any
	if err := json.Unmarshal(unb64(t, good[0]), &header); err != nil {
		t.Fatal(err)
	}
	header["alg"] = "none"
	e.auth["algNone"] = "Bearer " + b64json(t, header) + "." + good[1] + "."
	backup := strings.Split(strings.TrimPrefix(e.auth["backup"], "Bearer "), ".")
	var claims map[string]any
	if err := json.Unmarshal(unb64(t, backup[1]), &claims); err != nil {
		t.Fatal(err)
	}
	claims["sub"] = e.ids["user:cadmin"]
	e.auth["tampered"] = "Bearer " + backup[0] + "." + b64json(t, claims) + "." + backup[2]
	e.auth["wrongSecret"] = "Basic " + basic(e.ids["client:root"], "not-the-secret")

	// A browser session of cadmin, ended by logout.
	ott := authzRoot(t, e, "POST", "/api/2/idp/ott", `{"purpose":"user_login","user_id":"{user:cadmin}"}`, 200)["ott"].(string)
	resp, err := http.Post(e.srv.URL+"/api/2/idp/ott/login", "application/json", strings.NewReader(`{"ott":"`+ott+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session string
	for _, c := range resp.Cookies() {
		if c.Name == "tenantd_session" {
			session = c.Value
		}
	}
	if resp.StatusCode != 200 || session == "" {
		t.Fatalf("setup: ott login: %d, session %q", resp.StatusCode, session)
	}
	e.auth["loggedOut"] = "Cookie tenantd_session=" + session
	hostileGood(t, e, "loggedOut")
	if status, _, b := authzDo(t, e, "GET", "/api/2/idp/logout", "loggedOut", "", ""); status != 200 {
		t.Fatalf("setup: logout: %d %s", status, b)
	}
}

// hostileUser creates user name of tenant with role and a token for it.
func hostileUser(t *testing.T, e *env, name, tenant, role string) {
	t.Helper()
	u := authzRoot(t, e, "POST", "/api/2/users", `{"tenant_id":"{`+tenant+`}","login":"`+name+`","contact":{"email":"`+name+`@example.com"}}`, 200)
	e.ids["user:"+name] = u["id"].(string)
	authzRoot(t, e, "PUT", "/api/2/users/{user:"+name+"}/access_policies",
		`{"items":[{"role_id":"`+role+`","tenant_id":"{`+tenant+`}"}]}`, 200)
	tok, err := hostileToken(e.signer, tenantd.PrincipalUser, e.ids["user:"+name], e.ids[tenant], "tenantd-public", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.auth[name] = "Bearer " + tok
}

// hostileClient creates an API client of tenant and gets it a token.
func hostileClient(t *testing.T, e *env, name, tenant string) {
	t.Helper()
	c := authzRoot(t, e, "POST", "/api/2/clients",
		`{"type":"api_client","tenant_id":"{`+tenant+`}","token_endpoint_auth_method":"client_secret_basic"}`, 201)
	e.ids["client:"+name] = c["client_id"].(string)
	e.secret[name] = c["client_secret"].(string)
	tok, err := hostileToken(e.signer, tenantd.PrincipalClient, e.ids["client:"+name], e.ids[tenant], e.ids["client:"+name], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.auth[name] = "Bearer " + tok
}

// hostileGood checks that the principals work before they are made bad.
func hostileGood(t *testing.T, e *env, names ...string) {
	t.Helper()
	for _, name := range names {
		if status, _, b := authzDo(t, e, "GET", "/api/2/alerts", name, "", ""); status != 200 {
			t.Fatalf("setup: %s before it is made bad: %d %s", name, status, b)
		}
	}
}

// clientToken gets a token for an API client from the token endpoint.
func clientToken(t *testing.T, e *env, id, secret string) string {
	t.Helper()
	status, _, b := authzDo(t, e, "POST", "/api/2/idp/token", "",
		"grant_type=client_credentials&client_id="+url.QueryEscape(id)+"&client_secret="+url.QueryEscape(secret), authzForm)
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(b, &out); status != 200 || err != nil {
		t.Fatalf("setup: token: %d %s", status, b)
	}
	return out.AccessToken
}

func issue(t *testing.T, s *auth.Signer, c *tenantd.TokenClaims) string {
	t.Helper()
	tok, err := s.IssueAccessToken(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func unb64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func b64json(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestAuthorizationMatrixHostile sends each route's representative request
// (authzMatrix) as every principal of authzHostile. The principals that
// must be refused share one env per route, which none of them may change.
func TestAuthorizationMatrixHostile(t *testing.T) {
	for key := range authzHostileWant {
		if _, ok := authzMatrix[key]; !ok {
			t.Errorf("authzHostileWant has a row for %s, which authzMatrix lacks", key)
		}
	}
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			// The routes run side by side, more of them than -parallel
			// would allow: they wait on the store, not the processor.
			var wg sync.WaitGroup
			sem := make(chan struct{}, 6)
			for _, key := range slices.Sorted(maps.Keys(authzMatrix)) {
				c := authzMatrix[key]
				method, _, _ := strings.Cut(key, " ")
				sem <- struct{}{}
				wg.Add(1)
				go t.Run(key, func(t *testing.T) {
					defer func() { <-sem; wg.Done() }()
					var shared *env
					for _, h := range authzHostile {
						want := authzHostileStatus(key, c, h.name, h.like)
						e := shared
						if e == nil || (want < 400 && method != http.MethodGet) {
							e = store.env(t)
							addHostile(t, e)
							if c.setup != nil {
								c.setup(t, e)
							}
							if want >= 400 || method == http.MethodGet {
								shared = e
							}
						}
						cc := c
						cc.want = authzWant{h.name: want}
						t.Run(h.name, func(t *testing.T) { authzCell(t, e, method, cc, h.name, method != http.MethodGet) })
					}
				})
			}
			wg.Wait()
		})
	}
}

// hostileToken issues an access token as the server would.
func hostileToken(s *auth.Signer, typ tenantd.PrincipalType, subject, tenantID, clientID string, issued time.Time) (string, error) {
	return s.IssueAccessToken(&tenantd.TokenClaims{ID: tenantd.NewID(), Subject: subject, Type: typ,
		TenantID: tenantID, ClientID: clientID, IssuedAt: issued, ExpiresAt: issued.Add(tenantd.TokenLifetime)})
}
