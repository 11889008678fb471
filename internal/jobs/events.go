package jobs

import (
	"context"
	"log/slog"
	"time"
)

// EventPurger removes audit events older than the event retention period.
type EventPurger interface {
	PurgeEvents(ctx context.Context) (int64, error)
}

// RunEventPurge calls p.PurgeEvents every interval until ctx is done,
// logging what it removed and any error; an error does not stop the loop.
func RunEventPurge(ctx context.Context, p EventPurger, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := p.PurgeEvents(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.ErrorContext(ctx, "purge audit events", "error", err)
		case n > 0:
			log.InfoContext(ctx, "purged audit events", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
