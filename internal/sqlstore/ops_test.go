package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tenantd/tenantd/internal/pgtest"
	"github.com/tenantd/tenantd/internal/sqlstore"
)

// emptyStores are DSNs of new, unmigrated stores, with the driver that
// opens them directly.
func emptyStores(t *testing.T) map[string][2]string {
	return map[string][2]string{
		"sqlite":   {"sqlite", filepath.Join(t.TempDir(), "tenantd.db")},
		"postgres": {"pgx", pgtest.NewDatabase(t)},
	}
}

// TestMigrationStatus: a new store has every migration pending; after
// Migrate every one is applied and recorded with its time; a store with a
// migration this tenantd does not know is refused, and not changed.
func TestMigrationStatus(t *testing.T) {
	for name, s := range emptyStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db, err := sqlstore.Open(ctx, s[1])
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			st, err := db.MigrationStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Applied) != 0 || len(st.Pending) < 8 || st.Current() {
				t.Fatalf("new store: %d applied, %d pending", len(st.Applied), len(st.Pending))
			}
			if db.SchemaCurrent(ctx) == nil {
				t.Error("SchemaCurrent on a new store: no error")
			}
			pending := len(st.Pending)
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			st, err = db.MigrationStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Applied) != pending || len(st.Pending) != 0 || !st.Current() {
				t.Fatalf("migrated store: %d applied, %d pending, want %d, 0", len(st.Applied), len(st.Pending), pending)
			}
			for _, m := range st.Applied {
				if m.AppliedAt.IsZero() || m.SQL == "" {
					t.Errorf("applied %s: time %v, %d bytes of SQL", m.Name, m.AppliedAt, len(m.SQL))
				}
			}
			if err := db.SchemaCurrent(ctx); err != nil {
				t.Errorf("SchemaCurrent: %v", err)
			}

			raw, err := sql.Open(s[0], s[1])
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			if _, err := raw.ExecContext(ctx, "INSERT INTO migrations (name, applied_at) VALUES ('9999_from_the_future.sql', 1)"); err != nil {
				t.Fatal(err)
			}
			var newer *sqlstore.SchemaNewerError
			if err := db.Migrate(ctx); !errors.As(err, &newer) || newer.Unknown[0] != "9999_from_the_future.sql" {
				t.Errorf("Migrate on a newer schema: %v", err)
			}
			if err := db.SchemaCurrent(ctx); !errors.As(err, &newer) {
				t.Errorf("SchemaCurrent on a newer schema: %v", err)
			}
		})
	}
}

// TestIssuer: the first issuer asked for is the store's; later ones take
// it; a different explicit one is refused; SetIssuer replaces it. Instances
// starting at once on PostgreSQL agree on one.
func TestIssuer(t *testing.T) {
	for name, open := range map[string]func(*testing.T) *sqlstore.DB{"sqlite": openSQLite, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t)
			if iss, err := db.StoredIssuer(ctx); err != nil || iss != "" {
				t.Fatalf("StoredIssuer on a new store: %q %v", iss, err)
			}
			var wg sync.WaitGroup
			got := make([]string, 6)
			for i := range got {
				wg.Go(func() {
					iss, err := db.Issuer(ctx, "", fmt.Sprintf("http://instance-%d", i))
					if err != nil {
						t.Error(err)
					}
					got[i] = iss
				})
			}
			wg.Wait()
			for _, g := range got {
				if g != got[0] || g == "" {
					t.Fatalf("instances starting at once got issuers %v", got)
				}
			}
			first := got[0]
			if iss, err := db.Issuer(ctx, first, "http://other"); err != nil || iss != first {
				t.Errorf("the same explicit issuer: %q %v", iss, err)
			}
			var mismatch *sqlstore.IssuerMismatchError
			if _, err := db.Issuer(ctx, "https://else.example", ""); !errors.As(err, &mismatch) || mismatch.Stored != first {
				t.Errorf("a different explicit issuer: %v", err)
			}
			if old, err := db.SetIssuer(ctx, "https://else.example"); err != nil || old != first {
				t.Errorf("SetIssuer: %q %v", old, err)
			}
			if iss, err := db.Issuer(ctx, "", "http://x"); err != nil || iss != "https://else.example" {
				t.Errorf("after SetIssuer: %q %v", iss, err)
			}
			if _, err := db.SetIssuer(ctx, ""); err == nil {
				t.Error("SetIssuer(\"\"): no error")
			}
		})
	}
}
