// Package jobs runs tenantd's background work on a schedule: the purge of
// tenants deleted before the retention period and the delivery of queued
// e-mail. Each job is safe to run in
// several tenantd instances on one store at once.
//
// It depends only on the domain package, the standard library and the small
// interfaces below.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/tenantd/tenantd"
)

// Purger removes what was deleted before the retention period.
type Purger interface {
	PurgeDeleted(ctx context.Context) (int64, error)
}

// RunPurge calls p.PurgeDeleted every interval until ctx is done, logging
// what it removed and any error; an error does not stop the loop.
func RunPurge(ctx context.Context, p Purger, interval time.Duration, log *slog.Logger) {
	runCounted(ctx, interval, log, p.PurgeDeleted, "purge deleted tenants", "purged deleted tenants")
}

// runCounted calls run every interval until ctx is done, logging failed as
// the message of an error and done with the count of a run that did
// something; an error does not stop the loop.
func runCounted(ctx context.Context, interval time.Duration, log *slog.Logger, run func(context.Context) (int64, error), failed, done string) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := run(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.ErrorContext(ctx, failed, "error", err)
		case n > 0:
			log.InfoContext(ctx, done, "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// outboxLease is how long a claimed e-mail stays with the instance that
// claimed it; one that crashes mid-delivery leaves it to another after this.
const outboxLease = time.Minute

// RunOutbox delivers queued e-mail until ctx is done: it drains the outbox,
// then waits interval. A failed delivery is retried later, sooner at first
// (attempts² × 10 s, at most an hour).
func RunOutbox(ctx context.Context, o tenantd.Outbox, m tenantd.Mailer, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for ctx.Err() == nil {
			e, err := o.ClaimEmail(ctx, outboxLease)
			if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
				break
			}
			if err != nil {
				if ctx.Err() == nil {
					log.ErrorContext(ctx, "claim e-mail", "error", err)
				}
				break
			}
			deliver(ctx, o, m, e, log)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func deliver(ctx context.Context, o tenantd.Outbox, m tenantd.Mailer, e *tenantd.Email, log *slog.Logger) {
	sendCtx, cancel := context.WithTimeout(ctx, outboxLease/2)
	err := m.Send(sendCtx, e)
	cancel()
	if err != nil {
		retry := time.Duration(e.Attempts*e.Attempts) * 10 * time.Second
		retry = min(retry, time.Hour)
		log.WarnContext(ctx, "e-mail delivery failed", "id", e.ID, "to", e.To, "attempt", e.Attempts, "retry_in", retry, "error", err)
		if err := o.EmailFailed(ctx, e.ID, err.Error(), time.Now().Add(retry)); err != nil {
			log.ErrorContext(ctx, "record failed e-mail", "id", e.ID, "error", err)
		}
		return
	}
	if err := o.EmailSent(ctx, e.ID); err != nil {
		log.ErrorContext(ctx, "record sent e-mail", "id", e.ID, "error", err)
		return
	}
	log.InfoContext(ctx, "e-mail sent", "id", e.ID, "to", e.To, "subject", e.Subject)
}

// TrialExpiry switches tenants whose trial has ended to production.
type TrialExpiry interface {
	SwitchDueToProduction(ctx context.Context) (int, error)
}

// RunTrialExpiry switches due tenants every interval until ctx is done.
func RunTrialExpiry(ctx context.Context, p TrialExpiry, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := p.SwitchDueToProduction(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.ErrorContext(ctx, "switch tenants to production", "error", err)
		case n > 0:
			log.InfoContext(ctx, "switched tenants to production at the end of their trial", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ReportRunner makes the report runs that are due.
type ReportRunner interface {
	RunDueReports(ctx context.Context) (int, error)
}

// RunReports makes due report runs every interval until ctx is done: one-off
// reports soon after they are created, monthly ones on the first of each
// month.
func RunReports(ctx context.Context, r ReportRunner, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := r.RunDueReports(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.ErrorContext(ctx, "run due reports", "error", err)
		case n > 0:
			log.InfoContext(ctx, "ran reports", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
