package httpapi_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/auth"
	"github.com/tenantd/tenantd/internal/httpapi"
	"github.com/tenantd/tenantd/internal/pgtest"
	"github.com/tenantd/tenantd/internal/sqlstore"
)

func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	if err := sqliteTemplate.remove(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// stores are the stores every API test runs on: dsn gives a new, empty
// store, env a copy of the env fixture built once per test binary.
var stores = []struct {
	name string
	dsn  func(t *testing.T) string
	env  func(t *testing.T) *env
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "tenantd.db") }, sqliteTemplate.env},
	{"postgres", func(t *testing.T) string { return pgtest.NewDatabase(t) }, postgresEnv},
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

// issuer is the issuer of the env's tokens.
const issuer = "http://tenantd.test"

// fixture is what buildFixture writes into a store: the names of its
// objects and the credentials to act as them.
type fixture struct {
	ids    map[string]string
	auth   map[string]string
	secret map[string]string
}

// newEnv builds the env fixture in the new store dsn and serves it.
func newEnv(t testing.TB, dsn string) *env {
	t.Helper()
	db := openEnvStore(t, dsn)
	f, err := buildFixture(context.Background(), db)
	if err != nil {
		t.Fatalf("build the env fixture: %v", err)
	}
	return serveEnv(t, db, f)
}

// openEnvStore opens and migrates the store dsn for the rest of the test.
func openEnvStore(t testing.TB, dsn string) *sqlstore.DB {
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
	return db
}

// serveEnv serves the API on db, which holds the fixture f, for the rest of
// the test.
func serveEnv(t testing.TB, db *sqlstore.DB, f *fixture) *env {
	t.Helper()
	signer, err := envSigner(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, signer: signer, ids: maps.Clone(f.ids), auth: maps.Clone(f.auth), secret: maps.Clone(f.secret)}
	api := &httpapi.Server{Tenants: db, Clients: db, Users: db, SignIn: db, Auth: db, Store: db, Signer: signer,
		Catalog: db.Catalog(), Apps: db, Settings: db, Offerings: db, Pricing: db, Reports: db,
		Brands: db, Upsell: db, Usage: db, Events: db, Locations: db, DryRun: db, Registrations: db, Devices: db, DefaultIDP: db, MFA: db, Idempotency: db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	e.srv = httptest.NewServer(api.Handler())
	t.Cleanup(e.srv.Close)
	api.PublicURL = e.srv.URL
	return e
}

// envSigner signs with the store's EdDSA key, creating it in a new store.
func envSigner(ctx context.Context, db *sqlstore.DB) (*auth.Signer, error) {
	keys, err := db.SigningKeys(ctx, auth.EdDSA, func() (*tenantd.SigningKey, error) { return auth.GenerateKey(auth.EdDSA, time.Now()) })
	if err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	return auth.NewSigner(issuer, keys)
}

// buildFixture writes the env's tree into the empty, migrated store db.
func buildFixture(ctx context.Context, db *sqlstore.DB) (*fixture, error) {
	root, err := db.EnsureRoot(ctx)
	if err != nil {
		return nil, err
	}
	signer, err := envSigner(ctx, db)
	if err != nil {
		return nil, err
	}
	f := &fixture{ids: map[string]string{"root": root.ID, "unknown": tenantd.NewID()}, auth: map[string]string{}, secret: map[string]string{}}
	token := func(s *auth.Signer, typ tenantd.PrincipalType, subject, tenantID, clientID string, issued time.Time) (string, error) {
		return s.IssueAccessToken(&tenantd.TokenClaims{ID: tenantd.NewID(), Subject: subject, Type: typ,
			TenantID: tenantID, ClientID: clientID, IssuedAt: issued, ExpiresAt: issued.Add(tenantd.TokenLifetime)})
	}

	sys := tenantd.NewContextWithPrincipal(ctx, &tenantd.Principal{Type: tenantd.PrincipalSystem, ID: "system", TenantID: root.ID, TenantPath: root.Path})
	tenants := []struct{ name, parent string }{
		{"partnerA", "root"}, {"customerA", "partnerA"}, {"unitA", "customerA"},
		{"partnerB", "root"}, {"customerB", "partnerB"}, {"partnerS", "root"}, {"customerS", "partnerS"},
	}
	kinds := map[string]tenantd.TenantKind{"partner": tenantd.KindPartner, "customer": tenantd.KindCustomer, "unit": tenantd.KindUnit}
	for _, tn := range tenants {
		kind := kinds[strings.TrimRight(tn.name, "ABS")]
		created, err := db.CreateTenant(sys, &tenantd.TenantCreate{Name: tn.name, ParentID: f.ids[tn.parent], Kind: kind})
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", tn.name, err)
		}
		f.ids[tn.name] = created.ID
	}
	for _, c := range []struct{ name, tenant string }{
		{"root", "root"}, {"partnerA", "partnerA"}, {"partnerB", "partnerB"}, {"customerA", "customerA"},
		{"suspended", "customerS"}, {"deleted", "partnerA"},
	} {
		client, err := db.CreateClient(sys, &tenantd.ClientCreate{Type: tenantd.ClientTypeAPI, TenantID: f.ids[c.tenant], TokenEndpointAuthMethod: "client_secret_basic"})
		if err != nil {
			return nil, fmt.Errorf("create client %s: %w", c.name, err)
		}
		f.ids["client:"+c.name] = client.ID
		f.secret[c.name] = client.Secret
		tok, err := token(signer, tenantd.PrincipalClient, client.ID, f.ids[c.tenant], client.ID, time.Now())
		if err != nil {
			return nil, err
		}
		f.auth[c.name] = "Bearer " + tok
	}
	for _, u := range []struct{ name, tenant, role string }{
		{"padminA", "partnerA", tenantd.RolePartnerAdmin}, {"padminB", "partnerB", tenantd.RolePartnerAdmin},
		{"cadmin", "customerA", tenantd.RoleCompanyAdmin}, {"uadmin", "unitA", tenantd.RoleUnitAdmin},
		{"readonly", "customerA", tenantd.RoleReadonlyAdmin}, {"backup", "customerA", tenantd.RoleBackupUser},
		{"suspendedUser", "customerS", tenantd.RoleCompanyAdmin},
	} {
		email := u.name + "@example.com"
		created, err := db.CreateUser(sys, &tenantd.UserCreate{TenantID: f.ids[u.tenant], Login: u.name,
			Contact: &tenantd.ContactUpdate{Fields: map[string]*string{"email": &email}}})
		if err != nil {
			return nil, fmt.Errorf("create user %s: %w", u.name, err)
		}
		if _, err := db.SetAccessPolicies(sys, created.ID, []tenantd.AccessPolicy{{RoleID: u.role, TenantID: f.ids[u.tenant]}}); err != nil {
			return nil, fmt.Errorf("roles of %s: %w", u.name, err)
		}
		f.ids["user:"+u.name] = created.ID
		tok, err := token(signer, tenantd.PrincipalUser, created.ID, f.ids[u.tenant], "tenantd-public", time.Now())
		if err != nil {
			return nil, err
		}
		f.auth[u.name] = "Bearer " + tok
	}
	f.auth["basic"] = "Basic " + basic(f.ids["client:root"], f.secret["root"])
	f.auth["basic-wrong"] = "Basic " + basic(f.ids["client:root"], "not-the-secret")
	expired, err := token(signer, tenantd.PrincipalClient, f.ids["client:root"], root.ID, f.ids["client:root"], time.Now().Add(-3*time.Hour))
	if err != nil {
		return nil, err
	}
	f.auth["expired"] = "Bearer " + expired
	keys, err := db.SigningKeys(ctx, auth.EdDSA, nil)
	if err != nil {
		return nil, err
	}
	otherKey, err := auth.GenerateKey(auth.EdDSA, time.Now())
	if err != nil {
		return nil, err
	}
	otherKey.ID = keys[0].ID // same kid, another key: a forgery
	forger, err := auth.NewSigner(issuer, []*tenantd.SigningKey{otherKey})
	if err != nil {
		return nil, err
	}
	forged, err := token(forger, tenantd.PrincipalClient, f.ids["client:root"], root.ID, f.ids["client:root"], time.Now())
	if err != nil {
		return nil, err
	}
	f.auth["forged"] = "Bearer " + forged
	f.auth["garbage"] = "Bearer not.a.token"

	// Suspend partnerS and delete a client after their tokens were issued.
	s, err := db.FindTenantByID(sys, f.ids["partnerS"], false)
	if err != nil {
		return nil, err
	}
	if _, err := db.UpdateTenant(sys, s.ID, &tenantd.TenantUpdate{Version: s.Version, Enabled: ptr(false)}); err != nil {
		return nil, err
	}
	if err := db.DeleteClient(sys, f.ids["client:deleted"]); err != nil {
		return nil, err
	}
	return f, nil
}

// templateEnv is a store of the env fixture that tests copy: building the
// fixture (and migrating) for every test is what made the scenario tests
// slow. Each test still gets a store of its own.
type templateEnv struct {
	once    sync.Once
	dir     string // holds template.db
	fixture *fixture
	err     error
}

// sqliteTemplate is the SQLite template of the test binary; TestMain removes
// its directory.
var sqliteTemplate = &templateEnv{}

// env returns an env on a copy of the SQLite template, built on first use.
func (tm *templateEnv) env(t *testing.T) *env {
	t.Helper()
	tm.once.Do(func() { tm.fixture, tm.err = tm.build() })
	if tm.err != nil {
		t.Fatalf("build the SQLite env template: %v", tm.err)
	}
	dsn := filepath.Join(t.TempDir(), "tenantd.db")
	if err := copyFile(dsn, filepath.Join(tm.dir, "template.db")); err != nil {
		t.Fatal(err)
	}
	return serveEnv(t, openEnvStore(t, dsn), tm.fixture)
}

// build writes the fixture into a new SQLite store and vacuums it into
// template.db, one file without a write-ahead log.
func (tm *templateEnv) build() (*fixture, error) {
	dir, err := os.MkdirTemp("", "httpapi-env-")
	if err != nil {
		return nil, err
	}
	tm.dir = dir
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "build.db"))
	if err != nil {
		return nil, err
	}
	err = db.Migrate(ctx)
	var f *fixture
	if err == nil {
		f, err = buildFixture(ctx, db)
	}
	if err := errors.Join(err, db.Close()); err != nil {
		return nil, err
	}
	return f, vacuumInto(filepath.Join(dir, "template.db"), filepath.Join(dir, "build.db"))
}

// remove removes the template's directory, if one was made.
func (tm *templateEnv) remove() error {
	if tm.dir == "" {
		return nil
	}
	return os.RemoveAll(tm.dir)
}

// vacuumInto writes a copy of the SQLite database src to dst.
func vacuumInto(dst, src string) error {
	conn, err := sql.Open("sqlite", src)
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Exec("VACUUM INTO ?", dst)
	return err
}

func copyFile(dst, src string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o600)
}

// pgFixture is the fixture of the PostgreSQL template, set by its build.
var pgFixture struct {
	sync.Mutex
	f *fixture
}

// postgresEnv returns an env on a copy of the PostgreSQL template database.
func postgresEnv(t *testing.T) *env {
	t.Helper()
	dsn := pgtest.NewDatabaseFrom(t, "httpapi-env", func(ctx context.Context, url string) error {
		db, err := sqlstore.Open(ctx, url)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.Migrate(ctx); err != nil {
			return err
		}
		f, err := buildFixture(ctx, db)
		pgFixture.Lock()
		pgFixture.f = f
		pgFixture.Unlock()
		return err
	})
	pgFixture.Lock()
	f := pgFixture.f
	pgFixture.Unlock()
	return serveEnv(t, openEnvStore(t, dsn), f)
}

func basic(id, secret string) string {
	return b64(id + ":" + secret)
}

func ptr[T any](v T) *T { return &v }

// isJSON tells whether a Content-Type is JSON or a +json type.
func isJSON(ct string) bool {
	return strings.HasPrefix(ct, "application/json") || strings.Contains(ct, "+json")
}

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
	status, h, b := e.doResp(method, path, as, body, header)
	return status, h.Get("Content-Type"), b
}

// doResp is do that also returns the response's header.
func (e *env) doResp(method, path, as string, body string, header map[string]string) (int, http.Header, []byte) {
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
	ct := resp.Header.Get("Content-Type")
	if isJSON(ct) && strings.Contains(string(b), "\n") {
		// curl -w "\n%{http_code}" clients read the body and the status
		// with one read each.
		e.t.Errorf("%s %s: the JSON body is not one line: %q", method, path, b)
	}
	return resp.StatusCode, resp.Header, b
}

// introspect asks POST /idp/introspect_token about token as the named
// principal and returns the answer, failing unless it is 200.
func (e *env) introspect(as, token string) map[string]any {
	e.t.Helper()
	status, b := e.do("POST", "/api/2/idp/introspect_token", as, url.Values{"token": {token}}.Encode(),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	var out map[string]any
	if status != 200 || json.Unmarshal(b, &out) != nil {
		e.t.Fatalf("introspect as %s: %d %s", as, status, b)
	}
	return out
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
	var (
		b     strings.Builder
		after *tenantd.TenantCursor
	)
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
	// Locations and infrastructure: those every tenant may use, which
	// together are all of them.
	var locIDs []string
	seen := map[string]bool{}
	for _, id := range e.tenantIDs(ctx) {
		ids, err := e.db.TenantLocations(ctx, id)
		if err != nil {
			continue // a deleted tenant
		}
		for _, l := range ids {
			if !seen[l] {
				seen[l] = true
				locIDs = append(locIDs, l)
			}
		}
	}
	locs, err := e.db.FindLocations(ctx, locIDs)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, l := range locs {
		fmt.Fprintf(&b, "%+v\n", *l)
		infraIDs, err := e.db.LocationInfra(ctx, l.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		infras, err := e.db.FindInfras(ctx, infraIDs)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, x := range infras {
			fmt.Fprintf(&b, "%+v %v %v %v\n", *x, deref(x.ContentURL), deref(x.ContentMobileURL), deref(x.BackendType))
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

// tenantIDs returns the ids of every tenant of the env's store.
func (e *env) tenantIDs(ctx context.Context) []string {
	var (
		ids   []string
		after *tenantd.TenantCursor
	)
	for {
		page, err := e.db.FindTenants(ctx, tenantd.TenantFilter{SubtreeRootID: ptr(e.ids["root"]), After: after})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, tn := range page.Items {
			ids = append(ids, tn.ID)
		}
		if after = page.Next; after == nil {
			return ids
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
