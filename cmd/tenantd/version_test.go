package main

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/tenantd/tenantd", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "025245f0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6"},
			{Key: "vcs.time", Value: "2026-12-07T12:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		}}
	var b bytes.Buffer
	if err := writeVersion(&b, info); err != nil {
		t.Fatal(err)
	}
	want := "tenantd v1.4.0\ncommit   025245f0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6+dirty\nbuilt at 2026-12-07T12:00:00Z (commit time)\ngo       go1.26.0\n"
	if b.String() != want {
		t.Errorf("version printed\n%s\nwant\n%s", b.String(), want)
	}
	// A build without VCS stamping says so rather than inventing a commit.
	b.Reset()
	_ = writeVersion(&b, &debug.BuildInfo{GoVersion: "go1.26.0"})
	if !strings.Contains(b.String(), "tenantd (devel)\ncommit   unknown\n") {
		t.Errorf("unstamped build printed\n%s", b.String())
	}

	// The command reads this binary's own build information.
	code, stdout, stderr := runCmd(t, nil, "version")
	if code != 0 || !strings.HasPrefix(stdout, "tenantd ") || !strings.Contains(stdout, "go       "+runtime.Version()+"\n") {
		t.Errorf("tenantd version: %d %q %q", code, stdout, stderr)
	}
}
