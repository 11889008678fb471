package main_test

import (
	"database/sql"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantd/tenantd/internal/pgtest"
)

// TestMigrateKilled kills tenantd migrate with SIGKILL at random moments of
// its run on fresh stores, then migrates again: every migration applies
// exactly once, whole, and the store serves. Some kills must land between
// two migrations or inside one.
func TestMigrateKilled(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fresh := func() ([]string, string, string) {
				if name == "sqlite" {
					dir := filepath.Join(t.TempDir(), "data")
					return []string{"--data", dir}, "sqlite", filepath.Join(dir, "tenantd.db")
				}
				u := pgtest.NewDatabase(t)
				return []string{"--db", u}, "pgx", u
			}
			applied := func(driver, dsn string) int {
				db, err := sql.Open(driver, dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				var n int
				if err := db.QueryRow("SELECT count(*) FROM migrations").Scan(&n); err != nil {
					return 0 // killed before the table was made
				}
				return n
			}
			// A whole run, to time the kills and count the migrations.
			store, driver, dsn := fresh()
			start := time.Now()
			out, err := exec.Command(binary, append([]string{"migrate"}, store...)...).Output()
			if err != nil {
				t.Fatalf("migrate: %v", err)
			}
			whole := time.Since(start)
			total := strings.Count(string(out), "applied ")
			if got := applied(driver, dsn); got != total || total == 0 {
				t.Fatalf("a whole run applied %d migrations and printed %d", got, total)
			}
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
			midway := 0
			// Even runs are killed at a random moment of a whole run's length;
			// odd runs as soon as the first migration is seen applied, so that
			// kills land between migrations however the start-up time of the
			// process compares with the migrations' on this machine.
			for i := 0; i < 24 && (i < 6 || midway == 0); i++ {
				store, driver, dsn := fresh()
				cmd := exec.Command(binary, append([]string{"migrate"}, store...)...)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				if i%2 == 0 {
					time.Sleep(time.Duration(rng.Int64N(int64(whole))))
				} else {
					waitApplied(t, cmd, driver, dsn, whole)
				}
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				if n := applied(driver, dsn); n > 0 && n < total {
					midway++
				}
				out, err := exec.Command(binary, append([]string{"migrate"}, store...)...).CombinedOutput()
				if err != nil {
					t.Fatalf("migrate after a kill: %v\n%s", err, out)
				}
				if got := applied(driver, dsn); got != total {
					t.Fatalf("after a kill and a rerun %d of %d migrations are applied", got, total)
				}
				// The store works: bootstrap writes to it.
				bootstrap(t, store)
			}
			if midway == 0 {
				t.Errorf("no kill landed in the middle of the migrations")
			}
			t.Logf("%s: %d kills inside the migrations, each recovered", name, midway)
		})
	}
}

// waitApplied polls the store cmd migrates until one migration is recorded,
// for at most twice a whole run's length.
func waitApplied(t *testing.T, cmd *exec.Cmd, driver, dsn string, whole time.Duration) {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	deadline := time.Now().Add(2 * whole)
	for time.Now().Before(deadline) {
		var n int
		if db.QueryRow("SELECT count(*) FROM migrations").Scan(&n) == nil && n > 0 {
			return
		}
		time.Sleep(200 * time.Microsecond)
	}
}
