package main_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCLIUsageAndReports reports usage with the command line, shows it,
// makes a report of it and downloads the report's file.
func TestCLIUsageAndReports(t *testing.T) {
	c := newCLISession(t, "--report-interval", "200ms")
	partner := c.id("tenants", "create", "--name", "Partner", "--kind", "partner")
	customer := c.id("tenants", "create", "--name", "Acme", "--kind", "customer", "--parent", partner)
	c.must("items", "set", "pw_base_workstations", "pw_base_servers", "--service", "backup", "--tenant", partner)
	c.must("items", "set", "pw_base_workstations", "pw_base_servers", "--service", "backup", "--tenant", customer, "--quota", "10")

	out := c.must("usage", "report", "pw_base_workstations=7", "pw_base_servers=2", "--tenant", customer)
	if l := lines(out); len(l) != 3 || l[1] != "pw_base_workstations  7      recorded" || l[2] != "pw_base_servers       2      recorded" {
		t.Errorf("usage report:\n%s", out)
	}
	usage := c.api.must("GET", "/tenants/"+customer+"/usages", url.Values{"usage_names": {"workstations"}}, nil, 200)["items"].([]any)
	if len(usage) != 1 || usage[0].(map[string]any)["value"] != 7.0 {
		t.Errorf("the usage in the API: %v", usage)
	}
	refused := c.wantExit(1, "the usage of 1 item was not recorded", "", "usage", "report", "pw_base_servers=3", "nope=1", "--tenant", customer)
	oneLine(t, refused)
	if got := c.api.must("GET", "/tenants/"+customer+"/usages", url.Values{"usage_names": {"servers"}}, nil, 200)["items"].([]any); got[0].(map[string]any)["value"] != 3.0 {
		t.Errorf("the accepted item of a partly refused report: %v", got)
	}
	oneLine(t, c.wantExit(2, `"seven": give ITEM=VALUE`, "", "usage", "report", "seven", "--tenant", customer))
	oneLine(t, c.wantExit(2, `give ITEM=VALUE`, "", "usage", "report", "pw_base_servers=-1", "--tenant", customer))

	show := c.must("usage", "show", "--tenant", customer, "--usage-names", "workstations")
	if l := lines(show); len(l) != 2 || l[1] != "backup   pw_base_workstations  pck_per_workload  workstations  7      10     quantity" {
		t.Errorf("usage show:\n%s", show)
	}
	var shown []map[string]any
	if err := json.Unmarshal([]byte(c.must("usage", "show", "--tenant", customer, "--json")), &shown); err != nil || len(shown) != 2 {
		t.Errorf("usage show --json: %v, %v", shown, err)
	}
	oneLine(t, c.wantExit(3, "NotFound", "", "usage", "show", "--tenant", missing))

	report := c.id("reports", "create", "--kind", "usage_current", "--tenant", customer, "--format", "csv")
	if got := c.api.must("GET", "/reports/"+report, nil, nil, 200); got["parameters"].(map[string]any)["kind"] != "usage_current" || got["schedule"].(map[string]any)["type"] != "once" {
		t.Errorf("the created report: %v", got)
	}
	list := lines(c.must("reports", "list", "--tenant", customer))
	if len(list) != 2 || !strings.HasPrefix(list[1], report+"  "+customer+"  usage_current  itself  once      csv") {
		t.Errorf("reports list:\n%s", strings.Join(list, "\n"))
	}
	file := filepath.Join(t.TempDir(), "usage.csv")
	c.wantExit(0, "Saved the csv file", "", "reports", "download", report, "--file", file)
	csv, err := os.ReadFile(file)
	if err != nil || !strings.HasPrefix(string(csv), "tenant_id,") || !strings.Contains(string(csv), ",pw_base_workstations,workstations,quantity,7") {
		t.Errorf("the downloaded report (%v):\n%s", err, csv)
	}
	if got := c.must("reports", "download", report); got != string(csv) {
		t.Errorf("reports download to stdout differs from the file:\n%s", got)
	}
	stored := lines(c.must("reports", "list", "--report", report))
	if len(stored) != 2 || !strings.Contains(stored[1], "  csv     saved  ") {
		t.Errorf("reports list --report:\n%s", strings.Join(stored, "\n"))
	}
	oneLine(t, c.wantExit(3, "has no file of format html", "", "reports", "download", report, "--format", "html"))
	oneLine(t, c.wantExit(3, "NotFound", "", "reports", "download", missing))
	oneLine(t, c.wantExit(2, "--kind must be usage_current", "", "reports", "create", "--kind", "usage_yearly"))
	oneLine(t, c.wantExit(2, "--start must be a date", "", "reports", "create", "--kind", "usage_daily", "--start", "yesterday", "--end", "2026-01-01"))
	monthly := c.id("reports", "create", "--kind", "usage_summary", "--level", "all_customers", "--monthly", "--tenant", partner)
	if got := c.api.must("GET", "/reports/"+monthly, nil, nil, 200); got["schedule"].(map[string]any)["type"] != "monthly" || got["parameters"].(map[string]any)["level"] != "all_customers" {
		t.Errorf("the monthly report: %v", got)
	}
}

// TestCLIEvents reads the audit trail with events tail, and follows it:
// a change made while it follows is printed, and an interrupt ends it with
// exit code 0.
func TestCLIEvents(t *testing.T) {
	c := newCLISession(t)
	customer := c.id("tenants", "create", "--name", "Acme", "--kind", "customer")
	user := c.id("users", "create", "--tenant", customer, "--email", "ann@acme.example")

	tail := lines(c.must("events", "tail"))
	if f := strings.Fields(tail[len(tail)-1]); len(tail) != 5 || !strings.HasPrefix(tail[0], "TIME ") ||
		strings.Join(f[2:], " ") != "create user "+user+" "+customer+" client "+c.creds.ClientID {
		t.Errorf("events tail:\n%s", strings.Join(tail, "\n"))
	}
	// The root tenant, made by bootstrap, and the customer.
	if got := c.must("events", "tail", "--type", "tenant", "-q"); len(lines(got)) != 2 || lines(got)[1] == "" {
		t.Errorf("events tail --type tenant -q: %q", got)
	}
	var events []map[string]any
	if err := json.Unmarshal([]byte(c.must("events", "tail", "-n", "1", "--json")), &events); err != nil || len(events) != 1 || events[0]["object_id"] != user || events[0]["action"] != "create" {
		t.Errorf("events tail -n 1 --json: %v, %v", events, err)
	}
	if got := c.must("events", "tail", "--tenant", customer, "--object", customer, "-q"); len(lines(got)) != 1 {
		t.Errorf("events tail --object: %q", got)
	}
	oneLine(t, c.wantExit(3, "NotFound", "", "events", "tail", "--tenant", missing))
	oneLine(t, c.wantExit(2, `--type "nope" is not an object type`, "", "events", "tail", "--type", "nope"))
	oneLine(t, c.wantExit(2, "--lines must be 0 or more", "", "events", "tail", "-n", "-1"))

	// Follow the trail as JSON lines.
	cmd := exec.Command(binary, "events", "tail", "-n", "1", "--follow", "--interval", "100ms", "--json")
	cmd.Env = append(os.Environ(), c.env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	got := make(chan map[string]any)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var e map[string]any
			if json.Unmarshal(sc.Bytes(), &e) != nil {
				e = map[string]any{"unparsed": sc.Text()}
			}
			got <- e
		}
		_, _ = io.Copy(io.Discard, stdout)
		close(got)
	}()
	next := func() map[string]any {
		t.Helper()
		select {
		case e, ok := <-got:
			if !ok {
				t.Fatal("events tail --follow ended")
			}
			return e
		case <-time.After(30 * time.Second):
			t.Fatal("events tail --follow printed nothing")
		}
		return nil
	}
	if e := next(); e["object_id"] != user {
		t.Errorf("the first line of --follow: %v", e)
	}
	other := c.id("tenants", "create", "--name", "Later", "--kind", "customer")
	if e := next(); e["object_id"] != other || e["action"] != "create" || e["object_type"] != "tenant" {
		t.Errorf("the event --follow printed for a new tenant: %v", e)
	}
	c.must("tenants", "update", other, "--name", "Later Still")
	if e := next(); e["object_id"] != other || e["action"] != "update" {
		t.Errorf("the event --follow printed for an update: %v", e)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("events tail --follow after an interrupt: %v, want exit 0", err)
	}
}
