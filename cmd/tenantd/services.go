package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd/client"
)

func (a *app) newServicesCmd() *cobra.Command {
	s := &session{a: a}
	cmd := &cobra.Command{
		Use:     "services",
		Aliases: []string{"service"},
		Short:   "List the services and enable or disable them for a tenant",
		Long: `List the services (applications) of the server and which of them a tenant
has, and enable or disable one for a tenant. A service is named by its id, its
type (backup, platform, ...) or its name.`,
		Example: `  tenantd services list --tenant CUSTOMER_ID
  tenantd services enable backup --tenant CUSTOMER_ID`,
	}
	s.addSessionFlags(cmd)
	cmd.AddCommand(s.servicesList(), s.servicesToggle(true), s.servicesToggle(false))
	return cmd
}

// applications lists the services of the server.
func (s *session) applications(ctx context.Context) ([]client.Application, error) {
	resp, err := client.Check(s.c.FetchApplicationsWithResponse(ctx))
	if err != nil {
		return nil, cliErr(err)
	}
	return resp.JSON200.Items, nil
}

// application connects, if need be, and finds a service by id, type or
// name.
func (s *session) application(ctx context.Context, ref string) (*client.Application, error) {
	if err := s.connect(ctx); err != nil {
		return nil, err
	}
	apps, err := s.applications(ctx)
	if err != nil {
		return nil, err
	}
	for _, match := range []func(client.Application) bool{
		func(a client.Application) bool { return a.ID == ref },
		func(a client.Application) bool { return string(a.Type) == ref },
		func(a client.Application) bool { return strings.EqualFold(a.Name, ref) },
	} {
		if i := slices.IndexFunc(apps, match); i >= 0 {
			return &apps[i], nil
		}
	}
	var types []string
	for _, a := range apps {
		types = append(types, string(a.Type))
	}
	return nil, &notFoundError{fmt.Sprintf("no service %q: give its id or one of %s", ref, strings.Join(types, ", "))}
}

// notFoundError is something the command line looked for in vain.
type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return e.msg }
func (e *notFoundError) ExitCode() int { return exitNotFound }

// serviceView is a service with whether a tenant has it.
type serviceView struct {
	client.Application
	Enabled bool `json:"enabled"`
}

func (s *session) servicesList() *cobra.Command {
	var tenant string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the services and whether a tenant has them",
		Example: `  tenantd services list
  tenantd services list --tenant CUSTOMER_ID --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			apps, err := s.applications(ctx)
			if err != nil {
				return err
			}
			on, err := client.Check(s.c.FetchAvailableTenantApplicationsWithResponse(ctx, s.tenantOrHome(tenant), nil))
			if err != nil {
				return cliErr(err)
			}
			views := []serviceView{}
			t := table{header: []string{"ID", "TYPE", "NAME", "ENABLED"}}
			for _, a := range apps {
				v := serviceView{Application: a, Enabled: slices.Contains(on.JSON200.Items, a.ID)}
				views = append(views, v)
				t.rows = append(t.rows, []string{a.ID, string(a.Type), a.Name, yesNo(v.Enabled)})
				t.ids = append(t.ids, a.ID)
			}
			t.value = views
			return s.print(t)
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "the tenant (default the login's tenant)")
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (s *session) servicesToggle(on bool) *cobra.Command {
	var tenant string
	use, short, example := "enable SERVICE", "Enable a service for a tenant", `  tenantd services enable backup --tenant CUSTOMER_ID`
	if !on {
		use, short, example = "disable SERVICE", "Disable a service for a tenant", `  tenantd services disable backup --tenant CUSTOMER_ID`
	}
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Example: example,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			app, err := s.application(ctx, args[0])
			if err != nil {
				return err
			}
			tenant = s.tenantOrHome(tenant)
			if on {
				_, err = client.Check(s.c.TurnOnTenantApplicationWithResponse(ctx, app.ID, tenant))
			} else {
				_, err = client.Check(s.c.TurnOffTenantApplicationWithResponse(ctx, app.ID, tenant))
			}
			if err != nil {
				return cliErr(err)
			}
			v := serviceView{Application: *app, Enabled: on}
			return s.print(table{header: []string{"ID", "TYPE", "NAME", "ENABLED"}, rows: [][]string{{app.ID, string(app.Type), app.Name, yesNo(on)}},
				ids: []string{app.ID}, value: v})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "the tenant (default the login's tenant)")
	return cmd
}
