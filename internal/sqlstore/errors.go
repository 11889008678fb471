package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"

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
		case "57P01", "57P02", "57P03", "08000", "08003", "08006", "53300":
			return unavailable("the store is unavailable", err)
		case "25006":
			// A read-only server: a standby, or a primary demoted by a
			// failover, that a connection reached before the switch.
			return unavailable("the store is read-only", err)
		}
		return err
	}
	var se *msqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %w", errUnique, err)
		}
		// The primary result code, without the extended part.
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_FULL:
			return unavailable("the store's disk is full", err)
		case sqlite3.SQLITE_READONLY:
			return unavailable("the store is read-only", err)
		case sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
			return unavailable("the store cannot be read or written", err)
		}
		return err
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.Is(err, sql.ErrConnDone) || errors.As(err, &ce) || errors.As(err, &ne) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, driver.ErrBadConn) || pgconn.SafeToRetry(err) {
		return unavailable("the store is unavailable", err)
	}
	return err
}

// unavailable is an EUNAVAILABLE error that clients see as msg and that
// keeps the driver's error, cause, for the log.
func unavailable(msg string, cause error) error {
	return fmt.Errorf("%w: %w", tenantd.Errorf(tenantd.EUNAVAILABLE, "%s", msg), cause)
}
