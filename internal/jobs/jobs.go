// Package jobs runs tenantd's background work on a schedule: today the purge
// of tenants deleted before the retention period. Each job is safe to run in
// several tenantd instances on one store at once.
//
// It depends only on the standard library and the small interfaces below.
package jobs

import (
	"context"
	"log/slog"
	"time"
)

// Purger removes what was deleted before the retention period.
type Purger interface {
	PurgeDeleted(ctx context.Context) (int64, error)
}

// RunPurge calls p.PurgeDeleted every interval until ctx is done, logging
// what it removed and any error; an error does not stop the loop.
func RunPurge(ctx context.Context, p Purger, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := p.PurgeDeleted(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.ErrorContext(ctx, "purge deleted tenants", "error", err)
		case n > 0:
			log.InfoContext(ctx, "purged deleted tenants", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
