package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/sqlstore"
)

// subtreeFixture is a store holding a partner with n descendants
// (customers of 99 units each) and a lone customer, the baseline.
type subtreeFixture struct {
	db       *sqlstore.DB
	sys      context.Context
	partner  string
	leaf     string
	customer string // a customer of the partner
}

func newSubtreeFixture(b *testing.B, db *sqlstore.DB, n int) *subtreeFixture {
	b.Helper()
	ctx := context.Background()
	root, err := db.EnsureRoot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	f := &subtreeFixture{db: db, sys: tenantd.NewContextWithPrincipal(ctx, &tenantd.Principal{
		Type: tenantd.PrincipalSystem, ID: "system", TenantID: root.ID, TenantPath: root.Path})}
	create := func(parent string, kind tenantd.TenantKind, name string) string {
		t, err := db.CreateTenant(f.sys, &tenantd.TenantCreate{Name: name, ParentID: parent, Kind: kind})
		if err != nil {
			b.Fatal(err)
		}
		return t.ID
	}
	f.partner = create(root.ID, tenantd.KindPartner, "partner")
	f.leaf = create(root.ID, tenantd.KindCustomer, "leaf")
	var customers []*tenantd.TenantCreate
	for c := 0; c*100 < n; c++ {
		customers = append(customers, &tenantd.TenantCreate{Name: fmt.Sprintf("c%d", c), ParentID: f.partner, Kind: tenantd.KindCustomer})
	}
	made, err := db.CreateTenants(f.sys, customers)
	if err != nil {
		b.Fatal(err)
	}
	var units []*tenantd.TenantCreate
	for i := 0; len(made)+len(units) < n; i++ {
		units = append(units, &tenantd.TenantCreate{Name: fmt.Sprintf("u%d", i), ParentID: made[i/99%len(made)].ID, Kind: tenantd.KindUnit})
	}
	if _, err := db.CreateTenants(f.sys, units); err != nil {
		b.Fatal(err)
	}
	f.customer = units[len(units)-1].ParentID
	return f
}

// BenchmarkAuthenticateToken checks the token of a partner's client
// narrowed to a customer: a token seen before at the same authentication
// epoch (one read of the epoch), and a token not seen before (the client,
// revocation, the narrowed tenant and the chain of its ancestors).
func BenchmarkAuthenticateToken(b *testing.B) {
	f := newSubtreeFixture(b, openBenchStore(b), 1000)
	c, err := f.db.CreateClient(f.sys, &tenantd.ClientCreate{Type: tenantd.ClientTypeAPI, TenantID: f.partner,
		Data: []byte(`{}`), TokenEndpointAuthMethod: "client_secret_basic"})
	if err != nil {
		b.Fatal(err)
	}
	claims := &tenantd.TokenClaims{ID: tenantd.NewID(), Subject: c.ID, Type: tenantd.PrincipalClient, TenantID: f.customer}
	b.Run("seen", func(b *testing.B) {
		for b.Loop() {
			if _, err := f.db.AuthenticateToken(context.Background(), claims); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			fresh := *claims
			fresh.ID = tenantd.NewID()
			if _, err := f.db.AuthenticateToken(context.Background(), &fresh); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func (f *subtreeFixture) version(b *testing.B, id string) int64 {
	t, err := f.db.FindTenantByID(f.sys, id, false)
	if err != nil {
		b.Fatal(err)
	}
	return t.Version
}

// BenchmarkSuspend suspends and reactivates a leaf customer (the baseline)
// and a partner with 10,000 descendants: the two should cost the same.
func BenchmarkSuspend(b *testing.B) {
	f := newSubtreeFixture(b, openBenchStore(b), 10000)
	for _, tc := range []struct{ name, id string }{{"leaf", f.leaf}, {"partner-10000", f.partner}} {
		b.Run(tc.name, func(b *testing.B) {
			v := f.version(b, tc.id)
			for b.Loop() {
				for _, enabled := range []bool{false, true} {
					if _, err := f.db.UpdateTenant(f.sys, tc.id, &tenantd.TenantUpdate{Version: v, Enabled: &enabled}); err != nil {
						b.Fatal(err)
					}
					v++
				}
			}
		})
	}
}

// BenchmarkDelete soft-deletes (and restores, untimed) a disabled leaf
// customer, the baseline, and a disabled partner with 10,000 descendants.
//
// TENANTD_BENCH_DESCENDANTS sets another number of descendants.
func BenchmarkDelete(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("TENANTD_BENCH_DESCENDANTS")); err == nil && v > 0 {
		n = v
	}
	f := newSubtreeFixture(b, openBenchStore(b), n)
	for _, tc := range []struct{ name, id string }{{"leaf", f.leaf}, {"partner-" + strconv.Itoa(n), f.partner}} {
		b.Run(tc.name, func(b *testing.B) {
			disabled := false
			if _, err := f.db.UpdateTenant(f.sys, tc.id, &tenantd.TenantUpdate{Version: f.version(b, tc.id), Enabled: &disabled}); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				b.StopTimer()
				v := f.version(b, tc.id)
				b.StartTimer()
				if err := f.db.DeleteTenant(f.sys, tc.id, v); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := f.db.RestoreTenant(f.sys, tc.id, false); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// openBenchStore opens a SQLite store in a temporary directory.
func openBenchStore(b *testing.B) *sqlstore.DB {
	b.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, b.TempDir()+"/tenantd.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return db
}
