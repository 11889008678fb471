// Package devmode holds what tenantd dev adds to a server: a clock that
// only moves forward when told to, and the fixture tree it seeds a fresh
// store with.
package devmode

import (
	"fmt"
	"sync"
	"time"

	"github.com/tenantd/tenantd"
)

// Clock is the real clock shifted by an offset that only grows. Its zero
// value is not usable: make one with NewClock.
type Clock struct {
	real func() time.Time

	mu     sync.Mutex
	offset time.Duration
}

// NewClock returns a clock that follows real (time.Now when nil) until it
// is moved.
func NewClock(real func() time.Time) *Clock {
	if real == nil {
		real = time.Now
	}
	return &Clock{real: real}
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.real().Add(c.offset)
}

// MaxAdvance bounds one move of the clock: a hundred years.
const MaxAdvance = 100 * 365 * 24 * time.Hour

// Advance moves the clock forward by d and returns the new time. A
// negative d, or one over MaxAdvance, is EINVALID.
func (c *Clock) Advance(d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, tenantd.Errorf(tenantd.EINVALID, "advance must not be negative: the clock only moves forward")
	}
	if d > MaxAdvance {
		return time.Time{}, tenantd.Errorf(tenantd.EINVALID, "advance must be at most %s", MaxAdvance)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.offset+d > 2*MaxAdvance {
		return time.Time{}, tenantd.Errorf(tenantd.EINVALID, "the clock cannot move more than %s ahead of the real time", 2*MaxAdvance)
	}
	c.offset += d
	return c.real().Add(c.offset), nil
}

// Set moves the clock forward to t and returns the new time. A t before
// the clock's current time is EINVALID.
func (c *Clock) Set(t time.Time) (time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	real := c.real()
	now := real.Add(c.offset)
	if t.Before(now) {
		return time.Time{}, tenantd.Errorf(tenantd.EINVALID, "%s is before the clock's current time %s: the clock only moves forward",
			t.UTC().Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339Nano))
	}
	offset := t.Sub(real)
	if offset > 2*MaxAdvance {
		return time.Time{}, tenantd.Errorf(tenantd.EINVALID, "the clock cannot move more than %s ahead of the real time", 2*MaxAdvance)
	}
	c.offset = offset
	return t, nil
}

// Reset puts the clock back on the real time.
func (c *Clock) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = 0
}

// String describes the clock for logs.
func (c *Clock) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("real time + %s", c.offset)
}
