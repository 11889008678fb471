package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantd/tenantd/internal/jobs"
)

type countingPurger struct {
	calls atomic.Int64
	fail  bool
}

func (p *countingPurger) PurgeDeleted(context.Context) (int64, error) {
	p.calls.Add(1)
	if p.fail {
		return 0, errors.New("store down")
	}
	return 1, nil
}

func TestRunPurgeRepeatsAndStops(t *testing.T) {
	for _, fail := range []bool{false, true} {
		p := &countingPurger{fail: fail}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			jobs.RunPurge(ctx, p, time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
			close(done)
		}()
		deadline := time.Now().Add(5 * time.Second)
		for p.calls.Load() < 3 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		cancel()
		<-done
		if got := p.calls.Load(); got < 3 {
			t.Errorf("fail=%v: PurgeDeleted called %d times, want at least 3 (errors must not stop the loop)", fail, got)
		}
	}
}
