package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// app is what every command runs with: the environment and the standard
// streams. Commands read and write nothing else, so that tests can run them.
type app struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// Exit codes. Scripts can rely on them.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2 // exitNotFound and exitConflict are in cli.go
)

// usageError is a command line the command cannot run: an unknown command
// or flag, a missing or extra argument, a bad flag value.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// errSilent is returned by a command that has already said what went wrong.
var errSilent = errors.New("error already reported")

// exitCoder is an error that knows its exit code.
type exitCoder interface{ ExitCode() int }

func exitCode(err error) int {
	var u *usageError
	var c exitCoder
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &u):
		return exitUsage
	case errors.As(err, &c):
		return c.ExitCode()
	}
	return exitError
}

// envAnnotation marks a flag that takes its value from its TENANTD_*
// environment variable when the command line does not set it.
const envAnnotation = "tenantd_env"

// bindEnv lets every flag of cmd be set from its environment variable.
func bindEnv(cmd *cobra.Command) {
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		_ = cmd.Flags().SetAnnotation(f.Name, envAnnotation, []string{envName(f.Name)})
	})
}

// applyEnv sets the flags of cmd that the command line left unset from
// their environment variables.
func (a *app) applyEnv(cmd *cobra.Command) error {
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		names, ok := f.Annotations[envAnnotation]
		if !ok || f.Changed || err != nil {
			return
		}
		for _, name := range names {
			if v := a.getenv(name); v != "" {
				if e := f.Value.Set(v); e != nil {
					err = &usageError{fmt.Errorf("%s: %w", name, e)}
				}
				return
			}
		}
	})
	return err
}

// newRootCmd is the tenantd command and all its subcommands.
func (a *app) newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "tenantd",
		Short: "tenantd is an account-management server for cloud service providers",
		Long: `tenantd keeps the tree of tenants a provider sells through, with their users, API
clients, services, settings, offering items, pricing, branding and usage, and serves it
as a REST API under /api/2.

The server commands (serve, migrate, bootstrap) take every flag also from an
environment variable: --addr is TENANTD_ADDR, --data is TENANTD_DATA; a flag wins.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		DisableAutoGenTag: true,
		Args:              cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(a.stderr)
			_ = cmd.Usage()
			return &usageError{errors.New("no command given")}
		},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.applyEnv(cmd)
		},
	}
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(
		a.newServeCmd(),
		a.newDevCmd(),
		a.newExportCmd(),
		a.newImportCmd(),
		a.newMigrateCmd(),
		a.newBootstrapCmd(),
		a.newIssuerCmd(),
		a.newVersionCmd(),
		a.newBackupCmd(),
		a.newRestoreCmd(),
		a.newVacuumCmd(),
		a.newLoginCmd(),
		a.newTenantsCmd(),
		a.newUsersCmd(),
		a.newClientsCmd(),
		a.newServicesCmd(),
		a.newSettingsCmd(),
		a.newItemsCmd(),
		a.newEditionsCmd(),
		a.newPricingCmd(),
		a.newUsageCmd(),
		a.newReportsCmd(),
		a.newEventsCmd(),
	)
	return root
}

// run runs the command line args (without the program name).
func (a *app) run(ctx context.Context, args []string) error {
	root := a.newRootCmd()
	root.SetArgs(goStyleFlags(root, args))
	_, err := root.ExecuteContextC(ctx)
	if err != nil && isUsage(err) {
		return &usageError{err}
	}
	return err
}

// isUsage tells the errors cobra itself returns for a command line it cannot
// parse (unknown command, wrong number of arguments) from a command's own.
func isUsage(err error) bool {
	var u *usageError
	if errors.As(err, &u) {
		return false
	}
	msg := err.Error()
	for _, p := range []string{"unknown command ", "accepts ", "requires at least ", "requires at most ", "requires exactly ", "accepts at most ", "accepts between ", "invalid argument "} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// goStyleFlags rewrites the single-dash long flags of the server commands
// (-addr :8080, -data=/var/lib/tenantd), which tenantd has always accepted,
// into the double-dash form the flag parser takes.
func goStyleFlags(root *cobra.Command, args []string) []string {
	cmd, _, err := root.Find(args)
	if err != nil || cmd == root || cmd.Annotations["go_flags"] != "true" {
		return args
	}
	out := make([]string, 0, len(args))
	for i, arg := range args {
		if arg == "--" {
			return append(out, args[i:]...)
		}
		if len(arg) > 2 && arg[0] == '-' && arg[1] != '-' {
			name, _, _ := strings.Cut(arg[1:], "=")
			if len(name) > 1 && cmd.Flags().Lookup(name) != nil {
				arg = "-" + arg
			}
		}
		out = append(out, arg)
	}
	return out
}

func envName(flagName string) string {
	return "TENANTD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}
