package main_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// cliSession is a fresh SQLite server with a command line client logged in
// as its root API client, and the API itself for checking what the
// commands did.
type cliSession struct {
	*cli
	creds credentials
	srv   *server
	api   *client
}

func newCLISession(t *testing.T, serveArgs ...string) *cliSession {
	t.Helper()
	store := []string{"--data", filepath.Join(t.TempDir(), "data")}
	creds := bootstrap(t, store)
	srv := serve(t, append(store, serveArgs...))
	c := newCLI(t)
	c.must("login", "--url", strings.TrimSuffix(srv.baseURL, "/api/2"), "--client-id", creds.ClientID, "--client-secret", creds.ClientSecret)
	api := &client{t: t, baseURL: srv.baseURL, auth: "Bearer " + token(t, srv.baseURL, creds.ClientID, creds.ClientSecret)}
	return &cliSession{cli: c, creds: creds, srv: srv, api: api}
}

// id runs a command with -q and returns the one id it prints.
func (c *cliSession) id(args ...string) string {
	c.t.Helper()
	out := strings.TrimSpace(c.must(append(args, "-q")...))
	if len(out) != 36 {
		c.t.Fatalf("tenantd %s -q printed %q, want an id", strings.Join(args, " "), out)
	}
	return out
}

// lines splits a table into its lines.
func lines(out string) []string { return strings.Split(strings.TrimRight(out, "\n"), "\n") }

const missing = "7d1b3a4e-0000-4000-8000-000000000000"

// oneLine checks that an error message is one line.
func oneLine(t *testing.T, stderr string) {
	t.Helper()
	if strings.Count(strings.TrimRight(stderr, "\n"), "\n") != 0 {
		t.Errorf("the error is not one line: %q", stderr)
	}
}

// TestCLIUsers drives the users commands: create with roles and the buyer
// type, list, get in every format, update, roles, buyer, delete, and the
// exit codes of a bad input, a missing user and a taken login.
func TestCLIUsers(t *testing.T) {
	c := newCLISession(t)
	customer := c.id("tenants", "create", "--name", "Acme", "--kind", "customer")

	ann := c.id("users", "create", "--tenant", customer, "--email", "ann@acme.example", "--firstname", "Ann", "--role", "company_admin", "--buyer")
	bob := c.id("users", "create", "--tenant", customer, "--login", "bob", "--email", "bob@acme.example")
	got := c.api.must("GET", "/users/"+ann, nil, nil, 200)
	if got["login"] != "ann@acme.example" || mustJSON(t, got["business_types"]) != `["buyer"]` || got["tenant_id"] != customer {
		t.Errorf("the created user: %v", got)
	}
	if roles := c.api.must("GET", "/users/"+ann+"/access_policies", nil, nil, 200)["items"].([]any); len(roles) != 1 || roles[0].(map[string]any)["role_id"] != "company_admin" {
		t.Errorf("roles of the created user: %v", roles)
	}

	list := lines(c.must("users", "list", "--tenant", customer))
	if len(list) != 3 || !strings.HasPrefix(list[0], "ID  ") || !strings.Contains(list[1], "ann@acme.example  ann@acme.example  not activated  company_admin  yes") ||
		!strings.Contains(list[2], "bob    ") || !strings.HasPrefix(list[2], bob) {
		t.Errorf("users list:\n%s", strings.Join(list, "\n"))
	}
	if col := strings.Index(list[0], "LOGIN"); strings.Index(list[1], "ann@") != col || strings.Index(list[2], "bob") != col {
		t.Errorf("users list is not aligned:\n%s", strings.Join(list, "\n"))
	}
	if got := c.must("users", "list", "--tenant", customer, "-q"); got != ann+"\n"+bob+"\n" {
		t.Errorf("users list -q: %q", got)
	}
	var listed []map[string]any
	if err := json.Unmarshal([]byte(c.must("users", "list", "--tenant", customer, "--json")), &listed); err != nil || len(listed) != 2 || listed[0]["id"] != ann {
		t.Errorf("users list --json: %v, %v", listed, err)
	}
	if y := c.must("users", "get", bob, "-o", "yaml"); !strings.Contains(y, "login: bob\n") || !strings.Contains(y, "email: bob@acme.example\n") {
		t.Errorf("users get -o yaml:\n%s", y)
	}
	if got := c.must("users", "list"); len(lines(got)) != 1 {
		t.Errorf("the root tenant has no users, users list printed:\n%s", got)
	}

	c.must("users", "update", bob, "--lastname", "Builder", "--enabled=false")
	got = c.api.must("GET", "/users/"+bob, nil, nil, 200)
	if got["enabled"] != false || got["contact"].(map[string]any)["lastname"] != "Builder" || got["version"] != 2.0 {
		t.Errorf("after users update: %v", got)
	}
	if out := c.must("users", "get", bob); !strings.Contains(out, "disabled") {
		t.Errorf("users get after disabling:\n%s", out)
	}

	roles := c.must("users", "roles", ann, "--add", "readonly_admin", "--remove", "company_admin")
	if l := lines(roles); len(l) != 2 || !strings.HasPrefix(l[1], "readonly_admin  "+customer) {
		t.Errorf("users roles:\n%s", roles)
	}
	if r := c.api.must("GET", "/users/"+ann+"/access_policies", nil, nil, 200)["items"].([]any); len(r) != 1 || r[0].(map[string]any)["role_id"] != "readonly_admin" {
		t.Errorf("roles after the change: %v", r)
	}
	if got := c.must("users", "roles", ann, "-q"); got != "readonly_admin\n" {
		t.Errorf("users roles -q: %q", got)
	}
	c.must("users", "buyer", ann, "--off")
	if got := c.api.must("GET", "/users/"+ann, nil, nil, 200); mustJSON(t, got["business_types"]) != `[]` {
		t.Errorf("business types after buyer --off: %v", got["business_types"])
	}
	if out := c.must("users", "buyer", ann); !strings.Contains(out, "  yes  ") {
		t.Errorf("users buyer:\n%s", out)
	}

	oneLine(t, c.wantExit(4, "is taken (409 ObjectExists)", "", "users", "create", "--tenant", customer, "--email", "x@acme.example", "--login", "bob"))
	oneLine(t, c.wantExit(3, "not found (404 NotFound)", "", "users", "get", missing))
	oneLine(t, c.wantExit(2, "--email is required", "", "users", "create", "--tenant", customer))
	oneLine(t, c.wantExit(2, "nothing to change", "", "users", "update", bob))
	oneLine(t, c.wantExit(1, "ParameterMalformed", "", "users", "get", "nope"))
	c.wantExit(1, "not confirmed", "n\n", "users", "delete", bob)
	c.api.must("GET", "/users/"+bob, nil, nil, 200)
	c.wantExit(0, `Delete user "bob"? [y/N]`, "y\n", "users", "delete", bob)
	c.api.must("GET", "/users/"+bob, nil, nil, 404)
	c.wantExit(3, "NotFound", "", "users", "delete", bob, "--yes")
}

// TestCLIClients drives the clients commands: create, whose secret works,
// list, delete, whose tokens stop working, and the exit codes.
func TestCLIClients(t *testing.T) {
	c := newCLISession(t)
	customer := c.id("tenants", "create", "--name", "Acme", "--kind", "customer")
	var created map[string]any
	if err := json.Unmarshal([]byte(c.must("clients", "create", "--tenant", customer, "--json")), &created); err != nil || created["client_secret"] == "" {
		t.Fatalf("clients create --json: %v, %v", created, err)
	}
	id := created["client_id"].(string)
	tok := token(t, c.srv.baseURL, id, created["client_secret"].(string))
	inside := &client{t: t, baseURL: c.srv.baseURL, auth: "Bearer " + tok}
	inside.must("GET", "/tenants/"+customer, nil, nil, 200)

	table := c.must("clients", "create")
	if l := lines(table); len(l) != 2 || !strings.HasPrefix(l[0], "CLIENT_ID  ") || !strings.Contains(l[0], "CLIENT_SECRET") || !strings.Contains(l[1], c.creds.TenantID+"  enabled") {
		t.Errorf("clients create:\n%s", table)
	}
	list := lines(c.must("clients", "list"))
	if len(list) != 4 || !strings.HasPrefix(list[1], c.creds.ClientID+"  "+c.creds.TenantID+"  api_client  enabled  ") {
		t.Errorf("clients list:\n%s", strings.Join(list, "\n"))
	}
	if got := c.must("clients", "list", "--tenant", customer, "-q"); got != id+"\n" {
		t.Errorf("clients list --tenant -q: %q", got)
	}

	c.wantExit(0, "Deleted API client "+id, "", "clients", "delete", id, "--yes")
	inside.must("GET", "/tenants/"+customer, nil, nil, 401)
	c.api.must("GET", "/clients/"+id, nil, nil, 404)
	oneLine(t, c.wantExit(3, "not found (404 NotFound)", "", "clients", "delete", id, "--yes"))
	oneLine(t, c.wantExit(2, "--auth-method must be", "", "clients", "create", "--auth-method", "magic"))
	oneLine(t, c.wantExit(1, "refusing to delete the API client this command runs as", "", "clients", "delete", c.creds.ClientID, "--yes"))
	c.wantExit(2, "accepts 1 arg", "", "clients", "delete")
}

// TestCLIServices drives the services commands: list, enable and disable,
// checked against the tenant's services in the API.
func TestCLIServices(t *testing.T) {
	c := newCLISession(t)
	customer := c.id("tenants", "create", "--name", "Acme", "--kind", "customer")
	list := c.must("services", "list", "--tenant", customer)
	var backup string
	for _, l := range lines(list)[1:] {
		if f := strings.Fields(l); f[1] == "backup" {
			backup = f[0]
			if f[len(f)-1] != "no" {
				t.Errorf("backup is on for a new customer:\n%s", list)
			}
		}
	}
	if backup == "" {
		t.Fatalf("services list has no backup:\n%s", list)
	}
	enabled := func() string {
		return mustJSON(t, c.api.must("GET", "/tenants/"+customer+"/applications", nil, nil, 200)["items"])
	}
	c.must("services", "enable", "backup", "--tenant", customer)
	if got := enabled(); !strings.Contains(got, backup) {
		t.Errorf("after services enable: %s", got)
	}
	var views []struct {
		ID, Type string
		Enabled  bool
	}
	if err := json.Unmarshal([]byte(c.must("services", "list", "--tenant", customer, "--json")), &views); err != nil {
		t.Fatal(err)
	}
	for _, v := range views {
		if v.ID == backup && !v.Enabled {
			t.Errorf("services list --json says backup is off")
		}
	}
	if got := c.must("services", "disable", backup, "--tenant", customer, "-q"); got != backup+"\n" {
		t.Errorf("services disable -q: %q", got)
	}
	if got := enabled(); strings.Contains(got, backup) {
		t.Errorf("after services disable: %s", got)
	}
	oneLine(t, c.wantExit(3, `no service "nope": give its id or one of platform, backup`, "", "services", "enable", "nope", "--tenant", customer))
	oneLine(t, c.wantExit(3, "NotFound", "", "services", "enable", "backup", "--tenant", missing))
	oneLine(t, c.wantExit(1, "ParameterMalformed", "", "services", "list", "--tenant", "bad"))
}
