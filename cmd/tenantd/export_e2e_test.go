package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// exportTree runs tenantd export and returns its output.
func exportTree(t *testing.T, baseURL, id, secret, tenantID string) []byte {
	t.Helper()
	cmd := exec.Command(binary, "export", "--url", baseURL, "--client-id", id, "--client-secret", secret, "--tenant", tenantID)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tenantd export: %v\n%s", err, stderr.String())
	}
	return out
}

// importCmd is tenantd import of file into the server at baseURL.
func importCmd(baseURL, id, secret, file string) *exec.Cmd {
	return exec.Command(binary, "import", "--url", baseURL, "--client-id", id, "--client-secret", secret, file)
}

func importTree(t *testing.T, baseURL, id, secret, file string) string {
	t.Helper()
	out, err := importCmd(baseURL, id, secret, file).CombinedOutput()
	if err != nil {
		t.Fatalf("tenantd import: %v\n%s", err, out)
	}
	return string(out)
}

// normalTree is an export made comparable with another: the header left
// out (its source and time differ), the ids of the target mapped back to
// the source's through the import's state file, the top tenant's parent_id
// left out (it is where the import put it) and the lines sorted (the order
// within a level of the tree is the server's).
func normalTree(t *testing.T, export []byte, stateFile string) []string {
	t.Helper()
	back := map[string]string{}
	if stateFile != "" {
		b, err := os.ReadFile(stateFile)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
			var e struct{ Source, Target string }
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("state file line %q: %v", line, err)
			}
			_, src, _ := strings.Cut(e.Source, ":")
			back[e.Target] = src
		}
	}
	lines := strings.Split(strings.TrimSpace(string(export)), "\n")
	var header struct {
		Format   string `json:"format"`
		Version  int    `json:"version"`
		TenantID string `json:"tenant_id"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &header); err != nil || header.Format != "tenantd-tree" || header.Version != 1 {
		t.Fatalf("export header %q (%v)", lines[0], err)
	}
	var out []string
	for _, line := range lines[1:] {
		for target, src := range back {
			line = strings.ReplaceAll(line, target, src)
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		if r["type"] == "tenant" && (r["id"] == header.TenantID || r["id"] == back[header.TenantID]) {
			delete(r, "parent_id")
		}
		b, _ := json.Marshal(r)
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}

// fresh starts tenantd serve on an empty store and returns it with its
// root client.
func fresh(t *testing.T, store []string) (*server, credentials) {
	creds := bootstrap(t, store)
	return serve(t, store), creds
}

// TestExportImportRoundTrip exports the fixture of tenantd dev, imports it
// into a fresh tenantd on each store, exports it from there: the same
// document, ids mapped. A second import changes nothing.
func TestExportImportRoundTrip(t *testing.T) {
	src := startDev(t, "")
	fx := src.fixture
	// Services, offering items with quotas and a setting, besides the
	// fixture's tenants, pricing, brand and users.
	root := src.as(t, fx.Root.ClientID, fx.Root.ClientSecret)
	const backup, platform = "6e6d758d-8e74-3ae3-ac84-50eb0dff12eb", "7459244f-68f3-3bf4-9f53-5f63ecc1d91f"
	for _, tenant := range []string{fx.Partner.TenantID, fx.TrialCustomerID} {
		root.must("POST", "/applications/"+backup+"/bindings/tenants/"+tenant, nil, nil, 204)
	}
	root.must("PUT", "/tenants/"+fx.Partner.TenantID+"/offering_items", nil, map[string]any{"offering_items": []any{
		map[string]any{"application_id": backup, "name": "pw_base_workstations", "status": 1, "quota": map[string]any{"value": 10, "overage": 2, "version": 0}},
		map[string]any{"application_id": backup, "name": "pw_base_servers", "status": 1},
	}}, 200)
	root.must("PUT", "/tenants/"+fx.TrialCustomerID+"/offering_items", nil, map[string]any{"offering_items": []any{
		map[string]any{"application_id": backup, "name": "pw_base_workstations", "status": 1, "quota": map[string]any{"value": 5, "overage": nil, "version": 0}},
	}}, 200)
	root.must("PUT", "/applications/"+platform+"/settings/tenants/"+fx.Partner.TenantID+"/QuotaAlertThreshold", nil, map[string]any{"value": 90, "lock": true}, 200)

	first := exportTree(t, fx.BaseURL, fx.Root.ClientID, fx.Root.ClientSecret, fx.Partner.TenantID)
	want := normalTree(t, first, "")
	for _, kind := range []string{"tenant", "pricing", "brand", "user", "services", "offering_items", "settings"} {
		if !strings.Contains(string(first), `"type":"`+kind+`"`) {
			t.Errorf("the export has no %s record:\n%s", kind, first)
		}
	}
	if strings.Contains(string(first), "password") || strings.Contains(string(first), fx.Users[0].Password) {
		t.Errorf("the export carries a password:\n%s", first)
	}
	for name, store := range storeArgs(t) {
		t.Run(name, func(t *testing.T) {
			dst, creds := fresh(t, store)
			file := filepath.Join(t.TempDir(), "tree.jsonl")
			if err := os.WriteFile(file, first, 0o600); err != nil {
				t.Fatal(err)
			}
			out := importTree(t, dst.baseURL, creds.ClientID, creds.ClientSecret, file)
			if !strings.Contains(out, fmt.Sprintf("imported %d objects: 6 created", len(want))) {
				t.Errorf("import summary: %q", out)
			}
			top := readState(t, file+".state")["tenant:"+fx.Partner.TenantID]
			second := exportTree(t, dst.baseURL, creds.ClientID, creds.ClientSecret, top)
			if got := normalTree(t, second, file+".state"); !slices.Equal(got, want) {
				t.Errorf("export after import differs:\n got %s\nwant %s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			again := importTree(t, dst.baseURL, creds.ClientID, creds.ClientSecret, file)
			if !strings.Contains(again, fmt.Sprintf(" 0 created, 0 updated, %d unchanged", len(want))) {
				t.Errorf("a second import changed something: %q", again)
			}
			dst.stop(t)
		})
	}
}

// readState reads an import's state file.
func readState(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		var e struct{ Source, Target string }
		if json.Unmarshal([]byte(line), &e) == nil {
			m[e.Source] = e.Target
		}
	}
	return m
}

// TestImportKilledResumes SIGKILLs an import half-way through a tree of
// 80 customers; the re-run finishes it and the result is the tree.
func TestImportKilledResumes(t *testing.T) {
	src := startDev(t, "")
	fx := src.fixture
	partner := src.as(t, fx.Partner.ClientID, fx.Partner.ClientSecret)
	for i := range 80 {
		partner.must("POST", "/tenants", nil, map[string]any{"name": fmt.Sprintf("customer %02d", i), "kind": "customer", "parent_id": fx.Partner.TenantID}, 201)
	}
	first := exportTree(t, fx.BaseURL, fx.Root.ClientID, fx.Root.ClientSecret, fx.Partner.TenantID)
	want := normalTree(t, first, "")
	file := filepath.Join(t.TempDir(), "tree.jsonl")
	if err := os.WriteFile(file, first, 0o600); err != nil {
		t.Fatal(err)
	}
	dst, creds := fresh(t, storeArgs(t)["sqlite"])

	cmd := importCmd(dst.baseURL, creds.ClientID, creds.ClientSecret, file)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		b, _ := os.ReadFile(file + ".state")
		if bytes.Count(b, []byte("\n")) >= 30 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import made no progress: state %q", b)
		}
		time.Sleep(time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if n := len(readState(t, file+".state")); n >= 84 {
		t.Fatalf("the import had finished before it was killed (%d objects mapped)", n)
	}
	out := importTree(t, dst.baseURL, creds.ClientID, creds.ClientSecret, file)
	if !strings.Contains(out, "imported") {
		t.Errorf("import summary: %q", out)
	}
	top := readState(t, file+".state")["tenant:"+fx.Partner.TenantID]
	second := exportTree(t, dst.baseURL, creds.ClientID, creds.ClientSecret, top)
	if got := normalTree(t, second, file+".state"); !slices.Equal(got, want) {
		t.Errorf("after a killed import and a re-run the tree differs:\n got %s\nwant %s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if again := importTree(t, dst.baseURL, creds.ClientID, creds.ClientSecret, file); !strings.Contains(again, " 0 created, 0 updated") {
		t.Errorf("a third import changed something: %q", again)
	}
	dst.stop(t)
}

// BenchmarkImport10000Tenants imports a made-up export of 10,000 tenants
// (a partner and its customers) into a fresh tenantd on SQLite:
//
//	go test -run '^$' -bench BenchmarkImport10000Tenants -benchtime 1x ./cmd/tenantd/
func BenchmarkImport10000Tenants(b *testing.B) {
	const n = 10000
	var buf bytes.Buffer
	top := "00000000-0000-4000-8000-000000000000"
	fmt.Fprintf(&buf, `{"format":"tenantd-tree","version":1,"tenant_id":"%s","source":"made up","exported_at":"2026-01-01T00:00:00Z"}`+"\n", top)
	fmt.Fprintf(&buf, `{"type":"tenant","id":"%s","parent_id":"%s","data":{"kind":"partner","name":"scale partner"}}`+"\n", top, top)
	for i := 1; i < n; i++ {
		fmt.Fprintf(&buf, `{"type":"tenant","id":"00000000-0000-4000-8000-%012d","parent_id":"%s","data":{"kind":"customer","name":"customer %d"}}`+"\n", i, top, i)
	}
	plain := filepath.Join(b.TempDir(), "tenantd")
	build := exec.Command("go", "build", "-o", plain, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		b.Fatal(err)
	}
	race := binary
	binary = plain
	defer func() { binary = race }()
	for b.Loop() {
		dir := b.TempDir()
		file := filepath.Join(dir, "tree.jsonl")
		if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
			b.Fatal(err)
		}
		store := []string{"--data", filepath.Join(dir, "data")}
		out, err := exec.Command(binary, append([]string{"bootstrap"}, store...)...).Output()
		if err != nil {
			b.Fatal(err)
		}
		var creds credentials
		if err := json.Unmarshal(out, &creds); err != nil {
			b.Fatal(err)
		}
		dst := serve(b, store)
		start := time.Now()
		if out, err := importCmd(dst.baseURL, creds.ClientID, creds.ClientSecret, file).CombinedOutput(); err != nil {
			b.Fatalf("tenantd import: %v\n%s", err, out)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s-per-10000-tenants")
		dst.stop(b)
	}
}
