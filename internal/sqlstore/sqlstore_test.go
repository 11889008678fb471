package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tenantd/tenantd/internal/pgtest"
	"github.com/tenantd/tenantd/internal/sqlstore"
	"github.com/tenantd/tenantd/internal/sqlstore/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openSQLite opens a new SQLite store in a temporary directory.
func openSQLite(t *testing.T) *sqlstore.DB {
	t.Helper()
	return openStore(t, filepath.Join(t.TempDir(), "tenantd.db"))
}

// openPostgres opens a new, empty PostgreSQL database.
func openPostgres(t *testing.T) *sqlstore.DB {
	t.Helper()
	return openStore(t, pgtest.NewDatabase(t))
}

func openStore(t *testing.T, dsn string) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

func TestSQLite(t *testing.T)   { storetest.Run(t, openSQLite) }
func TestPostgres(t *testing.T) { storetest.Run(t, openPostgres) }

func TestMigrateTwice(t *testing.T) {
	for name, open := range map[string]storetest.Opener{"sqlite": openSQLite, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			if err := db.Migrate(context.Background()); err != nil {
				t.Fatalf("second migrate: %v", err)
			}
			names, err := db.Migrations(context.Background())
			if err != nil || len(names) == 0 {
				t.Fatalf("migrations = %v, %v", names, err)
			}
			seen := map[string]bool{}
			for _, n := range names {
				if seen[n] {
					t.Errorf("migration %s recorded twice", n)
				}
				seen[n] = true
			}
		})
	}
}
