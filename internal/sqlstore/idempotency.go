package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tenantd/tenantd"
)

var _ tenantd.IdempotencyService = (*DB)(nil)

// idempotencyPurgeBatch bounds how many expired keys one purge removes, so
// that the purge never holds a long transaction.
const idempotencyPurgeBatch = 500

// BeginIdempotent claims an Idempotency-Key; see tenantd.IdempotencyService.
func (db *DB) BeginIdempotent(ctx context.Context, principal, key, fingerprint string) (*tenantd.IdempotentResponse, error) {
	return write(ctx, db, func(tx *Tx) (*tenantd.IdempotentResponse, error) {
		now := micros(tx.now)
		// An expired key, or a running request's lock that passed, is free.
		if _, err := tx.exec(ctx, "DELETE FROM idempotency_keys WHERE principal = ? AND idem_key = ? AND expires_at <= ?",
			principal, key, now); err != nil {
			return nil, fmt.Errorf("free idempotency key: %w", err)
		}
		res, err := tx.exec(ctx, `INSERT INTO idempotency_keys (principal, idem_key, fingerprint, status, created_at, expires_at)
			VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (principal, idem_key) DO NOTHING`,
			principal, key, fingerprint, now, micros(tx.now.Add(tenantd.IdempotencyLock)))
		if err != nil {
			return nil, fmt.Errorf("claim idempotency key: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, fmt.Errorf("claim idempotency key: %w", err)
		} else if n == 1 {
			return nil, nil
		}
		var (
			fp     string
			status int
			header string
			body   []byte
		)
		err = tx.queryRow(ctx, "SELECT fingerprint, status, header, body FROM idempotency_keys WHERE principal = ? AND idem_key = ?",
			principal, key).Scan(&fp, &status, &header, &body)
		if errors.Is(err, sql.ErrNoRows) {
			// Released between the insert and the select: let the client retry.
			return nil, tenantd.CodedErrorf(tenantd.ECONFLICT, tenantd.CodeIdempotencyInProgress,
				"a request with this Idempotency-Key is in progress; retry later")
		}
		if err != nil {
			return nil, fmt.Errorf("read idempotency key: %w", err)
		}
		if fp != fingerprint {
			return nil, tenantd.CodedErrorf(tenantd.EINVALID, tenantd.CodeIdempotencyMismatch,
				"this Idempotency-Key was used with another request (method, path or body); use a new key for a new request")
		}
		if status == 0 {
			return nil, tenantd.CodedErrorf(tenantd.ECONFLICT, tenantd.CodeIdempotencyInProgress,
				"a request with this Idempotency-Key is in progress; retry later")
		}
		resp := &tenantd.IdempotentResponse{Status: status, Body: body}
		if err := json.Unmarshal([]byte(header), &resp.Header); err != nil {
			return nil, fmt.Errorf("decode idempotent response headers: %w", err)
		}
		return resp, nil
	})
}

// CompleteIdempotent stores a key's response; see tenantd.IdempotencyService.
func (db *DB) CompleteIdempotent(ctx context.Context, principal, key string, resp tenantd.IdempotentResponse) error {
	header, err := json.Marshal(resp.Header)
	if err != nil {
		return fmt.Errorf("encode idempotent response headers: %w", err)
	}
	if resp.Body == nil {
		resp.Body = []byte{}
	}
	_, err = write(ctx, db, func(tx *Tx) (struct{}, error) {
		_, err := tx.exec(ctx, "UPDATE idempotency_keys SET status = ?, header = ?, body = ?, expires_at = ? WHERE principal = ? AND idem_key = ?",
			resp.Status, string(header), resp.Body, micros(tx.now.Add(tenantd.IdempotencyTTL)), principal, key)
		if err != nil {
			return struct{}{}, fmt.Errorf("store idempotent response: %w", err)
		}
		return struct{}{}, nil
	})
	return err
}

// ReleaseIdempotent forgets a key; see tenantd.IdempotencyService.
func (db *DB) ReleaseIdempotent(ctx context.Context, principal, key string) error {
	_, err := write(ctx, db, func(tx *Tx) (struct{}, error) {
		_, err := tx.exec(ctx, "DELETE FROM idempotency_keys WHERE principal = ? AND idem_key = ? AND status = 0", principal, key)
		if err != nil {
			return struct{}{}, fmt.Errorf("release idempotency key: %w", err)
		}
		return struct{}{}, nil
	})
	return err
}

// purgeIdempotencyKeys removes at most idempotencyPurgeBatch expired keys.
func purgeIdempotencyKeys(ctx context.Context, tx *Tx) (int64, error) {
	res, err := tx.exec(ctx, `DELETE FROM idempotency_keys WHERE (principal, idem_key) IN
		(SELECT principal, idem_key FROM idempotency_keys WHERE expires_at <= ? LIMIT ?)`, micros(tx.now), idempotencyPurgeBatch)
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return res.RowsAffected()
}
