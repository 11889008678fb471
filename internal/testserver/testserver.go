// Package testserver runs a whole tenantd API in-process on a real store,
// for the tests of the packages that speak to it over HTTP.
package testserver

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/auth"
	"github.com/tenantd/tenantd/internal/httpapi"
	"github.com/tenantd/tenantd/internal/pgtest"
	"github.com/tenantd/tenantd/internal/sqlstore"
)

// Server is a running tenantd API with an API client of its root tenant.
type Server struct {
	URL          string // http://127.0.0.1:PORT, without the API's base path
	DB           *sqlstore.DB
	RootID       string
	ClientID     string
	ClientSecret string
}

// Stores are the stores every test runs on, by name: each returns the DSN
// of a new, empty store.
var Stores = []struct {
	Name string
	DSN  func(t testing.TB) string
}{
	{"sqlite", func(t testing.TB) string { return filepath.Join(t.TempDir(), "tenantd.db") }},
	{"postgres", func(t testing.TB) string { return pgtest.NewDatabase(t) }},
}

// Start starts a tenantd API on the store dsn; it stops with the test.
func Start(t testing.TB, dsn string) *Server {
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
	srv := httptest.NewUnstartedServer(nil)
	publicURL := "http://" + srv.Listener.Addr().String()
	signer, err := auth.NewSigner(publicURL, keys)
	if err != nil {
		t.Fatal(err)
	}
	api := &httpapi.Server{Tenants: db, Clients: db, Users: db, SignIn: db, Auth: db, Store: db, Signer: signer,
		Catalog: db.Catalog(), Apps: db, Settings: db, Offerings: db, Pricing: db, Reports: db,
		Brands: db, Upsell: db, Usage: db, Events: db, Locations: db, DryRun: db, Registrations: db, Devices: db, DefaultIDP: db, MFA: db, PublicURL: publicURL,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	srv.Config.Handler = api.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	sys := tenantd.NewContextWithPrincipal(ctx, &tenantd.Principal{Type: tenantd.PrincipalSystem, ID: "system", TenantID: root.ID, TenantPath: root.Path})
	c, err := db.CreateClient(sys, &tenantd.ClientCreate{Type: tenantd.ClientTypeAPI, TenantID: root.ID, TokenEndpointAuthMethod: "client_secret_basic"})
	if err != nil {
		t.Fatal(err)
	}
	return &Server{URL: srv.URL, DB: db, RootID: root.ID, ClientID: c.ID, ClientSecret: c.Secret}
}
