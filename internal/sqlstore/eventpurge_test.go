package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/sqlstore"
)

// TestPurgeEvents ages the audit trail past EventRetention and checks that
// PurgeEvents removes exactly the old events, in batches, and that a SQLite
// store gives the freed pages back to the file system.
func TestPurgeEvents(t *testing.T) {
	for name, open := range map[string]func(*testing.T) *sqlstore.DB{"sqlite": openSQLite, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t)
			clock := time.Now()
			db.Now = func() time.Time { return clock }
			root, err := db.EnsureRoot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			sys := tenantd.NewContextWithPrincipal(ctx, &tenantd.Principal{Type: tenantd.PrincipalSystem, ID: "system",
				TenantID: root.ID, TenantPath: root.Path})
			if n, err := db.PurgeEvents(ctx); err != nil || n != 0 {
				t.Fatalf("PurgeEvents without a retention: %d %v", n, err)
			}
			if mode, err := db.AutoVacuum(ctx); err != nil || name == "sqlite" && mode != "incremental" {
				t.Fatalf("auto_vacuum of a new store: %q %v", mode, err)
			}
			count := func() int {
				t.Helper()
				n := 0
				f := tenantd.EventFilter{Limit: tenantd.MaxEventLimit}
				for {
					page, err := db.FindEvents(sys, f)
					if err != nil {
						t.Fatal(err)
					}
					n += len(page.Items)
					if len(page.Items) < f.Limit {
						return n
					}
					f.After = page.Next
				}
			}
			// 2,500 old events, in more than two batches, then 10 recent ones.
			const old = 2500
			for i := range old {
				if _, err := db.CreateTenant(sys, &tenantd.TenantCreate{Name: fmt.Sprintf("old-%d", i), ParentID: root.ID, Kind: tenantd.KindPartner}); err != nil {
					t.Fatal(err)
				}
			}
			clock = clock.Add(48 * time.Hour)
			for i := range 10 {
				if _, err := db.CreateTenant(sys, &tenantd.TenantCreate{Name: fmt.Sprintf("new-%d", i), ParentID: root.ID, Kind: tenantd.KindPartner}); err != nil {
					t.Fatal(err)
				}
			}
			clock = clock.Add(time.Minute) // the trail shows only settled events
			total := count()
			if total < old+10 {
				t.Fatalf("%d events before the purge, want at least %d", total, old+10)
			}
			db.EventRetention = 24 * time.Hour
			n, err := db.PurgeEvents(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(total-10) {
				t.Errorf("purged %d events, want the %d old ones", n, total-10)
			}
			if got := count(); got != 10 {
				t.Errorf("%d events left, want the 10 recent ones", got)
			}
			if name == "sqlite" {
				free, err := db.FreePages(ctx)
				if err != nil || free != 0 {
					t.Errorf("free pages after the purge: %d %v, want 0 (given back)", free, err)
				}
			}
			if n, err := db.PurgeEvents(ctx); err != nil || n != 0 {
				t.Errorf("a second purge: %d %v", n, err)
			}
		})
	}
}

// TestVacuum switches a SQLite store made without incremental vacuum to it.
func TestVacuum(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tenantd.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("CREATE TABLE old (a); INSERT INTO old VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	_ = raw.Close()
	db, err := sqlstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if mode, err := db.AutoVacuum(ctx); err != nil || mode != "none" {
		t.Fatalf("auto_vacuum of a store made without: %q %v", mode, err)
	}
	if err := db.Vacuum(ctx); err != nil {
		t.Fatal(err)
	}
	if mode, err := db.AutoVacuum(ctx); err != nil || mode != "incremental" {
		t.Errorf("auto_vacuum after Vacuum: %q %v", mode, err)
	}
}
