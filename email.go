package tenantd

import (
	"context"
	"time"
)

// Email is a message to a person, queued in the store's outbox in the same
// transaction as the change that causes it and delivered after commit.
type Email struct {
	ID        string
	To        string
	Subject   string
	Body      string // plain text
	CreatedAt time.Time
	Attempts  int
}

// Mailer delivers e-mail.
type Mailer interface {
	// Send delivers one message. A returned error means it may be retried.
	Send(ctx context.Context, e *Email) error
}

// Outbox hands queued e-mail to whoever delivers it. Several tenantd
// instances may deliver from one store: a claimed message is leased to one
// of them until the lease ends.
type Outbox interface {
	// ClaimEmail leases the oldest message due for delivery for lease.
	// Returns ENOTFOUND when none is due.
	ClaimEmail(ctx context.Context, lease time.Duration) (*Email, error)

	// EmailSent records that a claimed message was delivered.
	EmailSent(ctx context.Context, id string) error

	// EmailFailed records a failed delivery; the message is due again at
	// retryAt.
	EmailFailed(ctx context.Context, id, reason string, retryAt time.Time) error
}
