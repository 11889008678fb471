package main_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// tmpfs mounts a tmpfs of size under a new directory until the test ends.
// Mounting needs root (CI runs as root); elsewhere the test is skipped.
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount a tmpfs: %v: %s", err, out)
		}
		t.Skipf("cannot mount a tmpfs (not root?): %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// TestSQLiteDiskFaults runs tenantd on a SQLite store on a small tmpfs and
// fills the disk under the running server: writes answer 503 with a message
// that names the fault and a log line that gives the cause, never a 500;
// reads go on; the server recovers by itself once there is room again; and
// the store is intact, holding every acknowledged write.
func TestSQLiteDiskFaults(t *testing.T) {
	t.Parallel()
	dir := tmpfs(t, "8m")
	store := []string{"--data", filepath.Join(dir, "data")}
	creds := bootstrap(t, store)
	srv := serve(t, append([]string{"--token-alg", "EdDSA"}, store...))
	api := &chaosAPI{base: srv.baseURL, auth: "Bearer " + token(t, srv.baseURL, creds.ClientID, creds.ClientSecret),
		http: &http.Client{Timeout: 30 * time.Second}}
	var acked []string
	n := 0
	create := func() (int, map[string]any) {
		t.Helper()
		n++
		s, out, err := api.do("POST", "/tenants", map[string]any{"name": fmt.Sprintf("fault-%d-%s", n, strings.Repeat("x", 200)),
			"parent_id": creds.TenantID, "kind": "customer"})
		if err != nil {
			t.Fatalf("create: %v", err) // a 5xx other than 503, or no answer
		}
		if s == 201 {
			acked = append(acked, out["id"].(string))
		}
		return s, out
	}
	for range 20 {
		if s, out := create(); s != 201 {
			t.Fatalf("create on a healthy disk: %d %v", s, out)
		}
	}

	// A full disk.
	filler := filepath.Join(dir, "filler")
	_ = exec.Command("dd", "if=/dev/zero", "of="+filler, "bs=64k").Run() // ends with "no space left"
	full := 0
	for range 2000 {
		s, out := create()
		if s == 503 {
			if msg := errMessage(out); !strings.Contains(msg, "disk is full") && !strings.Contains(msg, "cannot be read or written") {
				t.Errorf("503 on a full disk says %q", msg)
			}
			full++
			if full == 5 {
				break
			}
			continue
		}
		if s != 201 {
			t.Fatalf("create on a full disk: %d %v", s, out)
		}
	}
	if full == 0 {
		t.Fatal("2000 tenants fit on a full disk")
	}
	if s, _, err := api.do("GET", "/tenants/"+acked[0], nil); err != nil || s != 200 {
		t.Errorf("read on a full disk: %d %v", s, err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	waitCreate(t, create, "the disk has room again")

	srv.stop(t)
	// After the stop, the logs are complete.
	logged := false
	for _, line := range strings.Split(srv.logs.String(), "\n") {
		if strings.Contains(line, `"msg":"store unavailable"`) && strings.Contains(line, "disk is full") {
			logged = true
		}
	}
	if !logged {
		t.Errorf("no log line says the disk is full")
	}

	// The store is intact and holds every acknowledged write.
	db, err := sql.Open("sqlite", filepath.Join(dir, "data", "tenantd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check: %q %v", check, err)
	}
	for _, id := range acked {
		var k string
		if err := db.QueryRow("SELECT kind FROM tenants WHERE id = ?", id).Scan(&k); err != nil {
			t.Errorf("acknowledged tenant %s: %v", id, err)
		}
	}
	t.Logf("%d creations acknowledged and found after a full disk; %d refused with 503 on it", len(acked), full)
}

// waitCreate waits until creating a tenant succeeds again.
func waitCreate(t *testing.T, create func() (int, map[string]any), when string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, out := create()
		if s == 201 {
			return
		}
		if s != 503 || time.Now().After(deadline) {
			t.Fatalf("create after %s: %d %v", when, s, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func errMessage(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}
