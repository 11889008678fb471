// Package sqlstore is tenantd's storage: one hand-written SQL implementation
// of the domain services that runs on SQLite (embedded, the default) and on
// PostgreSQL (shared by several tenantd instances), with the few differences
// between the two held in a dialect value.
//
// It imports the domain package, the standard library and the two database
// drivers; nothing else in tenantd imports a driver. Every exported service
// method is one transaction: lowercase helpers take the transaction and
// compose, and the transaction carries one timestamp for the whole change.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/catalog"
	"github.com/tenantd/tenantd/internal/auth"
)

// DB is a connection to a store. It implements the domain services.
type DB struct {
	// Now returns the current time. Tests replace it to move time.
	Now func() time.Time

	dialect dialect
	write   *sql.DB // write transactions; on SQLite a single connection
	read    *sql.DB // read transactions; the same pool as write on PostgreSQL

	// Retention is how long deleted tenants can be restored before
	// PurgeDeleted removes them; zero means DefaultRetention.
	Retention time.Duration
	// EventRetention is how long audit events are kept before PurgeEvents
	// removes them; zero keeps them for good.
	EventRetention time.Duration
	// UsageHistoryRetention is how long the daily usage history is kept
	// before PurgeDeleted removes it; zero keeps the 60 calendar months
	// before the current one that a report's period may span.
	UsageHistoryRetention time.Duration
	// Observer, when set, watches every transaction (metrics, traces).
	Observer Observer
	// PasswordHashCost, when set, is the argon2id cost of new password
	// hashes instead of auth.DefaultHashCost; only a throw-away store
	// should lower it.
	PasswordHashCost *auth.HashCost

	mu      sync.Mutex
	writers map[*Tx]time.Time // open write transactions and their now, for change-feed timestamps

	passwords passwordCache
	catalog   *tenantd.Catalog

	// readStmts keeps the statements of reads prepared; nil on PostgreSQL.
	readStmts *stmtCache
	// principals keeps the principals of authenticated tokens.
	principals principalCache
	// calls names the store methods transactions run for, for Observer.
	calls callNames
}

// Open connects to the store named by dsn: a postgres:// or postgresql:// URL
// selects PostgreSQL, anything else is the path of a SQLite database file
// (its directory is created). Open does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cat, err := catalog.Load()
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	db := &DB{Now: time.Now, writers: make(map[*Tx]time.Time), catalog: cat}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		// A URL that cannot be parsed is a configuration error, not an
		// outage; pgconn's message masks the password.
		if _, err := pgconn.ParseConfig(dsn); err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		pool.SetMaxOpenConns(32)
		pool.SetMaxIdleConns(32)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		db.dialect, db.write, db.read = postgres, pool, pool
	} else {
		if err := os.MkdirAll(filepath.Dir(dsn), 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		w, err := sql.Open("sqlite", sqliteDSN(dsn, "immediate"))
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		// One writer connection: writes queue in Go instead of spinning on
		// SQLite's lock; IMMEDIATE still guards against other processes.
		w.SetMaxOpenConns(1)
		r, err := sql.Open("sqlite", sqliteDSN(dsn, "deferred"))
		if err != nil {
			_ = w.Close()
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		r.SetMaxOpenConns(8)
		db.dialect, db.write, db.read = sqlite, w, r
		db.readStmts = newStmtCache(r)
	}
	if err := db.Ping(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

func sqliteDSN(path, txlock string) string {
	q := url.Values{}
	// Incremental vacuum lets the file give back the pages purges free;
	// it takes effect when the store is created (or with tenantd vacuum).
	q.Add("_pragma", "auto_vacuum(INCREMENTAL)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", txlock)
	return "file:" + path + "?" + q.Encode()
}

// Catalog returns the catalog of applications, settings and offering items
// the store serves.
func (db *DB) Catalog() *tenantd.Catalog { return db.catalog }

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect.name }

// Ping checks that the store answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return tenantd.Errorf(tenantd.EUNAVAILABLE, "store unreachable: %v", err)
	}
	if err := db.write.PingContext(ctx); err != nil {
		return tenantd.Errorf(tenantd.EUNAVAILABLE, "store unreachable: %v", err)
	}
	return nil
}

// Close closes the store's connections.
func (db *DB) Close() error {
	err := errors.Join(db.readStmts.close(), db.write.Close())
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Tx is a transaction with the one timestamp that every row it writes gets.
// A read "transaction" runs its statements on the pool, one round trip each:
// the reads of one service method need no common snapshot, and skipping
// BEGIN and COMMIT halves the round trips of a read on PostgreSQL.
type Tx struct {
	q     querier
	tx    *sql.Tx // nil for reads
	db    *DB
	now   time.Time
	write bool
}

// querier is what *sql.Tx and *sql.DB have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// beginWrite starts a write transaction. On SQLite it holds the write lock
// from its first statement; on PostgreSQL it has a transaction id before its
// timestamp is taken, which is what safeTimestamp relies on.
func (db *DB) beginWrite(ctx context.Context) (*Tx, error) {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, classify(fmt.Errorf("begin: %w", err))
	}
	tx := &Tx{q: sqlTx, tx: sqlTx, db: db, write: true}
	if db.dialect.name == "postgres" {
		if _, err := sqlTx.ExecContext(ctx, "SELECT pg_current_xact_id()"); err != nil {
			_ = sqlTx.Rollback()
			return nil, classify(fmt.Errorf("begin: %w", err))
		}
	}
	// The clock is read under the lock that safeTimestamp takes, so that no
	// reader computes a safe timestamp between this read and the
	// registration of the writer.
	db.mu.Lock()
	tx.now = db.Now().UTC().Truncate(time.Microsecond)
	db.writers[tx] = tx.now
	db.mu.Unlock()
	return tx, nil
}

// beginRead returns a Tx for reads, which runs on the read pool.
func (db *DB) beginRead(context.Context) (*Tx, error) {
	return &Tx{q: db.read, db: db, now: db.Now().UTC().Truncate(time.Microsecond)}, nil
}

// Commit commits the transaction.
func (tx *Tx) Commit() error {
	defer tx.done()
	if tx.tx == nil {
		return nil
	}
	if err := tx.tx.Commit(); err != nil {
		return classify(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// Rollback aborts the transaction; after Commit it does nothing.
func (tx *Tx) Rollback() {
	defer tx.done()
	if tx.tx != nil {
		_ = tx.tx.Rollback()
	}
}

func (tx *Tx) done() {
	if tx.write {
		tx.db.mu.Lock()
		delete(tx.db.writers, tx)
		tx.db.mu.Unlock()
	}
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	q := tx.db.dialect.rebind(query)
	if st := tx.stmt(ctx, q); st != nil {
		res, err := st.ExecContext(ctx, args...)
		return res, classify(err)
	}
	res, err := tx.q.ExecContext(ctx, q, args...)
	return res, classify(err)
}

func (tx *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q := tx.db.dialect.rebind(query)
	if st := tx.stmt(ctx, q); st != nil {
		rows, err := st.QueryContext(ctx, args...)
		return rows, classify(err)
	}
	rows, err := tx.q.QueryContext(ctx, q, args...)
	return rows, classify(err)
}

func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	q := tx.db.dialect.rebind(query)
	if st := tx.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.q.QueryRowContext(ctx, q, args...)
}

// stmt returns the prepared statement of q for the transaction, or nil when
// q runs unprepared.
// Only reads run prepared: preparing on the pool of a write transaction
// would wait for the one connection SQLite writes on, which the
// transaction holds.
func (tx *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if tx.tx != nil {
		return nil
	}
	return tx.db.readStmts.get(ctx, q)
}

// maxPreparedStatements bounds the statements a stmtCache keeps prepared:
// the queries of tenantd are a fixed set, except for the IN lists and
// filters that some build, which may run unprepared once the cache is full.
const maxPreparedStatements = 512

// stmtCache keeps the statements run on a pool prepared, once per
// connection, so that SQLite parses a query once rather than on every run.
// On PostgreSQL the pgx driver keeps its own cache of prepared statements
// per connection and the cache is off.
type stmtCache struct {
	pool *sql.DB // nil: off
	mu   sync.RWMutex
	m    map[string]*sql.Stmt
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: make(map[string]*sql.Stmt)}
}

func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	if c == nil || c.pool == nil {
		return nil
	}
	c.mu.RLock()
	st := c.m[q]
	c.mu.RUnlock()
	if st != nil {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.m[q]; st != nil {
		return st
	}
	if len(c.m) >= maxPreparedStatements {
		return nil
	}
	st, err := c.pool.PrepareContext(context.WithoutCancel(ctx), q)
	if err != nil {
		// The query fails the same way when run unprepared, with the error
		// its caller expects.
		return nil
	}
	c.m[q] = st
	return st
}

func (c *stmtCache) close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	for q, st := range c.m {
		err = errors.Join(err, st.Close())
		delete(c.m, q)
	}
	return err
}

// forUpdate is the clause that locks the rows of alias that a write
// transaction reads, on PostgreSQL; SQLite's write transactions hold the
// whole database already.
func (tx *Tx) forUpdate(alias string) string {
	if !tx.write || tx.db.dialect.name != "postgres" {
		return ""
	}
	return " FOR UPDATE OF " + alias
}

// writeAttempts bounds how often a write transaction that PostgreSQL aborted
// as a deadlock victim or serialization failure is tried.
const writeAttempts = 3

// write runs fn in a write transaction and commits it, trying again when
// PostgreSQL aborted it to break a deadlock.
func write[T any](ctx context.Context, db *DB, fn func(tx *Tx) (T, error)) (v T, err error) {
	if db.Observer != nil {
		var end func(error)
		ctx, end = db.Observer.StoreCall(ctx, db.calls.caller(), true)
		defer func() { end(err) }()
	}
	for attempt := 1; ; attempt++ {
		v, err := writeOnce(ctx, db, fn)
		if errors.Is(err, errRetry) && attempt < writeAttempts {
			continue
		}
		return v, err
	}
}

func writeOnce[T any](ctx context.Context, db *DB, fn func(tx *Tx) (T, error)) (T, error) {
	var zero T
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return zero, err
	}
	defer tx.Rollback()
	d, dry := ctx.Value(dryRunKey{}).(*dryRun)
	if dry {
		d.measured, d.err = d.measure(tx)
	}
	v, err := fn(tx)
	if err != nil {
		return zero, classify(err)
	}
	if dry {
		// A dry run: what fn did is rolled back.
		return v, nil
	}
	if err := tx.Commit(); err != nil {
		return zero, err
	}
	return v, nil
}

// read runs fn in a read transaction.
func read[T any](ctx context.Context, db *DB, fn func(tx *Tx) (T, error)) (v T, err error) {
	if db.Observer != nil {
		var end func(error)
		ctx, end = db.Observer.StoreCall(ctx, db.calls.caller(), false)
		defer func() { end(err) }()
	}
	var zero T
	tx, err := db.beginRead(ctx)
	if err != nil {
		return zero, err
	}
	defer tx.Rollback()
	v, err = fn(tx)
	if err != nil {
		return zero, classify(err)
	}
	return v, nil
}

// safeTimestamp returns a time T such that every change stamped before T has
// committed: no open write transaction has a smaller timestamp, and any write
// transaction that begins later stamps its rows after T. A listing read after
// this call and a later listing of changes since T together miss nothing.
func (db *DB) safeTimestamp(ctx context.Context) (time.Time, error) {
	db.mu.Lock()
	t := db.Now().UTC().Truncate(time.Microsecond)
	for _, w := range db.writers {
		if w.Before(t) {
			t = w
		}
	}
	db.mu.Unlock()
	if db.dialect.name == "postgres" {
		var oldest sql.NullTime
		err := db.read.QueryRowContext(ctx, `SELECT min(xact_start) FROM pg_stat_activity
			WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()`).Scan(&oldest)
		if err != nil {
			return time.Time{}, classify(fmt.Errorf("oldest writer: %w", err))
		}
		if oldest.Valid && oldest.Time.Before(t) {
			t = oldest.Time.UTC().Truncate(time.Microsecond)
		}
	}
	return t, nil
}

// micros encodes a time for the store: microseconds since the Unix epoch.
func micros(t time.Time) int64 { return t.UnixMicro() }

// nullMicros encodes an optional time.
func nullMicros(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

func nullString(s *string) sql.NullString {
	if s == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: *s, Valid: true}
}

func fromNullString(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	s := v.String
	return &s
}

// Pools returns the connection pools of the store by name, for their
// statistics: "write" and "read" on SQLite, "postgres" on PostgreSQL.
func (db *DB) Pools() map[string]*sql.DB {
	if db.write == db.read {
		return map[string]*sql.DB{db.dialect.name: db.write}
	}
	return map[string]*sql.DB{"write": db.write, "read": db.read}
}
