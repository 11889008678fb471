package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/tenantd/tenantd"
)

// settingIssuer is the store setting that holds the issuer of tokens.
const settingIssuer = "issuer"

// IssuerMismatchError is what Issuer returns when the issuer asked for is not
// the one the store holds.
type IssuerMismatchError struct {
	Stored, Asked string
}

func (e *IssuerMismatchError) Error() string {
	return fmt.Sprintf("the store's token issuer is %q, not %q: instances sharing a store must use one issuer "+
		"(drop --issuer to use the store's, or change the store's with tenantd issuer set)", e.Stored, e.Asked)
}

// Issuer returns the issuer of tokens every instance on the store uses. At
// the first call on a store it records explicit, or fallback when explicit
// is empty. Later calls return the recorded issuer; an explicit issuer that
// differs from it is an *IssuerMismatchError.
func (db *DB) Issuer(ctx context.Context, explicit, fallback string) (string, error) {
	if explicit == "" && fallback == "" {
		return "", tenantd.Errorf(tenantd.EINVALID, "an issuer must not be empty")
	}
	return write(ctx, db, func(tx *Tx) (string, error) {
		if err := lockSettings(ctx, tx); err != nil {
			return "", err
		}
		var stored string
		err := tx.queryRow(ctx, "SELECT value FROM store_settings WHERE name = ?", settingIssuer).Scan(&stored)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			issuer := explicit
			if issuer == "" {
				issuer = fallback
			}
			if _, err := tx.exec(ctx, "INSERT INTO store_settings (name, value, updated_at) VALUES (?, ?, ?)",
				settingIssuer, issuer, micros(tx.now)); err != nil {
				return "", fmt.Errorf("record issuer: %w", err)
			}
			return issuer, nil
		case err != nil:
			return "", fmt.Errorf("read issuer: %w", err)
		case explicit != "" && explicit != stored:
			return "", &IssuerMismatchError{Stored: stored, Asked: explicit}
		}
		return stored, nil
	})
}

// SetIssuer records the issuer of tokens of the store, replacing the one it
// holds, and returns the one it replaced ("" when there was none). Tokens
// issued under the old issuer are refused once the instances restart.
func (db *DB) SetIssuer(ctx context.Context, issuer string) (string, error) {
	if issuer == "" {
		return "", tenantd.Errorf(tenantd.EINVALID, "an issuer must not be empty")
	}
	return write(ctx, db, func(tx *Tx) (string, error) {
		if err := lockSettings(ctx, tx); err != nil {
			return "", err
		}
		var old string
		err := tx.queryRow(ctx, "SELECT value FROM store_settings WHERE name = ?", settingIssuer).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("read issuer: %w", err)
		}
		if _, err := tx.exec(ctx, "DELETE FROM store_settings WHERE name = ?", settingIssuer); err != nil {
			return "", fmt.Errorf("replace issuer: %w", err)
		}
		if _, err := tx.exec(ctx, "INSERT INTO store_settings (name, value, updated_at) VALUES (?, ?, ?)",
			settingIssuer, issuer, micros(tx.now)); err != nil {
			return "", fmt.Errorf("record issuer: %w", err)
		}
		return old, nil
	})
}

// lockSettings serializes the instances that read and set the store's
// settings at once; on SQLite the write lock does.
func lockSettings(ctx context.Context, tx *Tx) error {
	if tx.db.dialect.name != "postgres" {
		return nil
	}
	// "settings" in hex.
	if _, err := tx.exec(ctx, "SELECT pg_advisory_xact_lock(8315180330343360371)"); err != nil {
		return fmt.Errorf("lock settings: %w", err)
	}
	return nil
}

// StoredIssuer returns the store's issuer of tokens, "" when none is
// recorded yet.
func (db *DB) StoredIssuer(ctx context.Context) (string, error) {
	return read(ctx, db, func(tx *Tx) (string, error) {
		var iss string
		err := tx.queryRow(ctx, "SELECT value FROM store_settings WHERE name = ?", settingIssuer).Scan(&iss)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("read issuer: %w", err)
		}
		return iss, nil
	})
}
