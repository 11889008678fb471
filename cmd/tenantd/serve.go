package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/auth"
	"github.com/tenantd/tenantd/internal/console"
	"github.com/tenantd/tenantd/internal/httpapi"
	"github.com/tenantd/tenantd/internal/jobs"
	"github.com/tenantd/tenantd/internal/mail"
	"github.com/tenantd/tenantd/internal/metrics"
	"github.com/tenantd/tenantd/internal/sqlstore"
	"github.com/tenantd/tenantd/internal/tracing"
)

func (a *app) newServeCmd() *cobra.Command {
	var cfg serveConfig
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the API server",
		Long: `Run the API server on the embedded SQLite store (--data) or on PostgreSQL (--db).
It applies the schema migrations first. SIGTERM stops it gracefully.`,
		Example: `  tenantd serve
  tenantd serve --addr :8080 --public-url https://accounts.example.com
  TENANTD_DB=postgres://tenantd:secret@127.0.0.1/tenantd tenantd serve`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{"go_flags": "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.serve(cmd.Context(), cfg)
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	cfg.store.register(fs)
	cfg.log.register(fs)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&cfg.publicURL, "public-url", "", "URL clients reach tenantd at (default http://ADDR)")
	fs.StringVar(&cfg.issuer, "issuer", "", "issuer of tokens, recorded in the store at its first start (default the store's, else the public URL); a different one later is refused")
	fs.StringVar(&cfg.tokenAlg, "token-alg", auth.RS256, "token signing algorithm: RS256 or EdDSA")
	fs.StringVar(&cfg.fieldValidation, "field-validation", string(httpapi.FieldsWarn), "what unknown fields in a request body do: warn (drop them, naming each in a Warning header), ignore (drop them) or strict (400)")
	fs.DurationVar(&cfg.retention, "retention", sqlstore.DefaultRetention, "how long deleted tenants can be restored")
	fs.DurationVar(&cfg.eventRetention, "event-retention", 0, "how long audit events are kept (0 keeps them for good); older ones are purged in small batches")
	fs.DurationVar(&cfg.purgeInterval, "purge-interval", time.Hour, "how often to purge tenants deleted before the retention period")
	fs.StringVar(&cfg.smtpURL, "smtp-url", "", "SMTP server for e-mail: smtp://[user:pass@]host[:port][?from=addr] or smtps://...; without it e-mail goes to the log")
	fs.DurationVar(&cfg.outboxInterval, "outbox-interval", 2*time.Second, "how often to look for e-mail to deliver")
	fs.DurationVar(&cfg.trialInterval, "trial-interval", time.Minute, "how often to switch tenants whose trial has ended to production")
	fs.DurationVar(&cfg.reportInterval, "report-interval", 5*time.Second, "how often to make the report runs that are due")
	fs.DurationVar(&cfg.clockOffset, "clock-offset", 0, "shift tenantd's clock by this much (for testing time-dependent behaviour)")
	fs.StringVar(&cfg.otlpEndpoint, "otlp-endpoint", "", "OTLP/HTTP collector to export traces to, such as http://collector:4318; tracing is off without it")
	fs.StringVar(&cfg.metricsAddr, "metrics-addr", "", `where to serve GET /metrics: "" on the main listener, "off" nowhere, or an address of its own`)
	fs.DurationVar(&cfg.drainDelay, "drain-delay", 10*time.Second, "on SIGTERM, how long at most to go on serving new requests while /readyz answers 503, so that a load balancer takes the instance out first; it ends sooner once no request has come for "+drainQuiet.String())
	fs.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", 30*time.Second, "how long in-flight requests may take to finish on shutdown")
	fs.DurationVar(&cfg.readHeaderTimeout, "read-header-timeout", 10*time.Second, "how long a connection may take to send a request's headers (also the first request of a new connection)")
	fs.DurationVar(&cfg.readTimeout, "read-timeout", 30*time.Second, "how long a client may take to send a whole request")
	fs.DurationVar(&cfg.writeTimeout, "write-timeout", 60*time.Second, "how long a response may take to be written")
	fs.DurationVar(&cfg.idleTimeout, "idle-timeout", 2*time.Minute, "how long an idle keep-alive connection stays open")
	fs.Float64Var(&cfg.rateLimit.Rate, "rate-limit", 10000, "requests a second each API client or user may send, after a burst of --rate-burst; 0 turns the limit off")
	fs.IntVar(&cfg.rateLimit.Burst, "rate-burst", 20000, "requests each API client or user may send at once")
	fs.Float64Var(&cfg.rateLimit.AddressRate, "address-rate-limit", 0, "requests a second each remote address may send, after a burst of --address-rate-burst; 0 (the default) turns the limit off")
	fs.IntVar(&cfg.rateLimit.AddressBurst, "address-rate-burst", 200, "requests each remote address may send at once")
	fs.StringSliceVar(&cfg.trustedProxies, "trusted-proxies", nil, "addresses or CIDR prefixes of proxies whose X-Forwarded-For names the remote address (for the address rate limit and sign-in throttling); without it the connection's peer is the remote address")
	bindEnv(cmd)
	return cmd
}

func (a *app) serve(ctx context.Context, cfg serveConfig) error {
	stderr := a.stderr
	if cfg.tokenAlg != auth.RS256 && cfg.tokenAlg != auth.EdDSA {
		return fmt.Errorf("--token-alg must be %s or %s", auth.RS256, auth.EdDSA)
	}
	fields, err := httpapi.ParseFieldValidation(cfg.fieldValidation)
	if err != nil {
		return fmt.Errorf("--field-validation: %w", err)
	}
	proxies, err := parsePrefixes(cfg.trustedProxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	if l := cfg.rateLimit; l.Rate < 0 || l.AddressRate < 0 || l.Burst < 1 || l.AddressBurst < 1 {
		return fmt.Errorf("--rate-limit and --address-rate-limit must not be negative, --rate-burst and --address-rate-burst at least 1")
	}
	log, err := cfg.log.logger(stderr)
	if err != nil {
		return err
	}
	dsn, err := cfg.store.dsn()
	if err != nil {
		return err
	}
	db, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	db.Retention = cfg.retention
	db.EventRetention = cfg.eventRetention
	if cfg.clockOffset != 0 {
		offset := cfg.clockOffset
		db.Now = func() time.Time { return time.Now().Add(offset) }
		log.Warn("the clock is shifted", "offset", offset)
	}
	if _, err := db.EnsureRoot(ctx); err != nil {
		return fmt.Errorf("create root tenant: %w", err)
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// The issuer is the store's, so that every instance on it accepts the
	// others' tokens: --issuer, else --public-url, else this instance's
	// address sets it at the first start; a different --issuer later is
	// refused.
	explicitPublicURL := cfg.publicURL
	if cfg.publicURL == "" {
		cfg.publicURL = "http://" + ln.Addr().String()
	}
	fallback := explicitPublicURL
	if fallback == "" {
		fallback = cfg.publicURL
	}
	issuer, err := db.Issuer(ctx, cfg.issuer, fallback)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("token issuer: %w", err)
	}
	if explicitPublicURL != "" && cfg.issuer == "" && issuer != explicitPublicURL {
		log.Info("the store's token issuer is not this instance's public URL", "issuer", issuer, "public_url", explicitPublicURL)
	}
	cfg.issuer = issuer
	keys, err := db.SigningKeys(ctx, cfg.tokenAlg, func() (*tenantd.SigningKey, error) {
		return auth.GenerateKey(cfg.tokenAlg, time.Now())
	})
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("load signing keys: %w", err)
	}
	signer, err := auth.NewSigner(cfg.issuer, keys)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("load signing keys: %w", err)
	}
	var mailer tenantd.Mailer = mail.Log{Logger: log}
	if cfg.smtpURL != "" {
		if mailer, err = mail.NewSMTP(cfg.smtpURL); err != nil {
			_ = ln.Close()
			return err
		}
	}
	api := &httpapi.Server{
		Tenants: db, Clients: db, Users: db, SignIn: db, Auth: db, Store: db, Signer: signer, Logger: log,
		PublicURL: cfg.publicURL, Catalog: db.Catalog(), Apps: db, Settings: db, Offerings: db, Pricing: db,
		Brands: db, Upsell: db, Usage: db, Events: db, Locations: db,
		Reports: db, DryRun: db, Registrations: db, Devices: db, DefaultIDP: db, MFA: db, Idempotency: db, FieldValidation: fields,
		RateLimit: cfg.rateLimit, TrustedProxies: proxies,
	}
	// Draining: from SIGTERM on, /readyz answers 503 and every answer
	// closes its connection, while requests are still served.
	var draining atomic.Bool
	api.Draining = draining.Load
	var handler http.Handler = console.Mount(api.Handler(), log)
	var metricsLn net.Listener
	switch cfg.metricsAddr {
	case "off":
	case "":
		api.Metrics = metrics.New()
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", api.Metrics.Handler())
		mux.Handle("/", handler)
		handler = mux
	default:
		api.Metrics = metrics.New()
		if metricsLn, err = net.Listen("tcp", cfg.metricsAddr); err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen for metrics: %w", err)
		}
	}
	var observers sqlstore.Observers
	if api.Metrics != nil {
		observers = append(observers, api.Metrics)
	}
	if cfg.otlpEndpoint != "" {
		// The exporter reports failures through OpenTelemetry's one
		// process-wide handler: into this process's log.
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { log.Warn("tracing", "error", err) }))
		tr, err := tracing.New(ctx, cfg.otlpEndpoint, moduleVersion())
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("--otlp-endpoint: %w", err)
		}
		defer func() {
			flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := tr.Shutdown(flushCtx); err != nil {
				log.Warn("export the last traces", "error", err)
			}
		}()
		api.Tracing = tr
		observers = append(observers, tr)
		log.Info("tracing", "otlp_endpoint", cfg.otlpEndpoint)
	}
	if len(observers) > 0 {
		db.Observer = observers
	}
	var purger jobs.Purger = db
	var trials jobs.TrialExpiry = db
	var reports jobs.ReportRunner = db
	var outbox tenantd.Outbox = db
	if m := api.Metrics; m != nil {
		m.DBPools(db.Pools())
		m.OutboxDepth(db.OutboxDepth)
		purger, trials, reports, outbox = observedPurger{db, m}, observedTrials{db, m}, observedReports{db, m}, observedOutbox{db, m}
	}
	activity := &lastRequest{}
	srv := &http.Server{
		Handler:           activity.track(handler, draining.Load),
		ReadHeaderTimeout: cfg.readHeaderTimeout,
		ReadTimeout:       cfg.readTimeout,
		WriteTimeout:      cfg.writeTimeout,
		IdleTimeout:       cfg.idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}

	jobCtx, stopJobs := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { jobs.RunPurge(jobCtx, purger, cfg.purgeInterval, log) })
	wg.Go(func() { jobs.RunEventPurge(jobCtx, db, cfg.purgeInterval, log) })
	wg.Go(func() { jobs.RunOutbox(jobCtx, outbox, mailer, cfg.outboxInterval, log) })
	wg.Go(func() { jobs.RunTrialExpiry(jobCtx, trials, cfg.trialInterval, log) })
	wg.Go(func() { jobs.RunReports(jobCtx, reports, cfg.reportInterval, log) })

	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()
	var metricsSrv *http.Server
	if metricsLn != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", api.Metrics.Handler())
		metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: cfg.readHeaderTimeout, ReadTimeout: cfg.readTimeout,
			IdleTimeout: cfg.idleTimeout, ErrorLog: srv.ErrorLog}
		go func() { serveErr <- metricsSrv.Serve(metricsLn) }()
		log.Info("metrics listening", "addr", metricsLn.Addr().String())
	}
	log.Info("listening", "addr", ln.Addr().String(), "store", db.Dialect(), "public_url", cfg.publicURL, "issuer", cfg.issuer)

	select {
	case err = <-serveErr:
	case <-ctx.Done():
		draining.Store(true)
		log.Info("draining", "delay", cfg.drainDelay)
		activity.waitQuiet(cfg.drainDelay)
		log.Info("shutting down", "timeout", cfg.shutdownTimeout)
		shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
		err = srv.Shutdown(shutdownCtx)
		if metricsSrv != nil {
			_ = metricsSrv.Shutdown(shutdownCtx)
		}
		cancel()
	}
	stopJobs()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// drainQuiet is how long without a request ends the drain before
// --drain-delay: the load balancer has taken the instance out (or there is
// none).
const drainQuiet = 500 * time.Millisecond

// lastRequest records when the last request other than a probe arrived.
type lastRequest struct {
	at atomic.Int64 // Unix nanoseconds
}

// track records the arrival of every request but the health and
// readiness probes, then serves it with next. While draining, every answer
// closes its connection: a proxy's kept-alive connections end after an
// answer, never under a request it is sending (as closing idle connections
// at once would risk).
func (l *lastRequest) track(next http.Handler, draining func() bool) http.Handler {
	l.at.Store(time.Now().UnixNano())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" && r.URL.Path != "/healthz" {
			l.at.Store(time.Now().UnixNano())
		}
		if draining() {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// waitQuiet returns once no request has arrived for drainQuiet, or after
// limit, whichever comes first.
func (l *lastRequest) waitQuiet(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for {
		now := time.Now()
		quietAt := time.Unix(0, l.at.Load()).Add(drainQuiet)
		if !now.Before(quietAt) || !now.Before(deadline) {
			return
		}
		time.Sleep(min(quietAt.Sub(now), deadline.Sub(now)))
	}
}

// openStore opens and migrates the store.
func openStore(ctx context.Context, dsn string) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := db.Migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("migrate store: %w", err)
	}
	return db, nil
}

// parsePrefixes reads addresses and CIDR prefixes.
func parsePrefixes(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR prefix", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
