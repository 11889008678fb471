package main_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestCLISettings drives the settings commands: set with --lock and
// --exclusive, get of one and of all, the value a child inherits, unset,
// and the exit codes.
func TestCLISettings(t *testing.T) {
	c := newCLISession(t)
	partner := c.id("tenants", "create", "--name", "Partner", "--kind", "partner")
	customer := c.id("tenants", "create", "--name", "Acme", "--kind", "customer", "--parent", partner)
	setting := func(tenant, name string) map[string]any {
		platform := applicationOfType(t, tenantApplications(c.api, tenant), "platform")
		return c.api.must("GET", "/applications/"+platform+"/settings/tenants/"+tenant+"/"+name, nil, nil, 200)
	}

	out := c.must("settings", "set", "platform", "QuotaAlertThreshold", "90", "--tenant", partner, "--lock")
	if l := lines(out); len(l) != 2 || !strings.HasPrefix(l[1], "QuotaAlertThreshold  90     true  false") {
		t.Errorf("settings set:\n%s", out)
	}
	if own := setting(partner, "QuotaAlertThreshold")["own"].(map[string]any); own["value"] != 90.0 || own["lock"] != true || own["exclusive"] != false {
		t.Errorf("the partner's own setting: %v", own)
	}
	inherited := c.must("settings", "get", "platform", "QuotaAlertThreshold", "--tenant", customer)
	if !strings.Contains(inherited, "90 (locked)  tenant "+partner) {
		t.Errorf("the customer's setting:\n%s", inherited)
	}
	oneLine(t, c.wantExit(1, "the setting is locked by tenant "+partner+" (403 Forbidden)", "", "settings", "set", "platform", "QuotaAlertThreshold", "70", "--tenant", customer))

	c.must("settings", "set", "platform", "PromoteHigherEditions", "true", "--tenant", customer, "--exclusive")
	if own := setting(customer, "PromoteHigherEditions")["own"].(map[string]any); own["value"] != true || own["exclusive"] != true {
		t.Errorf("the customer's own setting: %v", own)
	}
	all := lines(c.must("settings", "get", "platform", "--tenant", customer))
	if len(all) != 3 || !strings.HasPrefix(all[1], "PromoteHigherEditions  true   false  true") {
		t.Errorf("settings get of all:\n%s", strings.Join(all, "\n"))
	}
	if got := c.must("settings", "get", "platform", "--tenant", customer, "-q"); got != "PromoteHigherEditions\nQuotaAlertThreshold\n" {
		t.Errorf("settings get -q: %q", got)
	}
	var one map[string]any
	if err := json.Unmarshal([]byte(c.must("settings", "get", "platform", "PromoteHigherEditions", "--tenant", customer, "--json")), &one); err != nil ||
		one["name"] != "PromoteHigherEditions" || one["own"].(map[string]any)["value"] != true {
		t.Errorf("settings get --json: %v, %v", one, err)
	}

	c.must("settings", "unset", "platform", "QuotaAlertThreshold", "--tenant", partner)
	if got := setting(partner, "QuotaAlertThreshold"); got["own"] != nil {
		t.Errorf("after unset: %v", got)
	}
	c.must("settings", "set", "platform", "QuotaAlertThreshold", "70", "--tenant", customer)
	oneLine(t, c.wantExit(1, "must be an integer, not a string (400 ParameterMalformed)", "", "settings", "set", "platform", "QuotaAlertThreshold", "lots", "--tenant", customer))
	oneLine(t, c.wantExit(3, `has no setting "Nope" (404 NotFound)`, "", "settings", "get", "platform", "Nope"))
	oneLine(t, c.wantExit(3, `no service "nope"`, "", "settings", "get", "nope", "Nope"))
	c.wantExit(2, "accepts 3 arg(s)", "", "settings", "set", "platform", "QuotaAlertThreshold")
}

// TestCLIItemsEditionsPricing drives the items, editions and pricing
// commands the way a partner sets up a customer: items for the partner,
// per-workload items with a quota for the customer, an edition switch with
// its check and confirmation, and the irreversible switch to production.
func TestCLIItemsEditionsPricing(t *testing.T) {
	c := newCLISession(t)
	partner := c.id("tenants", "create", "--name", "Partner", "--kind", "partner")
	customer := c.id("tenants", "create", "--name", "Acme", "--kind", "customer", "--parent", partner)

	var perWorkload, perGigabyte []string
	for _, l := range lines(c.must("items", "list", "--service", "backup"))[1:] {
		switch f := strings.Fields(l); f[2] {
		case "pck_per_workload":
			perWorkload = append(perWorkload, f[1])
		case "pck_per_gigabyte":
			perGigabyte = append(perGigabyte, f[1])
		}
	}
	if len(perWorkload) == 0 || len(perGigabyte) == 0 {
		t.Fatalf("items list has no pay-as-you-go items: %v %v", perWorkload, perGigabyte)
	}
	c.must(append(append([]string{"items", "set", "--service", "backup", "--tenant", partner}, perWorkload...), perGigabyte...)...)
	if got := c.must("items", "list", "--tenant", partner, "--on", "-q"); len(lines(got)) != len(perWorkload)+len(perGigabyte) {
		t.Errorf("the partner's items that are on:\n%s", got)
	}
	c.must(append([]string{"items", "set", "--service", "backup", "--tenant", customer}, perWorkload...)...)
	out := c.must("items", "set", "pw_base_workstations", "--service", "backup", "--tenant", customer, "--quota", "10", "--overage", "2")
	if l := lines(out); len(l) != 2 || !strings.HasPrefix(l[1], "backup   pw_base_workstations  pck_per_workload  on      10     2        workstations  quantity") {
		t.Errorf("items set --quota:\n%s", out)
	}
	quota := func() map[string]any {
		items := c.api.must("GET", "/tenants/"+customer+"/offering_items", url.Values{"edition": {"*"}, "usage_names": {"workstations"}}, nil, 200)["items"].([]any)
		for _, it := range items {
			if m := it.(map[string]any); m["name"] == "pw_base_workstations" {
				return m
			}
		}
		t.Fatalf("no pw_base_workstations among %v", items)
		return nil
	}
	if q := quota(); q["status"] != 1.0 || q["quota"].(map[string]any)["value"] != 10.0 || q["quota"].(map[string]any)["overage"] != 2.0 {
		t.Errorf("the customer's item: %v", q)
	}
	c.must("items", "set", "pw_base_workstations", "--service", "backup", "--tenant", customer, "--quota", "12")
	if q := quota()["quota"].(map[string]any); q["value"] != 12.0 || q["overage"] != 2.0 {
		t.Errorf("a second quota change: %v", q)
	}
	var listed []map[string]any
	if err := json.Unmarshal([]byte(c.must("items", "list", "--tenant", customer, "--on", "--json")), &listed); err != nil || len(listed) != len(perWorkload) {
		t.Errorf("items list --json: %d items, %v", len(listed), err)
	}
	oneLine(t, c.wantExit(1, "does not offer item workstations (400 ParameterMalformed)", "", "items", "set", "workstations", "--service", "backup", "--tenant", customer))
	oneLine(t, c.wantExit(2, "--quota must be a number of 0 or more, or unlimited", "", "items", "set", "pw_base_servers", "--service", "backup", "--quota", "-1"))
	oneLine(t, c.wantExit(2, "--service is required", "", "items", "set", "pw_base_servers"))
	oneLine(t, c.wantExit(3, "NotFound", "", "items", "list", "--tenant", missing))

	// The check prints its warnings; the switch prints them before asking.
	check := c.must("editions", "check", "backup", "pck_per_gigabyte", "--tenant", customer)
	if l := lines(check); len(l) < 2 || l[0] != "WARNING" {
		t.Fatalf("editions check:\n%s", check)
	}
	warnings := lines(check)[1:]
	refused := c.wantExit(1, "not confirmed", "n\n", "editions", "switch", "backup", "pck_per_gigabyte", "--tenant", customer)
	for _, w := range warnings {
		if i, j := strings.Index(refused, "warning  "+w), strings.Index(refused, "Switch the edition? [y/N]"); i < 0 || j < i {
			t.Errorf("the switch did not print %q before asking:\n%s", w, refused)
		}
	}
	if q := quota(); q["status"] != 1.0 {
		t.Errorf("a refused switch changed the items: %v", q)
	}
	switched := c.must("editions", "switch", "backup", "pck_per_gigabyte", "--tenant", customer, "--yes")
	if !strings.Contains(switched, "pg_base_workstations    pck_per_gigabyte  on") || !strings.Contains(switched, "pw_base_workstations    pck_per_workload  off") {
		t.Errorf("editions switch:\n%s", switched)
	}
	if q := quota(); q["status"] != 0.0 {
		t.Errorf("after the switch the per-workload item is %v", q)
	}
	oneLine(t, c.wantExit(3, "NotFound", "", "editions", "check", "backup", "pck_per_gigabyte", "--tenant", missing))
	c.wantExit(2, "accepts 2 arg(s)", "", "editions", "check", "backup")

	// Pricing: the switch to production says it is irreversible and asks.
	if got := c.must("pricing", "get", "--tenant", customer); !strings.Contains(got, customer+"  trial  -  ") {
		t.Errorf("pricing get:\n%s", got)
	}
	warn := c.wantExit(1, "not confirmed", "", "pricing", "production", "--tenant", customer)
	if !strings.Contains(warn, `Switching "Acme" (`+customer+`) from trial to production mode is irreversible`) {
		t.Errorf("pricing production did not warn:\n%s", warn)
	}
	if got := c.api.must("GET", "/tenants/"+customer+"/pricing", nil, nil, 200); got["mode"] != "trial" {
		t.Errorf("an unconfirmed switch: %v", got)
	}
	oneLine(t, c.wantExit(2, `--currency must be one of AUD`, "", "pricing", "production", "--tenant", customer, "--currency", "XXX", "--yes"))
	c.wantExit(0, "Switch to production? [y/N]", "y\n", "pricing", "production", "--tenant", customer, "--currency", "EUR")
	if got := c.api.must("GET", "/tenants/"+customer+"/pricing", nil, nil, 200); got["mode"] != "production" || got["currency"] != "EUR" {
		t.Errorf("after pricing production: %v", got)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(c.must("pricing", "get", "--tenant", customer, "--json")), &p); err != nil || p["mode"] != "production" {
		t.Errorf("pricing get --json: %v, %v", p, err)
	}
	oneLine(t, c.wantExit(4, `tenant "Acme" is already in production mode`, "", "pricing", "production", "--tenant", customer, "--yes"))
	oneLine(t, c.wantExit(3, "NotFound", "", "pricing", "get", "--tenant", missing))
}
