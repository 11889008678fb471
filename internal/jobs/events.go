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
	runCounted(ctx, interval, log, p.PurgeEvents, "purge audit events", "purged audit events")
}
