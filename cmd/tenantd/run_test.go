package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs a tenantd command line in-process with the given
// environment and returns its exit code and output.
func runCmd(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &app{getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}
	err := a.run(context.Background(), args)
	if err != nil {
		errOut.WriteString("tenantd: " + err.Error() + "\n")
	}
	return exitCode(err), out.String(), errOut.String()
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestServerFlags checks that the server commands take their flags in the
// Go style they always took (-data DIR, --data=DIR) and from TENANTD_*
// variables, the command line winning.
func TestServerFlags(t *testing.T) {
	for _, args := range [][]string{{"-data", "D"}, {"--data", "D"}, {"-data=D"}, {"--data=D"}} {
		dir := filepath.Join(t.TempDir(), "data")
		for i := range args {
			args[i] = strings.Replace(args[i], "D", dir, 1)
		}
		code, out, errOut := runCmd(t, nil, append([]string{"migrate"}, args...)...)
		if code != 0 || !strings.Contains(out, "applied 0001_") || !exists(filepath.Join(dir, "tenantd.db")) {
			t.Errorf("migrate %v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}

	fromEnv := filepath.Join(t.TempDir(), "env")
	if code, out, errOut := runCmd(t, map[string]string{"TENANTD_DATA": fromEnv}, "migrate"); code != 0 || !strings.Contains(out, "applied 0001_") || !exists(filepath.Join(fromEnv, "tenantd.db")) {
		t.Errorf("migrate with TENANTD_DATA: exit %d, %q %q", code, out, errOut)
	}
	fromFlag, notUsed := filepath.Join(t.TempDir(), "flag"), filepath.Join(t.TempDir(), "unused")
	if code, _, errOut := runCmd(t, map[string]string{"TENANTD_DATA": notUsed}, "bootstrap", "--data", fromFlag); code != 0 || !exists(filepath.Join(fromFlag, "tenantd.db")) || exists(notUsed) {
		t.Errorf("the flag did not win over TENANTD_DATA: exit %d, %q", code, errOut)
	}
}

// TestExitCodes checks what a script can tell from tenantd's exit code.
func TestExitCodes(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		code int
		want string // in stderr
	}{
		{nil, nil, 2, "no command given"},
		{nil, []string{"launch"}, 2, `unknown command "launch"`},
		{nil, []string{"serve", "extra"}, 2, `unknown command "extra"`},
		{nil, []string{"serve", "--nope"}, 2, "unknown flag: --nope"},
		{nil, []string{"serve", "--retention", "soon"}, 2, `invalid argument "soon"`},
		{map[string]string{"TENANTD_RETENTION": "soon"}, []string{"serve"}, 2, "TENANTD_RETENTION: "},
		{nil, []string{"serve", "--db", "mysql://nope"}, 1, "--db must be a postgres:// URL"},
		{map[string]string{"TENANTD_TOKEN_ALG": "HS256"}, []string{"serve", "--data", t.TempDir()}, 1, "--token-alg must be RS256 or EdDSA"},
	} {
		code, _, errOut := runCmd(t, c.env, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("tenantd %v (env %v): exit %d, stderr %q; want exit %d and %q", c.args, c.env, code, errOut, c.code, c.want)
		}
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"serve", "--help"}, {"serve", "-h"}} {
		code, out, errOut := runCmd(t, nil, args...)
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("tenantd %v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}
