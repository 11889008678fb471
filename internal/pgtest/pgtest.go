// Package pgtest starts ephemeral PostgreSQL servers for tenantd's tests.
//
// Start initialises a throw-away cluster in a temporary directory, runs the
// server on a free loopback port with durability turned off, and Stop shuts
// it down and removes the directory. The server binaries are found through
// pg_config --bindir, or else in the newest /usr/lib/postgresql/*/bin. When
// the process runs as root, which initdb refuses, the server runs as the
// "postgres" system user. When the environment variable
// TENANTD_TEST_POSTGRES holds the postgres:// URL of an existing server,
// connecting as a superuser, that server is used instead and nothing is
// started.
//
// StartPair starts a primary and a synchronous streaming standby, for tests
// of a failover: Cluster.Kill ends a server as the loss of its machine
// would, and Cluster.Promote makes the standby the primary.
//
// Test packages normally use the package-level helpers: Main, called from
// TestMain, and NewDatabase, which hands each test a fresh database on a
// cluster shared by the whole test binary, and NewDatabaseFrom, which hands
// each test a copy of a template database built once per binary (a migrated
// schema, a fixture), much faster than building it again. That shared cluster is
// package-level state, acceptable in a test-support package: it is guarded by
// a mutex, started on first use and stopped by Main.
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// envURL names the environment variable that selects an existing server.
const envURL = "TENANTD_TEST_POSTGRES"

const (
	startAttempts      = 3                // tries with a new port when the port was taken
	startTimeout       = 2 * time.Minute  // startup bound used when ctx has no deadline
	stopTimeout        = 30 * time.Second // fast shutdown grace before harder signals
	sharedStartTimeout = 3 * time.Minute  // startup bound of the shared cluster
)

// Cluster is a PostgreSQL server for tests.
type Cluster struct {
	adminURL string

	// Set for a server started by Start; zero for an external server.
	dir     string        // temporary directory: data, socket and log
	logPath string        // server log
	proc    *os.Process   // the postmaster
	exited  chan struct{} // closed when the postmaster has exited
	// What Restart needs to start the server again as it was.
	bin, data string
	port      int
	attr      *syscall.SysProcAttr
	durable   bool     // acknowledged commits survive a crash of the server
	settings  []string // further -c name=value settings of the server

	mu      sync.Mutex
	created []string // databases created on an external server
	stopped bool
}

// Start starts a PostgreSQL server in a new temporary directory, or, when the
// environment variable TENANTD_TEST_POSTGRES is set, checks that the server it
// names is reachable and uses that. ctx bounds the startup only; the server
// runs until Stop.
func Start(ctx context.Context) (*Cluster, error) {
	return startCluster(ctx, false)
}

// StartDurable is Start for tests that crash the server: it always starts a
// server of its own, whose acknowledged commits survive Crash (the
// write-ahead log is written before a commit is acknowledged; it is still
// not synced to disk, which only an operating-system crash would need).
func StartDurable(ctx context.Context) (*Cluster, error) {
	return startCluster(ctx, true)
}

func startCluster(ctx context.Context, durable bool) (*Cluster, error) {
	if raw := os.Getenv(envURL); raw != "" && !durable {
		return external(ctx, raw)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, startTimeout)
		defer cancel()
	}
	bin, err := binDir()
	if err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	owner, err := serverAccount()
	if err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	c, err := start(ctx, bin, dir, owner, durable, nil)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("start postgres: %w", err), removeDir(dir))
	}
	return c, nil
}

// external returns a Cluster for the existing server at raw.
func external(ctx context.Context, raw string) (*Cluster, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("use %s: not a postgres:// URL", envURL)
	}
	conn, err := pgx.Connect(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("use %s: %w", envURL, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := conn.Ping(ctx); err != nil {
		return nil, fmt.Errorf("use %s: %w", envURL, err)
	}
	return &Cluster{adminURL: raw}, nil
}

// start initialises a cluster in dir and starts its server with the further
// settings (name=value).
func start(ctx context.Context, bin, dir string, owner *account, durable bool, settings []string) (*Cluster, error) {
	attr, err := procAttr(owner)
	if err != nil {
		return nil, err
	}
	if owner != nil {
		if err := os.Chown(dir, int(owner.uid), int(owner.gid)); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
		"-D", data, "-U", "postgres", "--auth=trust", "--no-sync",
		"-E", "UTF8", "--locale=C")
	initdb.Dir = dir
	initdb.SysProcAttr = attr
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, tail(out))
	}

	c := &Cluster{dir: dir, logPath: filepath.Join(dir, "postgres.log"), bin: bin, data: data, attr: attr, durable: durable, settings: settings}
	if err := c.listen(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// listen starts the server of c on a free port, trying another port when the
// one it picked was taken meanwhile, and sets c's port and admin URL.
func (c *Cluster) listen(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		err = c.run(ctx, c.bin, c.data, port, c.attr)
		if err == nil {
			c.port = port
			c.adminURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
			return nil
		}
		if !errors.Is(err, errPortInUse) || attempt == startAttempts {
			return err
		}
	}
}

// errPortInUse reports that the server exited because its port was taken.
var errPortInUse = errors.New("port in use")

// run starts the postmaster on port and waits until it accepts connections.
// On failure the postmaster is no longer running.
func (c *Cluster) run(ctx context.Context, bin, data string, port int, attr *syscall.SysProcAttr) error {
	logFile, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()

	args := []string{
		"-D", data,
		"-p", strconv.Itoa(port),
		"-k", socketDir(c.dir),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off",
		"-c", "full_page_writes=off",
		"-c", "max_connections=200",
	}
	if !c.durable {
		args = append(args, "-c", "synchronous_commit=off")
	}
	for _, kv := range c.settings {
		args = append(args, "-c", kv)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C") // untranslated log, for the port check below
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = attr

	// The postmaster is started and waited for on one locked OS thread, so
	// that the parent-death signal set on Linux fires when this process dies
	// and not when an unrelated thread exits (https://go.dev/issue/27505).
	started := make(chan error, 1)
	exited := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait() // the exit status of a stopped server carries no news
		close(exited)
	}()
	if err := <-started; err != nil {
		return err
	}
	c.proc, c.exited = cmd.Process, exited

	dsn := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=5", port)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := ping(ctx, dsn); err == nil {
			return nil
		}
		select {
		case <-exited:
			log := c.logTail()
			if strings.Contains(log, "Address already in use") {
				return fmt.Errorf("%w: %d", errPortInUse, port)
			}
			return fmt.Errorf("server exited during startup\n%s", log)
		case <-ctx.Done():
			return errors.Join(fmt.Errorf("server not ready: %w\n%s", ctx.Err(), c.logTail()), c.halt())
		case <-tick.C:
		}
	}
}

// ping connects to dsn once.
func ping(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// Stop stops the server and removes its directory. For an external server it
// drops the databases that CreateDatabase made instead. Calling Stop again
// does nothing.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	c.stopped = true
	if c.proc == nil {
		return c.dropCreated()
	}
	if err := c.halt(); err != nil {
		return fmt.Errorf("stop postgres: %w", err)
	}
	if err := removeDir(c.dir); err != nil {
		return fmt.Errorf("stop postgres: %w", err)
	}
	return nil
}

// Crash stops the server the way a crash would: pg_ctl stop -m immediate,
// which ends every server process at once, without a checkpoint; the next
// start recovers from the write-ahead log. It is for servers Start or
// StartDurable started.
func (c *Cluster) Crash() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc == nil || c.stopped {
		return errors.New("crash postgres: not a server this package started")
	}
	cmd := exec.Command(filepath.Join(c.bin, "pg_ctl"), "stop", "-D", c.data, "-m", "immediate", "-w")
	cmd.Dir = c.dir
	cmd.SysProcAttr = c.attr
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("crash postgres: pg_ctl stop -m immediate: %w\n%s", err, tail(out))
	}
	select {
	case <-c.exited:
		return nil
	case <-time.After(stopTimeout):
		return fmt.Errorf("crash postgres: postmaster %d did not exit", c.proc.Pid)
	}
}

// Restart starts the server again after Crash, on the same port and data.
func (c *Cluster) Restart(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc == nil || c.stopped {
		return errors.New("restart postgres: not a server this package started")
	}
	select {
	case <-c.exited:
	default:
		return errors.New("restart postgres: the server is running")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, startTimeout)
		defer cancel()
	}
	if err := c.run(ctx, c.bin, c.data, c.port, c.attr); err != nil {
		return fmt.Errorf("restart postgres: %w", err)
	}
	return nil
}

// halt shuts the postmaster down: fast shutdown first, then immediate
// shutdown, then SIGKILL, each after a grace period.
func (c *Cluster) halt() error {
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGQUIT} {
		if err := c.proc.Signal(sig); err != nil {
			break // already gone, or no such signal here
		}
		select {
		case <-c.exited:
			return nil
		case <-time.After(stopTimeout):
		}
	}
	if err := c.proc.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-c.exited:
		return nil
	case <-time.After(stopTimeout):
		return fmt.Errorf("postmaster %d did not exit", c.proc.Pid)
	}
}

// dropCreated drops the databases created on an external server.
func (c *Cluster) dropCreated() error {
	if len(c.created) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.adminURL)
	if err != nil {
		return fmt.Errorf("drop test databases: %w", err)
	}
	defer conn.Close(ctx)
	var errs []error
	for _, name := range c.created {
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			errs = append(errs, fmt.Errorf("drop database %s: %w", name, err))
		}
	}
	c.created = nil
	return errors.Join(errs...)
}

// AdminURL is a postgres:// URL of the server's "postgres" database as superuser.
// For an external server it is the value of TENANTD_TEST_POSTGRES.
func (c *Cluster) AdminURL() string {
	return c.adminURL
}

// CreateDatabase creates a new, empty database with a unique name and returns its postgres:// URL (sslmode=disable, host 127.0.0.1).
// The database is a copy of template0. On an external server the URL keeps
// the host, user and parameters of TENANTD_TEST_POSTGRES, and Stop drops the
// database again.
func (c *Cluster) CreateDatabase(ctx context.Context) (string, error) {
	return c.createDatabase(ctx, "template0")
}

// CreateDatabaseFrom creates a new database with a unique name that is a
// copy of the database template and returns its postgres:// URL, as
// CreateDatabase does. PostgreSQL copies a database only while nobody is
// connected to it: the caller must have closed every connection to template.
func (c *Cluster) CreateDatabaseFrom(ctx context.Context, template string) (string, error) {
	return c.createDatabase(ctx, template)
}

// createDatabase creates a database copied from template, whose name is
// known to be a valid identifier.
func (c *Cluster) createDatabase(ctx context.Context, template string) (string, error) {
	u, err := url.Parse(c.adminURL)
	if err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	name := "tenantd_test_" + hex.EncodeToString(b[:])

	c.mu.Lock()
	stopped := c.stopped
	c.mu.Unlock()
	if stopped {
		return "", errors.New("create database: cluster stopped")
	}

	conn, err := pgx.Connect(ctx, c.adminURL)
	if err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	q := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	if _, err := conn.Exec(ctx, q); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	if c.proc == nil {
		c.mu.Lock()
		c.created = append(c.created, name)
		c.mu.Unlock()
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// The shared cluster of the test binary: started by the first NewDatabase,
// stopped by Main. A failed start is remembered so that later tests report
// the same reason at once.
var shared struct {
	mu        sync.Mutex
	inMain    bool                 // Main is running the tests
	cluster   *Cluster             // started cluster, if any
	err       error                // why the cluster could not be started
	templates map[string]*template // templates built for NewDatabaseFrom, by key
}

// template is a database that NewDatabaseFrom copies, built on first use.
type template struct {
	once sync.Once
	name string // database name on the shared cluster
	err  error  // why it could not be built
}

// Main runs a package's tests (call it from TestMain: os.Exit(pgtest.Main(m))) and stops the shared cluster afterwards, if one was started.
// A failure to stop it is printed and turns a passing run into a failing one.
func Main(m *testing.M) int {
	shared.mu.Lock()
	shared.inMain = true
	shared.mu.Unlock()

	code := m.Run()

	shared.mu.Lock()
	c := shared.cluster
	shared.inMain, shared.cluster, shared.err, shared.templates = false, nil, nil, nil
	shared.mu.Unlock()
	if c != nil {
		if err := c.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// NewDatabase returns the URL of a fresh, empty database on the package's shared cluster, starting the cluster on first use (safe for concurrent use from parallel tests). If PostgreSQL cannot be started: when the environment variable CI is "true" it calls tb.Fatalf with the reason (never skips in CI); otherwise tb.Skipf with the reason.
// The package's TestMain must call Main, which stops the cluster; without
// it NewDatabase fails the test rather than leave a server running.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	c, err := sharedCluster()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("pgtest: %v", err)
		}
		tb.Skipf("pgtest: postgres unavailable: %v", err)
	}
	u, err := c.CreateDatabase(tb.Context())
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return u
}

// NewDatabaseFrom returns the URL of a fresh database on the shared cluster
// that is a copy of the template named key, as NewDatabase does for an empty
// one. The first call with a key builds the template: it creates an empty
// database and calls build with its URL; build fills it (migrates a schema,
// inserts a fixture) and must close every connection it opened before it
// returns. Later calls with the key, from any test of the binary, copy the
// template, which takes a fraction of the time a build does; every test still
// gets a database of its own. A failed build fails every test that asks for
// the template, with the same reason.
func NewDatabaseFrom(tb testing.TB, key string, build func(ctx context.Context, url string) error) string {
	tb.Helper()
	c, err := sharedCluster()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("pgtest: %v", err)
		}
		tb.Skipf("pgtest: postgres unavailable: %v", err)
	}
	tmpl := sharedTemplate(key)
	tmpl.once.Do(func() { tmpl.name, tmpl.err = c.buildTemplate(build) })
	if tmpl.err != nil {
		tb.Fatalf("pgtest: template %s: %v", key, tmpl.err)
	}
	u, err := c.CreateDatabaseFrom(tb.Context(), tmpl.name)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return u
}

// sharedTemplate returns the template of key, registering it on first use.
func sharedTemplate(key string) *template {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.templates == nil {
		shared.templates = map[string]*template{}
	}
	t := shared.templates[key]
	if t == nil {
		t = &template{}
		shared.templates[key] = t
	}
	return t
}

// buildTemplate creates an empty database, has build fill it and returns its
// name. The build is bounded by sharedStartTimeout.
func (c *Cluster) buildTemplate(build func(ctx context.Context, url string) error) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), sharedStartTimeout)
	defer cancel()
	u, err := c.CreateDatabase(ctx)
	if err != nil {
		return "", err
	}
	if err := build(ctx, u); err != nil {
		return "", fmt.Errorf("build: %w", err)
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(parsed.Path, "/"), nil
}

// errNoMain is the reason given when NewDatabase is used without Main.
var errNoMain = errors.New("shared cluster needs TestMain to call os.Exit(pgtest.Main(m))")

// sharedCluster returns the shared cluster, starting it on first use.
func sharedCluster() (*Cluster, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.inMain {
		return nil, errNoMain
	}
	if shared.cluster == nil && shared.err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), sharedStartTimeout)
		defer cancel()
		shared.cluster, shared.err = Start(ctx)
	}
	return shared.cluster, shared.err
}

// account is the system user that runs the server.
type account struct {
	uid, gid uint32
}

// serverAccount returns the account to run the server as: nil for the
// current user, or the "postgres" user when running as root.
func serverAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root needs a postgres user: %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("postgres user: %w", err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("postgres user: %w", err)
	}
	return &account{uid: uint32(uid), gid: uint32(gid)}, nil
}

// binDir returns the directory of the PostgreSQL server binaries.
func binDir() (string, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		if isFile(filepath.Join(dir, "initdb")) {
			return dir, nil
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb") // the pattern is valid
	type install struct {
		version float64
		dir     string
	}
	var found []install
	for _, m := range matches {
		dir := filepath.Dir(m)
		v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
		if err == nil && isFile(m) {
			found = append(found, install{v, dir})
		}
	}
	if len(found) == 0 {
		return "", errors.New("no PostgreSQL server binaries: pg_config --bindir has no initdb and /usr/lib/postgresql/*/bin has none")
	}
	sort.Slice(found, func(i, j int) bool { return found[i].version > found[j].version })
	return found[0].dir, nil
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	return port, nil
}

// socketDir returns the directory for the server's Unix socket: dir, or ""
// (no Unix socket) when the socket path would exceed the system limit.
func socketDir(dir string) string {
	if len(dir)+len("/.s.PGSQL.65535") >= 104 {
		return ""
	}
	return dir
}

// logTail returns the end of the server log.
func (c *Cluster) logTail() string {
	b, err := os.ReadFile(c.logPath)
	if err != nil {
		return fmt.Sprintf("(no server log: %v)", err)
	}
	return tail(b)
}

// tail returns the last lines of output, at most about 4 KiB.
func tail(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 4096 {
		b = b[len(b)-4096:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}

// removeDir removes the cluster's temporary directory.
func removeDir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	return nil
}
