package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tenantd/tenantd"
)

// errUnique marks a unique-constraint violation; callers turn it into the
// conflict their operation means.
var errUnique = errors.New("unique constraint violated")

// errRetry marks a transaction PostgreSQL aborted to break a deadlock or a
// serialization conflict: running it again may succeed.
var errRetry = errors.New("transaction aborted, retry")

// classify folds driver errors into domain terms by their codes, never by
// their message text: a missing row is ENOTFOUND, a unique violation wraps
// errUnique, a lost connection is EUNAVAILABLE. Other errors pass unchanged.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var te *tenantd.Error
	if errors.As(err, &te) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return tenantd.Errorf(tenantd.ENOTFOUND, "not found")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return fmt.Errorf("%w: %w", errUnique, err)
		case "40001", "40P01":
			return fmt.Errorf("%w: %w", errRetry, err)
		case "57P01", "57P02", "57P03", "08000", "08003", "08006":
			return tenantd.Errorf(tenantd.EUNAVAILABLE, "store unavailable")
		}
		return err
	}
	var se *msqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %w", errUnique, err)
		}
		return err
	}
	if errors.Is(err, sql.ErrConnDone) {
		return tenantd.Errorf(tenantd.EUNAVAILABLE, "store unavailable")
	}
	return err
}
