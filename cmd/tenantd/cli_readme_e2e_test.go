package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// readmeTour returns the shell block of the README's "Command line"
// section that follows its login.
func readmeTour(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Command line\n")
	if !ok {
		t.Fatal(`README.md has no "## Command line" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var blocks []string
	for rest := section; ; {
		_, after, ok := strings.Cut(rest, "```sh\n")
		if !ok {
			break
		}
		block, tail, ok := strings.Cut(after, "```\n")
		if !ok {
			t.Fatal("README.md: an unclosed code block in the command line section")
		}
		blocks, rest = append(blocks, block), tail
	}
	if len(blocks) != 2 || !strings.HasPrefix(blocks[0], "tenantd login ") {
		t.Fatalf("the command line section has %d shell blocks, want the login and the tour: %q", len(blocks), blocks)
	}
	return blocks[1]
}

// TestCLIReadmeTour runs the README's command line tour verbatim, with
// sh -e, against a fresh server, and checks what it did through the API.
func TestCLIReadmeTour(t *testing.T) {
	tour := readmeTour(t)
	c := newCLISession(t)
	bin := t.TempDir()
	if err := os.Symlink(binary, filepath.Join(bin, "tenantd")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-e", "-c", tour)
	cmd.Env = append(append(os.Environ(), c.env...), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	cmd.Dir = t.TempDir()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("the README's tour: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	for _, want := range []string{"└── Partner One (partner, trial)", "    └── Acme (customer, trial)", "pw_base_workstations  7      recorded",
		"ann@acme.example", "production  EUR", "create"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the tour's output lacks %q:\n%s", want, out.String())
		}
	}

	var customer string
	for _, l := range lines(c.must("tenants", "tree")) {
		if strings.Contains(l, "Acme (customer") {
			f := strings.Fields(l)
			customer = f[len(f)-1]
		}
	}
	if customer == "" {
		t.Fatal("the tour made no customer")
	}
	if got := c.api.must("GET", "/tenants/"+customer+"/pricing", nil, nil, 200); got["mode"] != "production" || got["currency"] != "EUR" {
		t.Errorf("the customer's pricing after the tour: %v", got)
	}
	if got := c.must("users", "list", "--tenant", customer); !strings.Contains(got, "company_admin  yes") {
		t.Errorf("the customer's users after the tour:\n%s", got)
	}
	if got := c.must("settings", "get", "platform", "QuotaAlertThreshold", "--tenant", customer); !strings.Contains(got, "QuotaAlertThreshold  90 ") {
		t.Errorf("the setting after the tour:\n%s", got)
	}
}
