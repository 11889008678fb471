package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/tenantd/tenantd"
)

var _ tenantd.DeviceAuthorizationService = (*DB)(nil)

// Statuses of a device authorization.
const (
	deviceStatusPending  = "pending"
	deviceStatusApproved = "approved"
	deviceStatusDenied   = "denied"
	deviceStatusUsed     = "used"
)

// maxDeviceCodeLen bounds the device codes worth looking up: the store's
// are 43 characters.
const maxDeviceCodeLen = 128

// newUserCode returns UserCodeLength random letters of UserCodeAlphabet.
func newUserCode() (string, error) {
	b := make([]byte, tenantd.UserCodeLength)
	n := big.NewInt(int64(len(tenantd.UserCodeAlphabet)))
	for i := range b {
		k, err := rand.Int(rand.Reader, n)
		if err != nil {
			return "", fmt.Errorf("random user code: %w", err)
		}
		b[i] = tenantd.UserCodeAlphabet[k.Int64()]
	}
	return string(b), nil
}

// CreateDeviceAuthorization starts a device authorization; see
// tenantd.DeviceAuthorizationService.
func (db *DB) CreateDeviceAuthorization(ctx context.Context, c *tenantd.DeviceAuthorizationCreate) (*tenantd.DeviceAuthorization, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	scopes, err := json.Marshal(c.Scopes)
	if err != nil {
		return nil, fmt.Errorf("encode scopes: %w", err)
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.DeviceAuthorization, error) {
		deviceCode, deviceHash, err := newSecret()
		if err != nil {
			return nil, err
		}
		// 20^8 codes: a clash with a code still stored is rare, and
		// another draw settles it.
		var userCode string
		for attempt := 0; ; attempt++ {
			if userCode, err = newUserCode(); err != nil {
				return nil, err
			}
			var taken bool
			if err := tx.queryRow(ctx, "SELECT EXISTS (SELECT 1 FROM device_authorizations WHERE user_code_hash = ?)",
				secretHash(userCode)).Scan(&taken); err != nil {
				return nil, fmt.Errorf("check user code: %w", classify(err))
			}
			if !taken {
				break
			}
			if attempt == 10 {
				return nil, fmt.Errorf("no free user code after %d draws", attempt+1)
			}
		}
		da := &tenantd.DeviceAuthorization{ClientID: c.ClientID, DisplayName: c.DisplayName, Scopes: c.Scopes,
			DeviceCode: deviceCode, UserCode: userCode[:4] + "-" + userCode[4:], Interval: tenantd.DevicePollInterval,
			CreatedAt: tx.now, ExpiresAt: tx.now.Add(tenantd.DeviceCodeLifetime)}
		_, err = tx.exec(ctx, `INSERT INTO device_authorizations (device_code_hash, user_code_hash, client_id, display_name,
			scopes, status, interval_secs, created_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?)`,
			deviceHash, secretHash(userCode), da.ClientID, da.DisplayName, string(scopes), deviceStatusPending,
			int64(da.Interval/time.Second), micros(da.CreatedAt), micros(da.ExpiresAt))
		if err != nil {
			return nil, fmt.Errorf("insert device authorization: %w", classify(err))
		}
		return da, nil
	})
}

// deviceRow is a stored device authorization.
type deviceRow struct {
	deviceHash, clientID, displayName, status string
	scopes                                    []string
	interval                                  time.Duration
	userID                                    sql.NullString
	expiresAt                                 time.Time
	lastPolled                                sql.NullInt64
}

const deviceColumns = "device_code_hash, client_id, display_name, scopes, status, interval_secs, user_id, expires_at, last_polled_at"

func scanDevice(s scanner) (*deviceRow, error) {
	var (
		d                 deviceRow
		scopes            string
		interval, expires int64
	)
	if err := s.Scan(&d.deviceHash, &d.clientID, &d.displayName, &scopes, &d.status, &interval, &d.userID, &expires, &d.lastPolled); err != nil {
		return nil, classify(err)
	}
	if err := json.Unmarshal([]byte(scopes), &d.scopes); err != nil {
		return nil, fmt.Errorf("decode scopes of a device authorization: %w", err)
	}
	d.interval, d.expiresAt = time.Duration(interval)*time.Second, fromMicros(expires)
	return &d, nil
}

// approval finds the undecided, unexpired device authorization of userCode
// and the tenant a user p approves it on; see
// tenantd.DeviceAuthorizationService.DeviceApproval.
func approval(ctx context.Context, tx *Tx, p *tenantd.Principal, userCode, tenantID string) (*deviceRow, *tenantd.DeviceApproval, error) {
	if p.Type != tenantd.PrincipalUser {
		return nil, nil, tenantd.Errorf(tenantd.EFORBIDDEN, "only a signed-in user approves a device")
	}
	code, ok := tenantd.NormalizeUserCode(userCode)
	if !ok {
		return nil, nil, tenantd.Errorf(tenantd.EINVALID, "the user code is malformed: it is %d letters, shown as XXXX-XXXX", tenantd.UserCodeLength)
	}
	d, err := scanDevice(tx.queryRow(ctx, "SELECT "+deviceColumns+" FROM device_authorizations d WHERE user_code_hash = ?"+
		tx.forUpdate("d"), secretHash(code)))
	if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
		return nil, nil, tenantd.Errorf(tenantd.ENOTFOUND, "the user code is unknown or has expired")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find device authorization: %w", err)
	}
	if !tx.now.Before(d.expiresAt) {
		return nil, nil, tenantd.Errorf(tenantd.ENOTFOUND, "the user code is unknown or has expired")
	}
	if d.status != deviceStatusPending {
		return nil, nil, tenantd.Errorf(tenantd.ECONFLICT, "the user code was already approved or denied")
	}
	scopeTenant, err := tenantd.ValidateDeviceScopes(d.scopes)
	if err != nil {
		return nil, nil, fmt.Errorf("stored device scopes: %w", err)
	}
	switch {
	case tenantID != "" && scopeTenant != "" && tenantID != scopeTenant:
		return nil, nil, tenantd.Errorf(tenantd.EINVALID, "tenant_uuid %s is not the tenant %s the device asked for", tenantID, scopeTenant)
	case tenantID == "" && scopeTenant != "":
		tenantID = scopeTenant
	case tenantID == "":
		tenantID = p.TenantID
	}
	t, err := findTenant(ctx, tx, tenantID, false)
	if tenantd.ErrorKind(err) == tenantd.ENOTFOUND || err == nil && !p.CanSee(t.Path) {
		return nil, nil, tenantd.Errorf(tenantd.EFORBIDDEN, "tenant %s is not in the user's subtree", tenantID)
	}
	if err != nil {
		return nil, nil, err
	}
	if err := checkTenantChain(ctx, tx, t.Path); err != nil {
		return nil, nil, tenantd.Errorf(tenantd.EFORBIDDEN, "tenant %s is suspended or deleted", tenantID)
	}
	return d, &tenantd.DeviceApproval{ClientID: d.clientID, DisplayName: d.displayName, Scopes: d.scopes,
		TenantID: t.ID, TenantName: t.Name, IsCurrentTenant: t.ID == p.TenantID}, nil
}

// DeviceApproval shows what approving a user code grants; see
// tenantd.DeviceAuthorizationService.
func (db *DB) DeviceApproval(ctx context.Context, userCode, tenantID string) (*tenantd.DeviceApproval, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.DeviceApproval, error) {
		_, a, err := approval(ctx, tx, p, userCode, tenantID)
		return a, err
	})
}

// DecideDeviceAuthorization approves or denies a user code; see
// tenantd.DeviceAuthorizationService.
func (db *DB) DecideDeviceAuthorization(ctx context.Context, userCode, tenantID string, deny bool) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	_, err = write(ctx, db, func(tx *Tx) (struct{}, error) {
		d, a, err := approval(ctx, tx, p, userCode, tenantID)
		if err != nil {
			return struct{}{}, err
		}
		// The user's state as of this transaction, not of its token.
		if _, _, err := activeUserUntil(ctx, tx, p.ID, ""); err != nil {
			return struct{}{}, err
		}
		status := deviceStatusApproved
		if deny {
			status = deviceStatusDenied
		}
		res, err := tx.exec(ctx, `UPDATE device_authorizations SET status = ?, user_id = ?, tenant_id = ?, decided_at = ?
			WHERE device_code_hash = ? AND status = ?`, status, p.ID, a.TenantID, micros(tx.now), d.deviceHash, deviceStatusPending)
		if err != nil {
			return struct{}{}, fmt.Errorf("decide device authorization: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return struct{}{}, tenantd.Errorf(tenantd.ECONFLICT, "the user code was already approved or denied")
		}
		return struct{}{}, nil
	})
	return err
}

// PollDeviceAuthorization answers a device's poll; see
// tenantd.DeviceAuthorizationService.
func (db *DB) PollDeviceAuthorization(ctx context.Context, clientID, deviceCode string) (*tenantd.DevicePoll, error) {
	if deviceCode == "" || len(deviceCode) > maxDeviceCodeLen {
		return &tenantd.DevicePoll{Outcome: tenantd.DeviceInvalid}, nil
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.DevicePoll, error) {
		d, err := scanDevice(tx.queryRow(ctx, "SELECT "+deviceColumns+" FROM device_authorizations d WHERE device_code_hash = ?"+
			tx.forUpdate("d"), secretHash(deviceCode)))
		if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
			return &tenantd.DevicePoll{Outcome: tenantd.DeviceInvalid}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("find device authorization: %w", err)
		}
		poll := &tenantd.DevicePoll{Interval: d.interval}
		switch {
		case d.clientID != clientID || d.status == deviceStatusUsed:
			poll.Outcome = tenantd.DeviceInvalid
			return poll, nil
		case !tx.now.Before(d.expiresAt):
			poll.Outcome = tenantd.DeviceExpired
			return poll, nil
		case d.status == deviceStatusDenied:
			poll.Outcome = tenantd.DeviceDenied
			return poll, nil
		case d.status == deviceStatusApproved:
			p, _, err := activeUserUntil(ctx, tx, d.userID.String, "")
			if err != nil {
				return nil, err
			}
			res, err := tx.exec(ctx, "UPDATE device_authorizations SET status = ?, last_polled_at = ? WHERE device_code_hash = ? AND status = ?",
				deviceStatusUsed, micros(tx.now), d.deviceHash, deviceStatusApproved)
			if err != nil {
				return nil, fmt.Errorf("use device code: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				poll.Outcome = tenantd.DeviceInvalid
				return poll, nil
			}
			poll.Outcome, poll.Principal = tenantd.DeviceApproved, p
			return poll, nil
		}
		// Pending: a poll sooner than the interval after the last one
		// slows the device down for good (RFC 8628, section 3.5).
		poll.Outcome = tenantd.DevicePending
		if d.lastPolled.Valid && tx.now.Sub(fromMicros(d.lastPolled.Int64)) < d.interval {
			poll.Outcome = tenantd.DeviceSlowDown
			poll.Interval += tenantd.DeviceSlowDownStep
		}
		if _, err := tx.exec(ctx, "UPDATE device_authorizations SET interval_secs = ?, last_polled_at = ? WHERE device_code_hash = ?",
			int64(poll.Interval/time.Second), micros(tx.now), d.deviceHash); err != nil {
			return nil, fmt.Errorf("record device poll: %w", err)
		}
		return poll, nil
	})
}
