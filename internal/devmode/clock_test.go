package devmode

import (
	"testing"
	"time"

	"github.com/tenantd/tenantd"
)

func TestClockMovesOnlyForward(t *testing.T) {
	real := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	c := NewClock(func() time.Time { return real })
	if got := c.Now(); !got.Equal(real) {
		t.Fatalf("Now() = %s, want the real time %s", got, real)
	}
	now, err := c.Advance(744 * time.Hour)
	if err != nil || !now.Equal(real.Add(744*time.Hour)) || !c.Now().Equal(now) {
		t.Fatalf("Advance(744h) = %s, %v; Now() = %s", now, err, c.Now())
	}
	if _, err := c.Advance(-time.Second); tenantd.ErrorKind(err) != tenantd.EINVALID {
		t.Errorf("Advance(-1s) = %v, want EINVALID", err)
	}
	if _, err := c.Advance(MaxAdvance + 1); tenantd.ErrorKind(err) != tenantd.EINVALID {
		t.Errorf("Advance(over MaxAdvance) = %v, want EINVALID", err)
	}
	if _, err := c.Set(now.Add(-time.Nanosecond)); tenantd.ErrorKind(err) != tenantd.EINVALID {
		t.Errorf("Set(before now) = %v, want EINVALID", err)
	}
	target := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	if got, err := c.Set(target); err != nil || !got.Equal(target) || !c.Now().Equal(target) {
		t.Errorf("Set(%s) = %s, %v; Now() = %s", target, got, err, c.Now())
	}
	// The real time goes on under the offset.
	real = real.Add(time.Minute)
	if got := c.Now(); !got.Equal(target.Add(time.Minute)) {
		t.Errorf("a minute later Now() = %s, want %s", got, target.Add(time.Minute))
	}
	c.Reset()
	if got := c.Now(); !got.Equal(real) {
		t.Errorf("after Reset Now() = %s, want the real time %s", got, real)
	}
}
