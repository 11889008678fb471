package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func (a *app) newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print tenantd's version, commit and build details",
		Long: `Print the module version, the commit tenantd was built from (with "+dirty" when the
working tree had changes), that commit's time and the Go version, from the build
information the Go toolchain records in the binary.`,
		Example: `  tenantd version`,
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			info, ok := debug.ReadBuildInfo()
			if !ok {
				return fmt.Errorf("the binary carries no build information")
			}
			return writeVersion(a.stdout, info)
		},
	}
}

// buildVersion is what tenantd version prints.
type buildVersion struct {
	version, commit, commitTime, goVersion string
}

func versionOf(info *debug.BuildInfo) buildVersion {
	v := buildVersion{version: info.Main.Version, commit: "unknown", commitTime: "unknown", goVersion: info.GoVersion}
	if v.version == "" {
		v.version = "(devel)"
	}
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.commit = s.Value
		case "vcs.time":
			v.commitTime = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && v.commit != "unknown" {
		v.commit += "+dirty"
	}
	return v
}

func writeVersion(w io.Writer, info *debug.BuildInfo) error {
	v := versionOf(info)
	_, err := fmt.Fprintf(w, "tenantd %s\ncommit   %s\nbuilt at %s (commit time)\ngo       %s\n", v.version, v.commit, v.commitTime, v.goVersion)
	return err
}

// moduleVersion is the module version of the running binary, "(devel)"
// for a build from a checkout.
func moduleVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	return versionOf(info).version
}
