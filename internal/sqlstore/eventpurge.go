package sqlstore

import (
	"context"
	"fmt"
)

// eventPurgeBatch is how many events one transaction of PurgeEvents
// removes: small, so that writers never wait long behind it.
const eventPurgeBatch = 1000

// PurgeEvents removes the audit events older than EventRetention, oldest
// first, in transactions of at most eventPurgeBatch events, until none is
// left or ctx is done, and returns how many it removed. On SQLite it then
// gives the freed pages back to the file system (incremental vacuum). With
// no EventRetention it removes nothing.
func (db *DB) PurgeEvents(ctx context.Context) (int64, error) {
	if db.EventRetention <= 0 {
		return 0, nil
	}
	var total int64
	for ctx.Err() == nil {
		n, err := write(ctx, db, func(tx *Tx) (int64, error) {
			cutoff := micros(tx.now.Add(-db.EventRetention))
			res, err := tx.exec(ctx, `DELETE FROM events WHERE sequence IN
				(SELECT sequence FROM events WHERE occurred_at < ? ORDER BY occurred_at, sequence LIMIT ?)`, cutoff, eventPurgeBatch)
			if err != nil {
				return 0, fmt.Errorf("purge events: %w", err)
			}
			return res.RowsAffected()
		})
		total += n
		if err != nil {
			return total, err
		}
		if n < eventPurgeBatch {
			break
		}
	}
	if total > 0 && db.dialect.name == "sqlite" {
		if err := db.IncrementalVacuum(ctx); err != nil {
			return total, err
		}
	}
	return total, ctx.Err()
}

// IncrementalVacuum gives the free pages of a SQLite store back to the file
// system, when the store was created with incremental vacuum (see Vacuum).
// It does nothing on PostgreSQL, whose autovacuum reuses the space.
func (db *DB) IncrementalVacuum(ctx context.Context) error {
	if db.dialect.name != "sqlite" {
		return nil
	}
	if _, err := db.write.ExecContext(ctx, "PRAGMA incremental_vacuum"); err != nil {
		return fmt.Errorf("incremental vacuum: %w", classify(err))
	}
	return nil
}

// Vacuum rewrites a SQLite store whole, compacting it and switching it to
// incremental vacuum if it was created without; the store must not be
// serving (it holds the write lock throughout). It does nothing on
// PostgreSQL.
func (db *DB) Vacuum(ctx context.Context) error {
	if db.dialect.name != "sqlite" {
		return nil
	}
	for _, q := range []string{"PRAGMA auto_vacuum = INCREMENTAL", "VACUUM"} {
		if _, err := db.write.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("vacuum: %w", classify(err))
		}
	}
	return nil
}

// AutoVacuum reports SQLite's auto_vacuum mode of the store: "none",
// "full" or "incremental"; "" on PostgreSQL.
func (db *DB) AutoVacuum(ctx context.Context) (string, error) {
	if db.dialect.name != "sqlite" {
		return "", nil
	}
	var mode int
	// The write connection: a read connection may hold the header as it
	// was before a Vacuum.
	if err := db.write.QueryRowContext(ctx, "PRAGMA auto_vacuum").Scan(&mode); err != nil {
		return "", fmt.Errorf("read auto_vacuum: %w", classify(err))
	}
	return map[int]string{0: "none", 1: "full", 2: "incremental"}[mode], nil
}

// FreePages returns the number of unused pages in a SQLite store's file;
// 0 on PostgreSQL.
func (db *DB) FreePages(ctx context.Context) (int64, error) {
	if db.dialect.name != "sqlite" {
		return 0, nil
	}
	var n int64
	if err := db.read.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&n); err != nil {
		return 0, fmt.Errorf("read freelist_count: %w", classify(err))
	}
	return n, nil
}
