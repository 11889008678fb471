package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tenantd/tenantd/internal/pgtest"
	"github.com/tenantd/tenantd/internal/sqlstore"
	"github.com/tenantd/tenantd/internal/sqlstore/storetest"
)

func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	if err := migrated.remove(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// openSQLite opens a new SQLite store in a temporary directory: a copy of a
// store migrated once per test binary.
func openSQLite(t *testing.T) *sqlstore.DB {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "tenantd.db")
	if err := migrated.copyTo(dsn); err != nil {
		t.Fatal(err)
	}
	return openStore(t, dsn)
}

// openPostgres opens a new PostgreSQL database: a copy of a database
// migrated once per test binary.
func openPostgres(t *testing.T) *sqlstore.DB {
	t.Helper()
	return openStore(t, pgtest.NewDatabaseFrom(t, "migrated", migrateURL))
}

// migrateURL migrates the empty store dsn.
func migrateURL(ctx context.Context, dsn string) error {
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return err
	}
	return errors.Join(db.Migrate(ctx), db.Close())
}

// migrated is a migrated SQLite store that openSQLite copies: migrating
// every test's store anew made the conformance suite slow.
var migrated sqliteTemplate

type sqliteTemplate struct {
	once sync.Once
	dir  string
	err  error
}

// copyTo writes a copy of the template to dst, building it on first use.
func (tm *sqliteTemplate) copyTo(dst string) error {
	tm.once.Do(func() {
		if tm.dir, tm.err = os.MkdirTemp("", "sqlstore-migrated-"); tm.err != nil {
			return
		}
		build := filepath.Join(tm.dir, "build.db")
		if tm.err = migrateURL(context.Background(), build); tm.err != nil {
			return
		}
		// One file without a write-ahead log.
		conn, err := sql.Open("sqlite", build)
		if err != nil {
			tm.err = err
			return
		}
		_, err = conn.Exec("VACUUM INTO ?", filepath.Join(tm.dir, "template.db"))
		tm.err = errors.Join(err, conn.Close())
	})
	if tm.err != nil {
		return fmt.Errorf("build the migrated template: %w", tm.err)
	}
	b, err := os.ReadFile(filepath.Join(tm.dir, "template.db"))
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o600)
}

// remove removes the template's directory, if one was made.
func (tm *sqliteTemplate) remove() error {
	if tm.dir == "" {
		return nil
	}
	return os.RemoveAll(tm.dir)
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
