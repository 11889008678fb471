package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/tenantd/tenantd"
)

// Backup writes a consistent copy of a SQLite store, signing keys and
// store settings included, to the new file path, while the store serves:
// VACUUM INTO reads one snapshot, so the copy holds exactly the
// transactions committed before it began. PostgreSQL stores are backed up
// with PostgreSQL's own tools.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.dialect.name != "sqlite" {
		return tenantd.Errorf(tenantd.EINVALID, "backup works on the SQLite store; back up PostgreSQL with pg_dump or pg_basebackup")
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s exists: back up to a new file", path)
	}
	if _, err := db.read.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("back up: %w", classify(err))
	}
	return nil
}

// CheckSQLiteFile checks that path is a whole SQLite database that holds a
// tenantd store: PRAGMA integrity_check answers ok, and it has migrations.
// It returns how many migrations it has.
func CheckSQLiteFile(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, err
	}
	c, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer c.Close()
	rows, err := c.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return 0, fmt.Errorf("%s is not a SQLite database: %w", path, err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return 0, err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("%s is not a SQLite database: %w", path, err)
	}
	if len(problems) > 0 {
		return 0, fmt.Errorf("%s fails the integrity check: %s", path, strings.Join(problems, "; "))
	}
	var n int
	if err := c.QueryRowContext(ctx, "SELECT count(*) FROM migrations").Scan(&n); err != nil {
		return 0, errors.Join(fmt.Errorf("%s holds no tenantd store", path), err)
	}
	return n, nil
}
