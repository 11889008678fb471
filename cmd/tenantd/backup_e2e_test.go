package main_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBackupUnderLoad backs up a SQLite store while clients create tenants,
// then restores it into a new directory: every creation acknowledged before
// the backup began is in the restored store, a token issued before the
// backup still verifies on the restored server, and the copy passes
// PRAGMA integrity_check. Restore refuses a directory that holds a store.
func TestBackupUnderLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	store := []string{"--data", dir}
	creds := bootstrap(t, store)
	srv := serve(t, store)
	tok := token(t, srv.baseURL, creds.ClientID, creds.ClientSecret)
	api := &chaosAPI{base: srv.baseURL, auth: "Bearer " + tok, http: &http.Client{Timeout: 30 * time.Second}}

	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				s, out, err := api.do("POST", "/tenants", map[string]any{"name": fmt.Sprintf("b-%d-%d", w, i), "parent_id": creds.TenantID, "kind": "customer"})
				if err != nil || s != 201 {
					errs <- fmt.Errorf("create: %d %v %v", s, out, err)
					return
				}
				mu.Lock()
				acked = append(acked, out["id"].(string))
				mu.Unlock()
			}
		})
	}
	time.Sleep(time.Second)
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	backup := filepath.Join(t.TempDir(), "tenantd.backup.db")
	out, err := exec.Command(binary, "backup", "--data", dir, "--out", backup).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "integrity ok") {
		t.Fatalf("tenantd backup: %v: %s", err, out)
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(before) == 0 || len(acked) == len(before) {
		t.Fatalf("no load around the backup: %d acknowledged before it, %d in all", len(before), len(acked))
	}
	if out, err := exec.Command(binary, "backup", "--data", dir, "--out", backup).CombinedOutput(); err == nil {
		t.Errorf("backup over an existing file succeeded: %s", out)
	}
	// Restore refuses the store in use, and any directory holding a store.
	if out, err := exec.Command(binary, "restore", "--data", dir, "--from", backup).CombinedOutput(); err == nil ||
		!strings.Contains(string(out), "already holds a store") {
		t.Errorf("restore over the store in use: %v: %s", err, out)
	}
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, []byte("not a database, not at all, no"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(binary, "restore", "--data", filepath.Join(t.TempDir(), "x"), "--from", junk).CombinedOutput(); err == nil {
		t.Errorf("restore from a file that is not a store: %s", out)
	}
	srv.stop(t)

	restored := filepath.Join(t.TempDir(), "restored")
	if out, err := exec.Command(binary, "restore", "--data", restored, "--from", backup).CombinedOutput(); err != nil {
		t.Fatalf("tenantd restore: %v: %s", err, out)
	}
	raw, err := sql.Open("sqlite", filepath.Join(restored, "tenantd.db"))
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := raw.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check of the restored store: %q %v", check, err)
	}
	_ = raw.Close()

	again := serve(t, []string{"--data", restored})
	c := &client{t: t, baseURL: again.baseURL, auth: "Bearer " + tok} // the token from before the backup
	list := c.must("GET", "/tenants", map[string][]string{"subtree_root_id": {creds.TenantID}, "limit": {"5000"}, "lod": {"basic"}}, nil, 200)
	have := map[string]bool{}
	for _, it := range list["items"].([]any) {
		have[it.(map[string]any)["id"].(string)] = true
	}
	for _, id := range before {
		if !have[id] {
			t.Errorf("tenant %s, acknowledged before the backup, is not in the restored store", id)
		}
	}
	again.stop(t)
	t.Logf("%d creations acknowledged before the backup, %d in all; the restored store holds %d tenants", len(before), len(acked), len(have))
}
