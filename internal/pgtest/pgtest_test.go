package pgtest_test

import (
	"context"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantd/tenantd/internal/pgtest"
)

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m))
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func TestNewDatabaseRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	conn := connect(t, pgtest.NewDatabase(t))

	if _, err := conn.Exec(ctx, `CREATE TABLE tenant (id bigint PRIMARY KEY, name text NOT NULL)`); err != nil {
		t.Fatalf("create table: %v", err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO tenant (id, name) VALUES ($1, $2)`, 7, "Acme"); err != nil {
		t.Fatalf("insert: %v", err)
	}
	var name string
	if err := conn.QueryRow(ctx, `SELECT name FROM tenant WHERE id = $1`, 7).Scan(&name); err != nil {
		t.Fatalf("select: %v", err)
	}
	if name != "Acme" {
		t.Errorf("name = %q, want %q", name, "Acme")
	}
}

func TestNewDatabaseDistinct(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	urlA, urlB := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	if urlA == urlB {
		t.Fatalf("two calls returned the same URL %s", urlA)
	}
	a, b := connect(t, urlA), connect(t, urlB)

	var nameA, nameB string
	if err := a.QueryRow(ctx, `SELECT current_database()`).Scan(&nameA); err != nil {
		t.Fatalf("database name: %v", err)
	}
	if err := b.QueryRow(ctx, `SELECT current_database()`).Scan(&nameB); err != nil {
		t.Fatalf("database name: %v", err)
	}
	if nameA == nameB {
		t.Fatalf("both URLs lead to database %s", nameA)
	}

	if _, err := a.Exec(ctx, `CREATE TABLE only_in_a (id int)`); err != nil {
		t.Fatalf("create table: %v", err)
	}
	var n int
	if err := b.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'`).Scan(&n); err != nil {
		t.Fatalf("count tables: %v", err)
	}
	if n != 0 {
		t.Errorf("table created in %s is visible in %s", nameA, nameB)
	}
}

func TestStartStop(t *testing.T) {
	if os.Getenv("TENANTD_TEST_POSTGRES") != "" {
		t.Skip("TENANTD_TEST_POSTGRES is set: Start uses that server and starts nothing")
	}
	ctx := t.Context()
	begin := time.Now()
	c, err := pgtest.Start(ctx)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("start: %v", err)
		}
		t.Skipf("postgres unavailable: %v", err)
	}
	t.Logf("cluster started in %v", time.Since(begin).Round(time.Millisecond))
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = c.Stop()
		}
	})

	url, err := c.CreateDatabase(ctx)
	if err != nil {
		t.Fatalf("create database: %v", err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if err := conn.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}

	stopped = true
	if err := c.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := c.Stop(); err != nil {
		t.Errorf("second stop: %v", err)
	}
	if conn, err := pgx.Connect(ctx, c.AdminURL()); err == nil {
		_ = conn.Close(ctx)
		t.Errorf("server still accepts connections after Stop")
	}
	if _, err := c.CreateDatabase(ctx); err == nil {
		t.Errorf("CreateDatabase after Stop succeeded")
	}
}

func TestNewDatabaseFrom(t *testing.T) {
	var builds atomic.Int32
	build := func(ctx context.Context, url string) error {
		builds.Add(1)
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, `CREATE TABLE tenant (id bigint PRIMARY KEY, name text NOT NULL); INSERT INTO tenant VALUES (1, 'Root')`)
		return err
	}
	// Copies made at once from one template each hold the template's rows
	// and nothing another copy wrote.
	urls := make([]string, 4)
	t.Run("copies", func(t *testing.T) {
		for i := range urls {
			t.Run(strconv.Itoa(i), func(t *testing.T) {
				t.Parallel()
				urls[i] = pgtest.NewDatabaseFrom(t, "tenant-table", build)
				conn := connect(t, urls[i])
				var name string
				if err := conn.QueryRow(t.Context(), `SELECT name FROM tenant WHERE id = 1`).Scan(&name); err != nil || name != "Root" {
					t.Fatalf("template row in copy %d: %q, %v", i, name, err)
				}
				if _, err := conn.Exec(t.Context(), `INSERT INTO tenant VALUES ($1, 'mine')`, 100+i); err != nil {
					t.Fatalf("insert into copy %d: %v", i, err)
				}
			})
		}
	})
	if n := builds.Load(); n != 1 {
		t.Errorf("template built %d times, want once", n)
	}
	for i, u := range urls {
		var n int
		if err := connect(t, u).QueryRow(t.Context(), `SELECT count(*) FROM tenant`).Scan(&n); err != nil || n != 2 {
			t.Errorf("copy %d holds %d rows (%v), want its own and the template's", i, n, err)
		}
	}
}

// TestCrashRestart crashes a durable server with pg_ctl stop -m immediate
// while a client holds a connection, and restarts it: the connection is
// gone, every acknowledged commit is back, and the server answers on the
// same URL.
func TestCrashRestart(t *testing.T) {
	ctx := t.Context()
	c, err := pgtest.StartDurable(ctx)
	if err != nil {
		if os.Getenv("CI") != "true" {
			t.Skipf("postgres unavailable: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
	})
	url, err := c.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE t (n int PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	for n := range 200 {
		if _, err := conn.Exec(ctx, `INSERT INTO t VALUES ($1)`, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Crash(); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `SELECT 1`); err == nil {
		t.Fatal("a connection survived the crash")
	}
	if err := c.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	again := connect(t, url)
	var n int
	if err := again.QueryRow(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 200 {
		t.Errorf("%d of 200 acknowledged rows survived the crash", n)
	}
	if err := c.Restart(ctx); err == nil {
		t.Error("Restart of a running server did not fail")
	}
}

// TestPairFailover kills the primary of a pair after commits it
// acknowledged, promotes the standby, and finds every commit there; the
// multi-host URL reaches whichever server accepts writes.
func TestPairFailover(t *testing.T) {
	ctx := t.Context()
	p, err := pgtest.StartPair(ctx)
	if err != nil {
		if os.Getenv("CI") != "true" {
			t.Skipf("postgres unavailable: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Error(err)
		}
	})
	url, err := p.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn := connect(t, url)
	var port int
	if err := conn.QueryRow(ctx, `SELECT current_setting('port')::int`).Scan(&port); err != nil {
		t.Fatal(err)
	}
	if port != p.Primary.Port() {
		t.Fatalf("the multi-host URL reached port %d, want the primary's %d", port, p.Primary.Port())
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE t (n int PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	for n := range 100 {
		if _, err := conn.Exec(ctx, `INSERT INTO t VALUES ($1)`, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Primary.Kill(); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `SELECT 1`); err == nil {
		t.Fatal("a connection to the primary survived its kill")
	}
	if c, err := pgx.Connect(ctx, url); err == nil {
		_ = c.Close(ctx)
		t.Fatal("the multi-host URL found a writable server before the promotion")
	}
	if err := p.Standby.Promote(ctx); err != nil {
		t.Fatal(err)
	}
	again := connect(t, url)
	var n int
	if err := again.QueryRow(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 100 {
		t.Errorf("%d of 100 acknowledged rows are on the promoted standby", n)
	}
	if _, err := again.Exec(ctx, `INSERT INTO t VALUES (100)`); err != nil {
		t.Errorf("the promoted standby refuses a write: %v", err)
	}
}
