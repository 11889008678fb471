// Package metrics holds tenantd's Prometheus metrics: one Metrics value per
// process, registered on its own registry (no global state), served in the
// Prometheus exposition format by Handler.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the counters, histograms and gauges tenantd exposes.
type Metrics struct {
	reg           *prometheus.Registry
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	tokensIssued  prometheus.Counter
	tokensRefused prometheus.Counter
	jobRuns       *prometheus.CounterVec
	jobFailures   *prometheus.CounterVec
	jobSuccess    *prometheus.GaugeVec
	storeCalls    *prometheus.HistogramVec
	rateLimited   *prometheus.CounterVec
}

// New makes the metrics, with the Go runtime's and the process's.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantd_http_requests_total",
			Help: "HTTP requests answered, by operation (method and route template) and status.",
		}, []string{"operation", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tenantd_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by operation.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation"}),
		tokensIssued: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tenantd_tokens_issued_total",
			Help: "Access tokens issued by the token endpoint.",
		}),
		tokensRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tenantd_tokens_refused_total",
			Help: "Bearer tokens refused by authentication (bad signature, issuer, expired, revoked, principal gone).",
		}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantd_job_runs_total",
			Help: "Runs of background jobs, by job.",
		}, []string{"job"}),
		jobFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantd_job_failures_total",
			Help: "Runs of background jobs that failed, by job.",
		}, []string{"job"}),
		jobSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "tenantd_job_last_success_timestamp_seconds",
			Help: "When each background job last ran without failing, in seconds since the Unix epoch.",
		}, []string{"job"}),
		storeCalls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tenantd_store_call_duration_seconds",
			Help:    "Time of store transactions, by store method and kind (read or write).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"call", "kind"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantd_rate_limited_total",
			Help: "Requests refused with 429, by kind: principal or address (rate limits), signin (sign-in throttling).",
		}, []string{"kind"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.tokensIssued, m.tokensRefused, m.jobRuns, m.jobFailures, m.jobSuccess, m.storeCalls, m.rateLimited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request counts an answered request. operation is a route template
// ("GET /api/2/tenants/{tenant_id}"), never a path with ids in it.
func (m *Metrics) Request(operation string, status int, d time.Duration) {
	m.requests.WithLabelValues(operation, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(operation).Observe(d.Seconds())
}

// TokenIssued counts an access token issued.
func (m *Metrics) TokenIssued() { m.tokensIssued.Inc() }

// RateLimited counts a request refused with 429, by kind.
func (m *Metrics) RateLimited(kind string) { m.rateLimited.WithLabelValues(kind).Inc() }

// TokenRefused counts a bearer token refused.
func (m *Metrics) TokenRefused() { m.tokensRefused.Inc() }

// JobRun counts a run of a background job, and its failure when err is not
// nil, or else the time of its success. A job's failure count is exposed,
// at zero, from its first run on, so that a rate of failures has a series
// before the first one.
func (m *Metrics) JobRun(job string, err error) {
	m.jobRuns.WithLabelValues(job).Inc()
	failures := m.jobFailures.WithLabelValues(job)
	if err != nil {
		failures.Inc()
		return
	}
	m.jobSuccess.WithLabelValues(job).SetToCurrentTime()
}

// DBPools exposes the connection pool statistics (sql.DBStats) of each
// named pool, as go_sql_* metrics labelled db_name.
func (m *Metrics) DBPools(pools map[string]*sql.DB) {
	for name, db := range pools {
		m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
	}
}

// OutboxDepth exposes the number of e-mails waiting for delivery, read by
// depth at every scrape.
func (m *Metrics) OutboxDepth(depth func(context.Context) (int64, error)) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tenantd_outbox_depth",
		Help: "E-mails queued and not yet delivered (-1 when the store does not answer).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := depth(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	}))
}

// StoreCall times a store transaction; see sqlstore.Observer.
func (m *Metrics) StoreCall(ctx context.Context, call string, write bool) (context.Context, func(error)) {
	kind := "read"
	if write {
		kind = "write"
	}
	start := time.Now()
	return ctx, func(error) { m.storeCalls.WithLabelValues(call, kind).Observe(time.Since(start).Seconds()) }
}
