package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/auth"
	"github.com/tenantd/tenantd/internal/devmode"
	"github.com/tenantd/tenantd/internal/httpapi"
	"github.com/tenantd/tenantd/internal/jobs"
	"github.com/tenantd/tenantd/internal/mail"
	"github.com/tenantd/tenantd/internal/sqlstore"
)

// devConfig is the configuration of tenantd dev.
type devConfig struct {
	log          logConfig
	addr         string
	dir          string
	jobsInterval time.Duration
}

func (a *app) newDevCmd() *cobra.Command {
	var cfg devConfig
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run a throw-away server with a fixture tree and a clock you can move",
		Long: `Run a throw-away tenantd for development and tests: a fresh SQLite store in a
temporary directory, removed when tenantd dev stops (SIGINT or SIGTERM), seeded
with a fixture tree:

  root                          (a root API client)
  └── partner "Dev Partner"     (trial; an API client; branding on, Buy URL set; user partner-admin)
      ├── customer "Dev Trial Customer"       (trial; user trial-buyer, an administrator and a buyer)
      └── customer "Dev Production Customer"  (production; user prod-admin)

Once it listens it prints one line of JSON on stdout: base_url, the root's and
the partner's tenant_id, client_id and client_secret, the customers' ids, the
Buy URL and each user's id, tenant_id, login, password, role and business_types.

Two routes exist only here, for API clients of the root tenant:

  POST /api/2/dev/clock  {"advance": "744h"} or {"set": "2027-01-01T00:00:00Z"}
      moves the store's clock forward (never back), does the background work
      that became due before answering (trials that ended switch to production,
      scheduled reports run, deleted tenants past retention and old events are
      purged) and answers {"now": "..."}. An empty body reads the clock.
  POST /api/2/dev/reset
      returns the store to the fixture (same ids and secrets) and the clock to
      the real time; answers {"now": "..."}.

Tokens are issued and checked on the real time, so a token stays valid when
the clock moves.`,
		Example: `  tenantd dev > dev.json
  tenantd dev --addr 127.0.0.1:8080 --log-level warn`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.dev(cmd.Context(), cfg)
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	cfg.log.register(fs)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:0", "address to listen on (port 0 picks a free one; base_url in the output tells which)")
	fs.StringVar(&cfg.dir, "dir", "", "where to make the temporary store's directory (default /dev/shm when it exists, in memory, else the system's temporary directory)")
	fs.DurationVar(&cfg.jobsInterval, "jobs-interval", time.Second, "how often background work runs between clock moves (one-off reports, e-mail)")
	return cmd
}

// devServer is a running tenantd dev: the current instance (its store and
// handler), replaced whole by a reset.
type devServer struct {
	log          *slog.Logger
	clock        *devmode.Clock
	dir          string
	fixture      string // path of the store as seeded
	publicURL    string
	jobsInterval time.Duration

	mu        sync.Mutex // serialises clock moves and resets
	cur       atomic.Pointer[devInstance]
	instances []*devInstance // every instance made, closed at exit
}

// devInstance is one store and the API over it.
type devInstance struct {
	db       *sqlstore.DB
	handler  http.Handler
	stopJobs context.CancelFunc
	jobs     sync.WaitGroup
}

func (a *app) dev(ctx context.Context, cfg devConfig) (err error) {
	start := time.Now()
	log, err := cfg.log.logger(a.stderr)
	if err != nil {
		return err
	}
	if cfg.jobsInterval <= 0 {
		return &usageError{errors.New("--jobs-interval must be positive")}
	}
	parent := cfg.dir
	if parent == "" {
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			parent = "/dev/shm"
		}
	}
	dir, err := os.MkdirTemp(parent, "tenantd-dev-")
	if err != nil {
		return fmt.Errorf("make the temporary directory: %w", err)
	}
	defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	d := &devServer{log: log, clock: devmode.NewClock(nil), dir: dir, fixture: filepath.Join(dir, "fixture.db"),
		publicURL: "http://" + ln.Addr().String(), jobsInterval: cfg.jobsInterval}
	defer d.close()

	inst, err := d.open(ctx, filepath.Join(dir, "store-0.db"))
	if err != nil {
		return err
	}
	root, err := inst.db.EnsureRoot(ctx)
	if err != nil {
		return fmt.Errorf("create root tenant: %w", err)
	}
	fx, err := devmode.Seed(ctx, inst.db, root)
	if err != nil {
		return fmt.Errorf("seed the fixture: %w", err)
	}
	fx.BaseURL = d.publicURL + httpapi.BasePath
	if err := inst.db.Backup(ctx, d.fixture); err != nil {
		return fmt.Errorf("keep the fixture: %w", err)
	}
	d.cur.Store(inst)
	d.startJobs(inst)

	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { d.cur.Load().handler.ServeHTTP(w, r) }),
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	if err := json.NewEncoder(a.stdout).Encode(fx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("print the fixture: %w", err)
	}
	log.Info("listening", "addr", ln.Addr().String(), "store", dir, "mode", "dev", "startup", time.Since(start))
	select {
	case err = <-serveErr:
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = srv.Shutdown(shutdownCtx)
		cancel()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// open opens (and migrates) the SQLite store at path and builds the API
// over it, on the dev clock.
func (d *devServer) open(ctx context.Context, path string) (*devInstance, error) {
	db, err := openStore(ctx, path)
	if err != nil {
		return nil, err
	}
	inst := &devInstance{db: db, stopJobs: func() {}}
	d.instances = append(d.instances, inst)
	db.Now = d.clock.Now
	// The store goes when tenantd dev ends: its password hashes need not
	// resist a stolen copy, and at the full cost they would be most of the
	// start-up.
	cost := auth.ThrowawayHashCost()
	db.PasswordHashCost = &cost
	issuer, err := db.Issuer(ctx, "", d.publicURL)
	if err != nil {
		return nil, fmt.Errorf("token issuer: %w", err)
	}
	// EdDSA: an Ed25519 key is made in microseconds, an RSA one in a good
	// part of the start-up budget.
	keys, err := db.SigningKeys(ctx, auth.EdDSA, func() (*tenantd.SigningKey, error) {
		return auth.GenerateKey(auth.EdDSA, time.Now())
	})
	if err != nil {
		return nil, fmt.Errorf("load signing keys: %w", err)
	}
	signer, err := auth.NewSigner(issuer, keys)
	if err != nil {
		return nil, fmt.Errorf("load signing keys: %w", err)
	}
	api := &httpapi.Server{
		Tenants: db, Clients: db, Users: db, SignIn: db, Auth: db, Store: db, Signer: signer, Logger: d.log,
		PublicURL: d.publicURL, Catalog: db.Catalog(), Apps: db, Settings: db, Offerings: db, Pricing: db,
		Brands: db, Upsell: db, Usage: db, Events: db, Locations: db,
		Reports: db, DryRun: db, Registrations: db, Devices: db, DefaultIDP: db, MFA: db, Idempotency: db,
		Dev: d,
	}
	inst.handler = api.Handler()
	return inst, nil
}

// startJobs runs the background work of inst on the dev interval until its
// stopJobs is called.
func (d *devServer) startJobs(inst *devInstance) {
	ctx, cancel := context.WithCancel(context.Background())
	inst.stopJobs = cancel
	mailer := mail.Log{Logger: d.log}
	inst.jobs.Go(func() { jobs.RunPurge(ctx, inst.db, d.jobsInterval, d.log) })
	inst.jobs.Go(func() { jobs.RunEventPurge(ctx, inst.db, d.jobsInterval, d.log) })
	inst.jobs.Go(func() { jobs.RunOutbox(ctx, inst.db, mailer, d.jobsInterval, d.log) })
	inst.jobs.Go(func() { jobs.RunTrialExpiry(ctx, inst.db, d.jobsInterval, d.log) })
	inst.jobs.Go(func() { jobs.RunReports(ctx, inst.db, d.jobsInterval, d.log) })
}

// close stops every instance's jobs and closes its store.
func (d *devServer) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, inst := range d.instances {
		inst.stopJobs()
		inst.jobs.Wait()
		_ = inst.db.Close()
	}
}

// AdvanceClock moves the clock forward by dur; see httpapi.DevService.
func (d *devServer) AdvanceClock(ctx context.Context, dur time.Duration) (time.Time, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now, err := d.clock.Advance(dur)
	if err != nil {
		return time.Time{}, err
	}
	if dur > 0 {
		d.log.InfoContext(ctx, "clock advanced", "by", dur, "now", now)
	}
	return now, d.runDue(ctx)
}

// SetClock moves the clock forward to t; see httpapi.DevService.
func (d *devServer) SetClock(ctx context.Context, t time.Time) (time.Time, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now, err := d.clock.Set(t)
	if err != nil {
		return time.Time{}, err
	}
	d.log.InfoContext(ctx, "clock set", "now", now)
	return now, d.runDue(ctx)
}

// runDue does at once the background work the clock's move made due.
func (d *devServer) runDue(ctx context.Context) error {
	db := d.cur.Load().db
	var errs []error
	if n, err := db.SwitchDueToProduction(ctx); err != nil {
		errs = append(errs, fmt.Errorf("switch tenants to production: %w", err))
	} else if n > 0 {
		d.log.InfoContext(ctx, "switched tenants to production at the end of their trial", "count", n)
	}
	if n, err := db.RunDueReports(ctx); err != nil {
		errs = append(errs, fmt.Errorf("run due reports: %w", err))
	} else if n > 0 {
		d.log.InfoContext(ctx, "ran reports", "count", n)
	}
	if n, err := db.PurgeDeleted(ctx); err != nil {
		errs = append(errs, fmt.Errorf("purge deleted tenants: %w", err))
	} else if n > 0 {
		d.log.InfoContext(ctx, "purged deleted tenants", "count", n)
	}
	if n, err := db.PurgeEvents(ctx); err != nil {
		errs = append(errs, fmt.Errorf("purge audit events: %w", err))
	} else if n > 0 {
		d.log.InfoContext(ctx, "purged audit events", "count", n)
	}
	return errors.Join(errs...)
}

// Reset returns the store to the fixture; see httpapi.DevService.
func (d *devServer) Reset(ctx context.Context) (time.Time, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	path := filepath.Join(d.dir, fmt.Sprintf("store-%d.db", len(d.instances)))
	if err := copyFile(d.fixture, path); err != nil {
		return time.Time{}, fmt.Errorf("copy the fixture: %w", err)
	}
	// The clock goes back with the store, whose times are all before now.
	d.clock.Reset()
	inst, err := d.open(ctx, path)
	if err != nil {
		return time.Time{}, err
	}
	d.startJobs(inst)
	old := d.cur.Swap(inst)
	// The old store stays open for the requests still on it; close closes
	// it at exit.
	old.stopJobs()
	d.log.InfoContext(ctx, "store reset to the fixture")
	return d.clock.Now(), nil
}
