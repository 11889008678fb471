package main_test

import (
	"database/sql"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// TestMigrateStatusAndDryRun: --status and --dry-run say what is applied
// and what would run, and change nothing; tenantd serve refuses a store
// migrated by a newer tenantd, and so does tenantd migrate.
func TestMigrateStatusAndDryRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	store := []string{"--data", dir}
	run := func(args ...string) (string, error) {
		out, err := exec.Command(binary, append(args, store...)...).CombinedOutput()
		return string(out), err
	}
	out, err := run("migrate", "--status")
	if err != nil || strings.Contains(out, "applied") || !strings.Contains(out, "pending 0001_tenants_clients.sql") ||
		!strings.Contains(out, "pending 0050_store_settings.sql") {
		t.Fatalf("migrate --status on a new store: %v:\n%s", err, out)
	}
	pending := strings.Count(out, "pending ")
	out, err = run("migrate", "--dry-run")
	if err != nil || strings.Count(out, "-- would apply ") != pending || !strings.Contains(out, "CREATE TABLE store_settings") {
		t.Fatalf("migrate --dry-run: %v:\n%s", err, out)
	}
	if again, _ := run("migrate", "--status"); strings.Count(again, "pending ") != pending {
		t.Fatalf("--dry-run changed the store:\n%s", again)
	}
	if out, err := run("migrate"); err != nil || strings.Count(out, "applied ") != pending {
		t.Fatalf("migrate: %v:\n%s", err, out)
	}
	out, err = run("migrate", "--status")
	if err != nil || strings.Contains(out, "pending") || strings.Count(out, "applied ") != pending {
		t.Fatalf("migrate --status on a migrated store: %v:\n%s", err, out)
	}
	if out, err := run("migrate", "--dry-run"); err != nil || !strings.Contains(out, "nothing to apply") {
		t.Errorf("migrate --dry-run on a migrated store: %v:\n%s", err, out)
	}

	// A newer tenantd migrated the store.
	raw, err := sql.Open("sqlite", filepath.Join(dir, "tenantd.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("INSERT INTO migrations (name, applied_at) VALUES ('9999_from_the_future.sql', 1)"); err != nil {
		t.Fatal(err)
	}
	_ = raw.Close()
	const msg = "the store's schema is newer than this tenantd knows (migrations 9999_from_the_future.sql"
	if out, err := run("serve", "--addr", "127.0.0.1:0"); err == nil || !strings.Contains(out, msg) {
		t.Errorf("serve on a newer schema: %v:\n%s", err, out)
	}
	if out, err := run("migrate"); err == nil || !strings.Contains(out, msg) {
		t.Errorf("migrate on a newer schema: %v:\n%s", err, out)
	}
	if out, err := run("migrate", "--status"); err == nil || !strings.Contains(out, "unknown 9999_from_the_future.sql") {
		t.Errorf("migrate --status on a newer schema: %v:\n%s", err, out)
	}
}
