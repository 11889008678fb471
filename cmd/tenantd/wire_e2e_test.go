package main_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestShellAndPythonClients runs client code of the two kinds integrators
// write against the published API, unchanged, against the real binary on
// each store: a curl and jq script that reads each body and status with one
// read each (testdata/wire_client.sh), and provisioning code on Python's
// requests (testdata/wire_client.py). Each skips where its tools are not
// installed.
func TestShellAndPythonClients(t *testing.T) {
	scripts := []struct {
		name  string
		tools []string
		cmd   []string
	}{
		{"curl and jq", []string{"bash", "curl", "jq"}, []string{"bash", "testdata/wire_client.sh"}},
		{"python requests", []string{"python3"}, []string{"python3", "testdata/wire_client.py"}},
	}
	for name, store := range storeArgs(t) {
		t.Run(name, func(t *testing.T) {
			creds := bootstrap(t, store)
			srv := serve(t, append(append([]string{}, store...), "--report-interval", "200ms"))
			defer srv.stop(t)
			url := strings.TrimSuffix(srv.baseURL, "/api/2")
			for _, sc := range scripts {
				t.Run(sc.name, func(t *testing.T) {
					for _, tool := range sc.tools {
						if _, err := exec.LookPath(tool); err != nil {
							t.Skipf("%s is not installed", tool)
						}
					}
					if sc.cmd[0] == "python3" && exec.Command("python3", "-c", "import requests").Run() != nil {
						t.Skip("python3 has no requests module")
					}
					cmd := exec.Command(sc.cmd[0], sc.cmd[1:]...)
					cmd.Env = append(os.Environ(), "TENANTD_URL="+url, "CLIENT_ID="+creds.ClientID, "CLIENT_SECRET="+creds.ClientSecret)
					out, err := cmd.CombinedOutput()
					if err != nil || !strings.HasSuffix(string(out), "ok\n") {
						t.Errorf("%s: %v\n%s", strings.Join(sc.cmd, " "), err, out)
					}
				})
			}
		})
	}
}
