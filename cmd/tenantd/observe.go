package main

import (
	"context"
	"errors"
	"time"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/jobs"
	"github.com/tenantd/tenantd/internal/metrics"
)

// The background jobs' stores, counting each run and failure.

type observedPurger struct {
	jobs.Purger
	m *metrics.Metrics
}

func (o observedPurger) PurgeDeleted(ctx context.Context) (int64, error) {
	n, err := o.Purger.PurgeDeleted(ctx)
	o.m.JobRun("purge", err)
	return n, err
}

type observedTrials struct {
	jobs.TrialExpiry
	m *metrics.Metrics
}

func (o observedTrials) SwitchDueToProduction(ctx context.Context) (int, error) {
	n, err := o.TrialExpiry.SwitchDueToProduction(ctx)
	o.m.JobRun("trial_expiry", err)
	return n, err
}

type observedReports struct {
	jobs.ReportRunner
	m *metrics.Metrics
}

func (o observedReports) RunDueReports(ctx context.Context) (int, error) {
	n, err := o.ReportRunner.RunDueReports(ctx)
	o.m.JobRun("reports", err)
	return n, err
}

// observedOutbox counts each delivery attempt as a run of the outbox job:
// a failed delivery, or a failure to claim, is a failure.
type observedOutbox struct {
	tenantd.Outbox
	m *metrics.Metrics
}

func (o observedOutbox) ClaimEmail(ctx context.Context, lease time.Duration) (*tenantd.Email, error) {
	e, err := o.Outbox.ClaimEmail(ctx, lease)
	if err != nil && tenantd.ErrorKind(err) != tenantd.ENOTFOUND && ctx.Err() == nil {
		o.m.JobRun("outbox", err)
	}
	return e, err
}

func (o observedOutbox) EmailSent(ctx context.Context, id string) error {
	err := o.Outbox.EmailSent(ctx, id)
	o.m.JobRun("outbox", err)
	return err
}

func (o observedOutbox) EmailFailed(ctx context.Context, id, reason string, retryAt time.Time) error {
	err := o.Outbox.EmailFailed(ctx, id, reason, retryAt)
	o.m.JobRun("outbox", errDeliveryFailed)
	return err
}

// errDeliveryFailed marks a failed delivery as a failed run.
var errDeliveryFailed = errors.New("delivery failed")
