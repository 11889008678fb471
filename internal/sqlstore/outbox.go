package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/tenantd/tenantd"
)

var _ tenantd.Outbox = (*DB)(nil)

// insertEmail queues an e-mail in the transaction of the change that causes
// it: if the change rolls back, so does the e-mail.
func insertEmail(ctx context.Context, tx *Tx, e *tenantd.Email) error {
	if e.ID == "" {
		e.ID = tenantd.NewID()
	}
	e.CreatedAt = tx.now
	_, err := tx.exec(ctx, `INSERT INTO outbox (id, recipient, subject, body, created_at, attempts, next_attempt_at)
		VALUES (?,?,?,?,?,0,?)`, e.ID, e.To, e.Subject, e.Body, micros(tx.now), micros(tx.now))
	if err != nil {
		return fmt.Errorf("queue e-mail: %w", err)
	}
	return nil
}

// ClaimEmail leases the oldest due e-mail; see tenantd.Outbox.
func (db *DB) ClaimEmail(ctx context.Context, lease time.Duration) (*tenantd.Email, error) {
	return write(ctx, db, func(tx *Tx) (*tenantd.Email, error) {
		now := micros(tx.now)
		q := `SELECT id, recipient, subject, body, created_at, attempts FROM outbox
			WHERE sent_at IS NULL AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
			ORDER BY next_attempt_at, created_at LIMIT 1`
		if db.dialect.name == "postgres" {
			q += " FOR UPDATE SKIP LOCKED"
		}
		var e tenantd.Email
		var created int64
		err := tx.queryRow(ctx, q, now, now).Scan(&e.ID, &e.To, &e.Subject, &e.Body, &created, &e.Attempts)
		if err != nil {
			return nil, classify(err)
		}
		e.CreatedAt = fromMicros(created)
		e.Attempts++
		if _, err := tx.exec(ctx, "UPDATE outbox SET claimed_until = ?, attempts = ? WHERE id = ?",
			micros(tx.now.Add(lease)), e.Attempts, e.ID); err != nil {
			return nil, fmt.Errorf("claim e-mail: %w", err)
		}
		return &e, nil
	})
}

// EmailSent records a delivery; see tenantd.Outbox.
func (db *DB) EmailSent(ctx context.Context, id string) error {
	_, err := write(ctx, db, func(tx *Tx) (struct{}, error) {
		_, err := tx.exec(ctx, "UPDATE outbox SET sent_at = ?, claimed_until = NULL, last_error = NULL WHERE id = ?", micros(tx.now), id)
		return struct{}{}, err
	})
	return err
}

// EmailFailed records a failed delivery; see tenantd.Outbox.
func (db *DB) EmailFailed(ctx context.Context, id, reason string, retryAt time.Time) error {
	_, err := write(ctx, db, func(tx *Tx) (struct{}, error) {
		_, err := tx.exec(ctx, "UPDATE outbox SET next_attempt_at = ?, claimed_until = NULL, last_error = ? WHERE id = ?",
			micros(retryAt), reason, id)
		return struct{}{}, err
	})
	return err
}

// OutboxDepth returns how many e-mails wait for delivery.
func (db *DB) OutboxDepth(ctx context.Context) (int64, error) {
	return read(ctx, db, func(tx *Tx) (int64, error) {
		var n int64
		err := tx.queryRow(ctx, "SELECT count(*) FROM outbox WHERE sent_at IS NULL").Scan(&n)
		return n, classify(err)
	})
}
