package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

//go:embed migrations
var migrationFS embed.FS

// Migrate applies the embedded migrations of the store's dialect that have
// not run yet, in name order, each in its own transaction and recorded in the
// migrations table. Several processes may migrate one store at once: on
// PostgreSQL they take turns on an advisory lock, on SQLite on the write lock.
func (db *DB) Migrate(ctx context.Context) error {
	dir := "migrations/" + db.dialect.name
	names, err := fs.Glob(migrationFS, dir+"/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
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
