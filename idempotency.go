package tenantd

import (
	"context"
	"time"
)

// MaxIdempotencyKey is the longest Idempotency-Key a request may send.
const MaxIdempotencyKey = 255

// IdempotencyTTL is how long a write's response is kept for its
// Idempotency-Key: a retry within it gets the first response again.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyLock is how long a key stays claimed by a request that never
// completed (its instance stopped mid-request); after it another request
// with the key runs the write.
const IdempotencyLock = time.Minute

// Code of the error for an Idempotency-Key reused with another request.
const CodeIdempotencyMismatch = "IdempotencyKeyReused"

// Code of the error for an Idempotency-Key whose first request is running.
const CodeIdempotencyInProgress = "IdempotencyKeyInProgress"

// IdempotentResponse is the response a write answered under an
// Idempotency-Key, to answer its retries with.
type IdempotentResponse struct {
	Status int
	Header map[string]string
	Body   []byte
}

// IdempotencyService keeps the responses of writes by Idempotency-Key, per
// principal, in the store, so that every instance on it sees them.
type IdempotencyService interface {
	// BeginIdempotent claims key for principal and a request whose
	// fingerprint (method, path and body) is given, until it completes or
	// IdempotencyLock passes. It returns nil when the request is to run,
	// the stored response when the key's request completed, an
	// EINVALID error coded CodeIdempotencyMismatch when the key was used
	// with another request, and an ECONFLICT error coded
	// CodeIdempotencyInProgress while the key's first request is running.
	BeginIdempotent(ctx context.Context, principal, key, fingerprint string) (*IdempotentResponse, error)
	// CompleteIdempotent stores the response of the key's request for
	// IdempotencyTTL.
	CompleteIdempotent(ctx context.Context, principal, key string, resp IdempotentResponse) error
	// ReleaseIdempotent forgets a key whose request failed, so that a retry
	// runs it again.
	ReleaseIdempotent(ctx context.Context, principal, key string) error
}
