package main_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cli runs tenantd's command line client as a user at a shell would, with
// its own config file.
type cli struct {
	t   *testing.T
	env []string
}

func newCLI(t *testing.T, env ...string) *cli {
	return &cli{t: t, env: append([]string{"TENANTD_CONFIG=" + filepath.Join(t.TempDir(), "tenantd", "config.json"), "COLUMNS="}, env...)}
}

// run runs tenantd with args, stdin as its standard input, and returns
// its exit code and output.
func (c *cli) run(stdin string, args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), c.env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		c.t.Fatalf("tenantd %v: %v", args, err)
	}
	return code, out.String(), errOut.String()
}

// must runs tenantd and fails the test unless it exits 0.
func (c *cli) must(args ...string) string {
	c.t.Helper()
	code, out, errOut := c.run("", args...)
	if code != 0 {
		c.t.Fatalf("tenantd %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// wantExit runs tenantd and checks its exit code and a part of its stderr.
func (c *cli) wantExit(code int, inStderr string, stdin string, args ...string) string {
	c.t.Helper()
	got, out, errOut := c.run(stdin, args...)
	if got != code || !strings.Contains(errOut, inStderr) {
		c.t.Errorf("tenantd %s: exit %d, stderr %q; want exit %d and %q (stdout %q)", strings.Join(args, " "), got, errOut, code, inStderr, out)
	}
	return errOut
}

// TestCLITenants drives the tenants commands against the real server on
// each store: login, create, list, tree, get in every format, suspend with
// its blast radius and confirmation, reactivate, move, delete, restore,
// and the exit codes of what goes wrong.
func TestCLITenants(t *testing.T) {
	for name, store := range storeArgs(t) {
		t.Run(name, func(t *testing.T) {
			creds := bootstrap(t, store)
			srv := serve(t, store)
			url := strings.TrimSuffix(srv.baseURL, "/api/2")
			c := newCLI(t)
			c.wantExit(2, "not logged in", "", "tenants", "list")
			c.wantExit(2, "--client-secret are required", "", "login", "--url", url)
			out := c.must("login", "--url", url, "--client-id", creds.ClientID, "--client-secret", creds.ClientSecret)
			if !strings.Contains(out, `of tenant "Root"`) {
				t.Errorf("login printed %q", out)
			}
			cfgPath := strings.TrimPrefix(c.env[0], "TENANTD_CONFIG=")
			if fi, err := os.Stat(cfgPath); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("config file: %v, mode %v; want 0600", err, fi.Mode())
			}
			var cfg map[string]string
			if b, _ := os.ReadFile(cfgPath); json.Unmarshal(b, &cfg) != nil || cfg["client_secret"] != creds.ClientSecret || cfg["url"] != url {
				t.Errorf("config file holds %v", cfg)
			}

			partner := strings.TrimSpace(c.must("tenants", "create", "--name", "Partner One", "--kind", "partner", "-q"))
			customer := strings.TrimSpace(c.must("tenants", "create", "--name", "Acme", "--kind", "customer", "--parent", partner, "-q"))
			unit := strings.TrimSpace(c.must("tenants", "create", "--name", "Sales", "--kind", "unit", "--parent", customer, "-q"))
			other := strings.TrimSpace(c.must("tenants", "create", "--name", "Partner Two", "--kind", "partner", "-q"))
			for _, id := range []string{partner, customer, unit, other} {
				if len(id) != 36 {
					t.Fatalf("tenants create -q printed %q, want an id", id)
				}
			}
			c.wantExit(4, "ObjectExists", "", "tenants", "create", "--name", "Acme", "--kind", "customer", "--parent", partner)

			wantTree := "Root (root)  " + creds.TenantID + "\n" +
				"├── Partner One (partner, trial)  " + partner + "\n" +
				"│   └── Acme (customer, trial)  " + customer + "\n" +
				"│       └── Sales (unit, trial)  " + unit + "\n" +
				"└── Partner Two (partner, trial)  " + other + "\n"
			if got := c.must("tenants", "tree"); got != wantTree {
				t.Errorf("tenants tree:\n%s\nwant:\n%s", got, wantTree)
			}
			if got := c.must("tenants", "tree", partner, "-q"); got != partner+"\n"+customer+"\n"+unit+"\n" {
				t.Errorf("tenants tree -q: %q", got)
			}
			var tree struct {
				Name     string
				Children []struct{ Name string }
			}
			if err := json.Unmarshal([]byte(c.must("tenants", "tree", "--json")), &tree); err != nil || len(tree.Children) != 2 || tree.Children[0].Name != "Partner One" {
				t.Errorf("tenants tree --json: %+v, %v", tree, err)
			}

			list := c.must("tenants", "list")
			lines := strings.Split(strings.TrimSpace(list), "\n")
			if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID  ") || !strings.Contains(lines[1], "Partner One  partner  enabled") {
				t.Errorf("tenants list:\n%s", list)
			}
			if col := strings.Index(lines[0], "NAME"); strings.Index(lines[1], "Partner One") != col || strings.Index(lines[2], "Partner Two") != col {
				t.Errorf("tenants list is not aligned:\n%s", list)
			}
			narrow := newCLI(t, "COLUMNS=40")
			narrow.env[0] = c.env[0]
			for _, l := range strings.Split(strings.TrimSpace(narrow.must("tenants", "list")), "\n") {
				if n := len([]rune(l)); n > 40 || !strings.HasSuffix(l, "…") {
					t.Errorf("with COLUMNS=40 a line of %d characters: %q", n, l)
				}
			}

			var got map[string]any
			if err := json.Unmarshal([]byte(c.must("tenants", "get", customer, "--json")), &got); err != nil || got["id"] != customer || got["parent_id"] != partner {
				t.Errorf("tenants get --json: %v, %v", got, err)
			}
			if y := c.must("tenants", "get", customer, "-o", "yaml"); !strings.Contains(y, "kind: customer\n") || !strings.Contains(y, "name: Acme\n") {
				t.Errorf("tenants get -o yaml:\n%s", y)
			}
			c.wantExit(3, "not found (404 NotFound)", "", "tenants", "get", "7d1b3a4e-0000-4000-8000-000000000000")
			c.wantExit(1, "ParameterMalformed", "", "tenants", "get", "nope")
			c.wantExit(2, "accepts 1 arg", "", "tenants", "get")
			c.wantExit(2, "--name and --kind are required", "", "tenants", "create", "--kind", "partner")
			c.wantExit(2, "--output must be table, json or yaml", "", "tenants", "list", "-o", "xml")
			c.wantExit(2, "unknown flag", "", "tenants", "list", "--colour")

			// An API client inside the customer, to see the suspension work.
			api := &client{t: t, baseURL: srv.baseURL, auth: "Bearer " + token(t, srv.baseURL, creds.ClientID, creds.ClientSecret)}
			cc := api.must("POST", "/clients", nil, map[string]any{"type": "api_client", "tenant_id": customer, "token_endpoint_auth_method": "client_secret_basic"}, 201)
			inside := &client{t: t, baseURL: srv.baseURL, auth: "Bearer " + token(t, srv.baseURL, cc["client_id"].(string), cc["client_secret"].(string))}

			radius := c.wantExit(1, "not confirmed", "n\n", "tenants", "suspend", partner)
			for _, want := range []string{`Suspending "Partner One" locks out:`, "tenants      3 (1 partner, 1 customer, 1 unit)", "API clients  1", "credentials  1 in use stop working"} {
				if !strings.Contains(radius, want) {
					t.Errorf("the blast radius lacks %q:\n%s", want, radius)
				}
			}
			c.wantExit(1, "no answer (give --yes", "", "tenants", "suspend", partner)
			inside.must("GET", "/tenants/"+customer, nil, nil, 200)
			if out := c.wantExit(0, "Suspend it? [y/N]", "y\n", "tenants", "suspend", partner); !strings.Contains(out, "tenants      3") {
				t.Errorf("suspend did not show its blast radius: %s", out)
			}
			inside.must("GET", "/tenants/"+customer, nil, nil, 401)
			if got := c.must("tenants", "get", partner); !strings.Contains(got, "suspended") {
				t.Errorf("after suspend: %s", got)
			}
			c.must("tenants", "reactivate", partner)
			inside.must("GET", "/tenants/"+customer, nil, nil, 200)

			moved := c.wantExit(0, `Moving "Acme" moves:`, "", "tenants", "move", customer, "--to", other, "--yes")
			if !strings.Contains(moved, "tenants      2 (1 customer, 1 unit)") {
				t.Errorf("move's blast radius:\n%s", moved)
			}
			if got := c.must("tenants", "tree", other, "-q"); got != other+"\n"+customer+"\n"+unit+"\n" {
				t.Errorf("after the move: %q", got)
			}
			c.wantExit(2, "--to is required", "", "tenants", "move", customer)

			c.wantExit(1, "1006", "", "tenants", "delete", customer, "--yes")
			c.must("tenants", "suspend", customer, "--yes")
			deleted := c.wantExit(0, `Deleting "Acme" deletes:`, "", "tenants", "delete", customer, "--yes")
			if !strings.Contains(deleted, "restorable   until ") {
				t.Errorf("delete's blast radius:\n%s", deleted)
			}
			c.wantExit(3, "NotFound", "", "tenants", "get", customer)
			if got := c.must("tenants", "restore", customer); !strings.Contains(got, "Acme") {
				t.Errorf("restore printed %q", got)
			}
			c.must("tenants", "update", customer, "--name", "Acme Corp")
			if got := c.must("tenants", "get", customer, "-q"); got != customer+"\n" {
				t.Errorf("get -q: %q", got)
			}
			if got := c.must("tenants", "get", customer); !strings.Contains(got, "Acme Corp") {
				t.Errorf("after update: %s", got)
			}
			c.wantExit(2, "nothing to change", "", "tenants", "update", customer)

			// Flags and variables win over the config file.
			wrong := newCLI(t, "TENANTD_URL=http://127.0.0.1:1")
			wrong.env[0] = c.env[0]
			wrong.wantExit(1, "127.0.0.1:1", "", "tenants", "list")
			c.wantExit(1, "invalid_client", "", "tenants", "list", "--client-secret", "wrong")
		})
	}
}

// TestCLIHelpAndCompletion checks that every command has help with
// examples and that shell completion is generated for bash, zsh and fish.
func TestCLIHelpAndCompletion(t *testing.T) {
	c := newCLI(t)
	for shell, want := range map[string]string{"bash": "__start_tenantd", "zsh": "#compdef tenantd", "fish": "complete -c tenantd"} {
		if out := c.must("completion", shell); !strings.Contains(out, want) {
			t.Errorf("completion %s lacks %q", shell, want)
		}
	}
	var walk func(path []string)
	walk = func(path []string) {
		out := c.must(append(path, "--help")...)
		if !strings.Contains(out, "Usage:") {
			t.Errorf("tenantd %s --help: no usage", strings.Join(path, " "))
		}
		if sub, ok := strings.CutPrefix(out[strings.Index(out, "Usage:"):], "Usage:"); ok && strings.Contains(out, "Available Commands:") {
			_ = sub
			block := out[strings.Index(out, "Available Commands:"):]
			block = block[:strings.Index(block, "\n\n")]
			for _, l := range strings.Split(block, "\n")[1:] {
				name := strings.Fields(l)[0]
				if name == "help" || name == "completion" {
					continue
				}
				walk(append(append([]string{}, path...), name))
			}
			return
		}
		if !strings.Contains(out, "Examples:") {
			t.Errorf("tenantd %s --help has no examples", strings.Join(path, " "))
		}
	}
	walk(nil)
}
