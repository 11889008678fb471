package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// Migrate applies the embedded migrations of the store's dialect that have
// not run yet, in name order, each in its own transaction and recorded in the
// migrations table. Several processes may migrate one store at once: on
// PostgreSQL they take turns on an advisory lock, on SQLite on the write lock.
//
// A store that holds migrations this tenantd does not know was migrated by a
// newer tenantd: Migrate applies nothing to it and returns a
// *SchemaNewerError.
func (db *DB) Migrate(ctx context.Context) error {
	st, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	if len(st.Unknown) > 0 {
		return &SchemaNewerError{Unknown: st.Unknown}
	}
	for _, m := range st.Pending {
		name := "migrations/" + db.dialect.name + "/" + m.Name
		if err := db.migrateFile(ctx, name); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}

// Migrations returns the names of the migrations applied to the store.
func (db *DB) Migrations(ctx context.Context) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT name FROM migrations ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list applied migrations: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

func (db *DB) migrateFile(ctx context.Context, name string) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.dialect.name == "postgres" {
		// 0x74656e616e7464 is "tenantd" in hex: one lock for every migrator.
		if _, err := tx.exec(ctx, "SELECT pg_advisory_xact_lock(32760384030471268)"); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
	}
	if _, err := tx.exec(ctx, "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)"); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	var n int
	key := path.Base(name)
	if err := tx.queryRow(ctx, "SELECT count(*) FROM migrations WHERE name = ?", key).Scan(&n); err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if n > 0 {
		return nil
	}
	body, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return err
	}
	if _, err := tx.tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	if _, err := tx.exec(ctx, "INSERT INTO migrations (name, applied_at) VALUES (?, ?)", key, micros(tx.now)); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return tx.Commit()
}

// Migration is a schema migration of the store's dialect.
type Migration struct {
	Name      string
	SQL       string
	AppliedAt time.Time // zero while pending
}

// MigrationStatus is the state of a store's schema.
type MigrationStatus struct {
	Applied []Migration // in name order, with the time each was applied
	Pending []Migration // known to this tenantd and not applied, in the order Migrate applies them
	Unknown []string    // applied to the store but unknown to this tenantd: a newer tenantd migrated it
}

// Current tells whether the schema is exactly the one this tenantd knows.
func (s *MigrationStatus) Current() bool { return len(s.Pending) == 0 && len(s.Unknown) == 0 }

// SchemaNewerError is a store migrated by a newer tenantd than this one.
type SchemaNewerError struct{ Unknown []string }

func (e *SchemaNewerError) Error() string {
	return fmt.Sprintf("the store's schema is newer than this tenantd knows (migrations %s were applied by a newer version): "+
		"run that version of tenantd or a later one", strings.Join(e.Unknown, ", "))
}

// MigrationStatus reads which of the embedded migrations the store has and
// lacks, without changing it.
func (db *DB) MigrationStatus(ctx context.Context) (*MigrationStatus, error) {
	known, err := db.knownMigrations()
	if err != nil {
		return nil, err
	}
	applied, err := db.appliedMigrations(ctx)
	if err != nil {
		return nil, err
	}
	st := &MigrationStatus{}
	done := map[string]bool{}
	for _, a := range applied {
		done[a.Name] = true
		i := slices.IndexFunc(known, func(m Migration) bool { return m.Name == a.Name })
		if i < 0 {
			st.Unknown = append(st.Unknown, a.Name)
			continue
		}
		a.SQL = known[i].SQL
		st.Applied = append(st.Applied, a)
	}
	for _, m := range known {
		if !done[m.Name] {
			st.Pending = append(st.Pending, m)
		}
	}
	return st, nil
}

// SchemaCurrent returns an error unless the store's schema is the one this
// tenantd knows: nothing pending, nothing newer.
func (db *DB) SchemaCurrent(ctx context.Context) error {
	st, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	if len(st.Unknown) > 0 {
		return &SchemaNewerError{Unknown: st.Unknown}
	}
	if len(st.Pending) > 0 {
		return fmt.Errorf("the store's schema lacks %d migrations, the first %s: run tenantd migrate", len(st.Pending), st.Pending[0].Name)
	}
	return nil
}

func (db *DB) knownMigrations() ([]Migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/"+db.dialect.name+"/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	ms := make([]Migration, 0, len(names))
	for _, name := range names {
		body, err := fs.ReadFile(migrationFS, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Name: path.Base(name), SQL: string(body)})
	}
	return ms, nil
}

// appliedMigrations lists the migrations table, empty when there is none
// yet.
func (db *DB) appliedMigrations(ctx context.Context) ([]Migration, error) {
	exists := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'migrations'"
	if db.dialect.name == "postgres" {
		exists = "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'migrations'"
	}
	var n int
	if err := db.read.QueryRowContext(ctx, exists).Scan(&n); err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", classify(err))
	}
	if n == 0 {
		return nil, nil
	}
	rows, err := db.read.QueryContext(ctx, "SELECT name, applied_at FROM migrations ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", classify(err))
	}
	defer rows.Close()
	var ms []Migration
	for rows.Next() {
		var m Migration
		var at int64
		if err := rows.Scan(&m.Name, &at); err != nil {
			return nil, classify(err)
		}
		m.AppliedAt = fromMicros(at)
		ms = append(ms, m)
	}
	return ms, classify(rows.Err())
}
