package main_test

import (
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

// TestFieldValidationSetting checks tenantd serve's --field-validation and
// TENANTD_FIELD_VALIDATION, the flag winning, and the per-request
// field_validation parameter over both.
func TestFieldValidationSetting(t *testing.T) {
	store := storeArgs(t)["sqlite"]
	creds := bootstrap(t, store)
	// post creates a partner with an unknown field and returns the status
	// and the Warning headers.
	post := func(s *server, name, query string) (int, []string, string) {
		t.Helper()
		body := `{"name":"` + name + `","kind":"partner","parent_id":"` + creds.TenantID + `","colour":"red"}`
		req, _ := http.NewRequest("POST", s.baseURL+"/tenants"+query, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token(t, s.baseURL, creds.ClientID, creds.ClientSecret))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		return resp.StatusCode, resp.Header.Values("Warning"), b.String()
	}
	warned := []string{`299 - "unknown field \"colour\""`}
	for _, c := range []struct {
		name     string
		args     []string
		env      []string
		query    string
		status   int
		warnings []string
	}{
		{"default", nil, nil, "", 201, warned},
		{"strict from the environment", nil, []string{"TENANTD_FIELD_VALIDATION=strict"}, "", 400, nil},
		{"strict, warn asked for", nil, []string{"TENANTD_FIELD_VALIDATION=strict"}, "?field_validation=warn", 201, warned},
		{"the flag over the environment", []string{"--field-validation=ignore"}, []string{"TENANTD_FIELD_VALIDATION=strict"}, "", 201, nil},
		{"ignore, strict asked for", []string{"--field-validation", "ignore"}, nil, "?field_validation=strict", 400, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := serve(t, append(append([]string{}, store...), c.args...), c.env...)
			defer s.stop(t)
			status, warnings, body := post(s, "P "+c.name, c.query)
			if status != c.status || strings.Join(warnings, "|") != strings.Join(c.warnings, "|") {
				t.Errorf("status %d, Warning %q; want %d, %q: %s", status, warnings, c.status, c.warnings, body)
			}
			if status == 400 && !strings.Contains(body, "colour") {
				t.Errorf("the refusal does not name the field: %s", body)
			}
		})
	}
	out, err := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0", "--field-validation", "lax"}, store...)...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--field-validation") {
		t.Errorf("serve --field-validation lax: %v, %s", err, out)
	}
}
