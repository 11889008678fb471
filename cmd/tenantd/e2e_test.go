package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tenantd/tenantd/internal/pgtest"
)

// binary is the tenantd binary the end-to-end tests run, built once.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tenantd-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "tenantd")
	build := exec.Command("go", "build", "-race", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build tenantd:", err)
		os.Exit(1)
	}
	code := pgtest.Main(m)
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// storeArgs are the flags that select a store for each kind of store.
func storeArgs(t *testing.T) map[string][]string {
	return map[string][]string{
		"sqlite":   {"--data", filepath.Join(t.TempDir(), "data")},
		"postgres": {"--db", pgtest.NewDatabase(t)},
	}
}

// credentials are what tenantd bootstrap prints.
type credentials struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	TenantID     string `json:"tenant_id"`
}

func bootstrap(t *testing.T, store []string) credentials {
	t.Helper()
	out, err := exec.Command(binary, append([]string{"bootstrap"}, store...)...).Output()
	if err != nil {
		t.Fatalf("tenantd bootstrap: %v", err)
	}
	var c credentials
	if err := json.Unmarshal(out, &c); err != nil || c.ClientID == "" || c.ClientSecret == "" || c.TenantID == "" {
		t.Fatalf("tenantd bootstrap printed %q (%v)", out, err)
	}
	if n := bytes.Count(bytes.TrimSpace(out), []byte("\n")); n != 0 {
		t.Errorf("tenantd bootstrap printed %d lines, want one", n+1)
	}
	return c
}

// server is a running tenantd serve process.
type server struct {
	cmd     *exec.Cmd
	baseURL string // http://HOST:PORT/api/2
	logs    *bytes.Buffer
	done    chan error
}

// serve starts tenantd serve on a free port and waits until it listens.
func serve(t testing.TB, args []string, env ...string) *server {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: &bytes.Buffer{}, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			s.logs.Write(append(line, '\n'))
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" {
				addr <- rec.Addr
			}
		}
		s.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-s.done
		}
	})
	select {
	case a := <-addr:
		s.baseURL = "http://" + a + "/api/2"
	case err := <-s.done:
		t.Fatalf("tenantd serve exited early: %v\n%s", err, s.logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("tenantd serve did not start listening:\n%s", s.logs)
	}
	return s
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop(t testing.TB) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("tenantd serve exited with %v after SIGTERM\n%s", err, s.logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("tenantd serve did not stop after SIGTERM")
	}
}

// client is what a script written against the API documentation holds: a
// base URL and an Authorization header.
type client struct {
	t       *testing.T
	baseURL string
	auth    string
}

// token obtains a bearer token the way the documentation's scripts do.
func token(t *testing.T, baseURL, id, secret string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", baseURL+"/idp/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("token request: %d %v", resp.StatusCode, out)
	}
	return out["access_token"].(string)
}

// call sends a request and returns the status and decoded JSON body.
func (c *client) call(method, path string, params url.Values, body any) (int, map[string]any) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.MarshalIndent(body, "", "    ")
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	u := c.baseURL + path
	if params != nil {
		u += "?" + params.Encode()
	}
	req, err := http.NewRequestWithContext(context.Background(), method, u, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", c.auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			c.t.Fatalf("%s %s: not JSON: %s", method, path, b)
		}
	}
	return resp.StatusCode, out
}

func (c *client) must(method, path string, params url.Values, body any, want int) map[string]any {
	c.t.Helper()
	status, out := c.call(method, path, params, body)
	if status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %v", method, path, status, want, out)
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
