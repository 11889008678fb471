package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/auth"
	"github.com/tenantd/tenantd/internal/httpapi"
	"github.com/tenantd/tenantd/internal/pgtest"
	"github.com/tenantd/tenantd/internal/sqlstore"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// stores are the stores every API test runs on.
var stores = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "tenantd.db") }},
	{"postgres", func(t *testing.T) string { return pgtest.NewDatabase(t) }},
}

// env is a running tenantd API on a real store, with a tree of tenants,
// API clients, users and tokens to act as:
//
//	root                                   client root
//	├── partnerA                           client partnerA, client deleted (deleted), user padminA (partner_admin)
//	│   └── customerA                      client customerA, users cadmin (company_admin), readonly (readonly_admin), backup (backup_user)
//	│       └── unitA                      user uadmin (unit_admin)
//	├── partnerB                           client partnerB, user padminB (partner_admin)
//	│   └── customerB
//	└── partnerS (suspended)
//	    └── customerS                      client suspended, user suspendedUser (company_admin)
//
// Principals are named as above; "basic" and "basic-wrong" use HTTP Basic
// with the root client's id, "expired", "forged" and "garbage" are bad
// tokens.
type env struct {
	t      testing.TB
	db     *sqlstore.DB
	srv    *httptest.Server
	signer *auth.Signer
	ids    map[string]string // name → id of tenants and clients
	auth   map[string]string // principal name → Authorization header
	secret map[string]string // client name → secret
}

func newEnv(t testing.TB, dsn string) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	root, err := db.EnsureRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := db.SigningKeys(ctx, auth.EdDSA, func() (*tenantd.SigningKey, error) { return auth.GenerateKey(auth.EdDSA, time.Now()) })
	if err != nil {
		t.Fatal(err)
	}
	const issuer = "http://tenantd.test"
	signer, err := auth.NewSigner(issuer, keys)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, signer: signer, ids: map[string]string{"root": root.ID, "unknown": tenantd.NewID()},
		auth: map[string]string{}, secret: map[string]string{}}
	api := &httpapi.Server{Tenants: db, Clients: db, Users: db, SignIn: db, Auth: db, Store: db, Signer: signer,
		Catalog: db.Catalog(), Apps: db, Settings: db, Offerings: db, Pricing: db, Reports: db,
		Brands: db, Upsell: db, Usage: db, Events: db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	e.srv = httptest.NewServer(api.Handler())
	t.Cleanup(e.srv.Close)
	api.PublicURL = e.srv.URL

	sys := tenantd.NewContextWithPrincipal(ctx, &tenantd.Principal{Type: tenantd.PrincipalSystem, ID: "system", TenantID: root.ID, TenantPath: root.Path})
	tenants := []struct{ name, parent string }{
		{"partnerA", "root"}, {"customerA", "partnerA"}, {"unitA", "customerA"},
		{"partnerB", "root"}, {"customerB", "partnerB"}, {"partnerS", "root"}, {"customerS", "partnerS"},
	}
	kinds := map[string]tenantd.TenantKind{"partner": tenantd.KindPartner, "customer": tenantd.KindCustomer, "unit": tenantd.KindUnit}
	for _, tn := range tenants {
		kind := kinds[strings.TrimRight(tn.name, "ABS")]
		created, err := db.CreateTenant(sys, &tenantd.TenantCreate{Name: tn.name, ParentID: e.ids[tn.parent], Kind: kind})
		if err != nil {
			t.Fatalf("create %s: %v", tn.name, err)
		}
		e.ids[tn.name] = created.ID
	}
	for _, c := range []struct{ name, tenant string }{
		{"root", "root"}, {"partnerA", "partnerA"}, {"partnerB", "partnerB"}, {"customerA", "customerA"},
		{"suspended", "customerS"}, {"deleted", "partnerA"},
	} {
		client, err := db.CreateClient(sys, &tenantd.ClientCreate{Type: tenantd.ClientTypeAPI, TenantID: e.ids[c.tenant], TokenEndpointAuthMethod: "client_secret_basic"})
		if err != nil {
			t.Fatal(err)
		}
		e.ids["client:"+c.name] = client.ID
		e.secret[c.name] = client.Secret
		e.auth[c.name] = "Bearer " + e.token(signer, client.ID, e.ids[c.tenant], time.Now())
	}
	for _, u := range []struct{ name, tenant, role string }{
		{"padminA", "partnerA", tenantd.RolePartnerAdmin}, {"padminB", "partnerB", tenantd.RolePartnerAdmin},
		{"cadmin", "customerA", tenantd.RoleCompanyAdmin}, {"uadmin", "unitA", tenantd.RoleUnitAdmin},
		{"readonly", "customerA", tenantd.RoleReadonlyAdmin}, {"backup", "customerA", tenantd.RoleBackupUser},
		{"suspendedUser", "customerS", tenantd.RoleCompanyAdmin},
	} {
		email := u.name + "@example.com"
		created, err := db.CreateUser(sys, &tenantd.UserCreate{TenantID: e.ids[u.tenant], Login: u.name,
			Contact: &tenantd.ContactUpdate{Fields: map[string]*string{"email": &email}}})
		if err != nil {
			t.Fatalf("create user %s: %v", u.name, err)
		}
		if _, err := db.SetAccessPolicies(sys, created.ID, []tenantd.AccessPolicy{{RoleID: u.role, TenantID: e.ids[u.tenant]}}); err != nil {
			t.Fatalf("roles of %s: %v", u.name, err)
		}
		e.ids["user:"+u.name] = created.ID
		e.auth[u.name] = "Bearer " + e.userToken(signer, created.ID, e.ids[u.tenant])
	}
	e.auth["basic"] = "Basic " + basic(e.ids["client:root"], e.secret["root"])
	e.auth["basic-wrong"] = "Basic " + basic(e.ids["client:root"], "not-the-secret")
	e.auth["expired"] = "Bearer " + e.token(signer, e.ids["client:root"], root.ID, time.Now().Add(-3*time.Hour))
	otherKey, err := auth.GenerateKey(auth.EdDSA, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	otherKey.ID = keys[0].ID // same kid, another key: a forgery
	forger, err := auth.NewSigner(issuer, []*tenantd.SigningKey{otherKey})
	if err != nil {
		t.Fatal(err)
	}
	e.auth["forged"] = "Bearer " + e.token(forger, e.ids["client:root"], root.ID, time.Now())
	e.auth["garbage"] = "Bearer not.a.token"

	// Suspend partnerS and delete a client after their tokens were issued.
	s, err := db.FindTenantByID(sys, e.ids["partnerS"], false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateTenant(sys, s.ID, &tenantd.TenantUpdate{Version: s.Version, Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteClient(sys, e.ids["client:deleted"]); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) token(s *auth.Signer, clientID, tenantID string, issued time.Time) string {
	e.t.Helper()
	tok, err := s.IssueAccessToken(&tenantd.TokenClaims{ID: tenantd.NewID(), Subject: clientID, Type: tenantd.PrincipalClient,
		TenantID: tenantID, ClientID: clientID, IssuedAt: issued, ExpiresAt: issued.Add(tenantd.TokenLifetime)})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func (e *env) userToken(s *auth.Signer, userID, tenantID string) string {
	e.t.Helper()
	now := time.Now()
	tok, err := s.IssueAccessToken(&tenantd.TokenClaims{ID: tenantd.NewID(), Subject: userID, Type: tenantd.PrincipalUser,
		TenantID: tenantID, ClientID: "tenantd-public", IssuedAt: now, ExpiresAt: now.Add(tenantd.TokenLifetime)})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func basic(id, secret string) string {
	return b64(id + ":" + secret)
}

func ptr[T any](v T) *T { return &v }

// expand replaces {name} with the id of the named tenant or client.
func (e *env) expand(s string) string {
	pairs := make([]string, 0, 2*len(e.ids))
	for k, v := range e.ids {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// do sends a request as the named principal ("" for none) and returns the
// status and body.
func (e *env) do(method, path, as string, body string, header map[string]string) (int, []byte) {
	e.t.Helper()
	status, _, b := e.doFull(method, path, as, body, header)
	return status, b
}

// doFull is do that also returns the response's Content-Type.
func (e *env) doFull(method, path, as string, body string, header map[string]string) (int, string, []byte) {
	e.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(e.expand(body))
	}
	req, err := http.NewRequest(method, e.srv.URL+e.expand(path), r)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if as != "" {
		a, ok := e.auth[as]
		if !ok {
			e.t.Fatalf("no principal %q", as)
		}
		req.Header.Set("Authorization", a)
	}
	for k, v := range header {
		req.Header.Set(k, e.expand(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// json sends a request and decodes a JSON object answer, failing unless the
// status is want.
func (e *env) json(method, path, as, body string, want int) map[string]any {
	e.t.Helper()
	status, b := e.do(method, path, as, body, nil)
	if status != want {
		e.t.Fatalf("%s %s as %s: status %d, want %d: %s", method, path, as, status, want, b)
	}
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			e.t.Fatalf("%s %s: body is not a JSON object: %s", method, path, b)
		}
	}
	return out
}

// snapshot renders everything the store holds about tenants and clients,
// but for access times, to prove that a refused request wrote nothing.
func (e *env) snapshot() string {
	e.t.Helper()
	ctx := tenantd.NewContextWithPrincipal(context.Background(), &tenantd.Principal{Type: tenantd.PrincipalSystem, ID: "system",
		TenantID: e.ids["root"], TenantPath: "/" + e.ids["root"] + "/"})
	var b strings.Builder
	var after *tenantd.TenantCursor
	for {
		page, err := e.db.FindTenants(ctx, tenantd.TenantFilter{SubtreeRootID: ptr(e.ids["root"]), AllowDeleted: true, After: after})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, tn := range page.Items {
			fmt.Fprintf(&b, "%+v\n", *tn)
		}
		if after = page.Next; after == nil {
			break
		}
	}
	clients, err := e.db.FindClients(ctx, tenantd.ClientFilter{AllowDeleted: true})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, c := range clients {
		c.LastAccessAt, c.LastAccessFromIP = nil, nil
		fmt.Fprintf(&b, "%+v\n", *c)
	}
	return b.String()
}
