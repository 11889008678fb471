package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd/client"
)

func (a *app) newEditionsCmd() *cobra.Command {
	s := &session{a: a}
	cmd := &cobra.Command{
		Use:     "editions",
		Aliases: []string{"edition"},
		Short:   "Check and switch the edition of a tenant's service",
		Example: `  tenantd editions check backup pck_per_gigabyte --tenant CUSTOMER_ID
  tenantd editions switch backup pck_per_gigabyte --tenant CUSTOMER_ID --yes`,
	}
	s.addSessionFlags(cmd)
	cmd.AddCommand(s.editionsCheck(), s.editionsSwitch())
	return cmd
}

// editionCheck runs the dry run of an edition switch.
func (s *session) editionCheck(ctx context.Context, tenant string, app *client.Application, edition string) ([]client.EditionSwitchWarning, error) {
	resp, err := client.Check(s.c.PerformTenantEditionSwitchCheckWithResponse(ctx, tenant,
		&client.PerformTenantEditionSwitchCheckParams{TargetEdition: edition, ApplicationID: app.ID}))
	if err != nil {
		return nil, cliErr(err)
	}
	if resp.JSON200.Warnings == nil {
		return []client.EditionSwitchWarning{}, nil
	}
	return resp.JSON200.Warnings, nil
}

func (s *session) editionsCheck() *cobra.Command {
	var tenant string
	cmd := &cobra.Command{
		Use:   "check SERVICE EDITION",
		Short: "Show what switching a tenant's service to an edition would do",
		Long: `Run the check of an edition switch without switching: print its warnings
(OldFeaturesBecomeUnavailable, SomePlansWillStopWorking, ...).`,
		Example: `  tenantd editions check backup pck_per_gigabyte --tenant CUSTOMER_ID`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			app, err := s.application(ctx, args[0])
			if err != nil {
				return err
			}
			w, err := s.editionCheck(ctx, s.tenantOrHome(tenant), app, args[1])
			if err != nil {
				return err
			}
			t := table{header: []string{"WARNING"}, value: client.EditionSwitchWarnings{Warnings: w}}
			for _, x := range w {
				t.rows = append(t.rows, []string{string(x)})
				t.ids = append(t.ids, string(x))
			}
			return s.print(t)
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "the tenant (default the login's tenant)")
	return cmd
}

func (s *session) editionsSwitch() *cobra.Command {
	var tenant string
	cmd := &cobra.Command{
		Use:   "switch SERVICE EDITION",
		Short: "Switch a tenant's service to another edition",
		Long: `Switch a tenant's service to another edition: its items of the old edition
are turned off and those of the new one on. The check's warnings are printed
first, then confirmation is asked unless --yes. The tenant's items after the
switch are printed.`,
		Example: `  tenantd editions switch backup pck_per_gigabyte --tenant CUSTOMER_ID
  tenantd editions switch backup pck_per_workload --tenant CUSTOMER_ID --yes -q`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			app, err := s.application(ctx, args[0])
			if err != nil {
				return err
			}
			tenant = s.tenantOrHome(tenant)
			w, err := s.editionCheck(ctx, tenant, app, args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(s.a.stderr, "Switching %s of tenant %s to edition %s:\n", app.Name, tenant, args[1])
			if len(w) == 0 {
				fmt.Fprintln(s.a.stderr, "  no warnings")
			}
			for _, x := range w {
				fmt.Fprintf(s.a.stderr, "  warning  %s\n", x)
			}
			if err := s.confirm("Switch the edition?"); err != nil {
				return err
			}
			resp, err := client.Check(s.c.SwitchTenantEditionWithResponse(ctx, tenant, client.EditionSwitchPut{ApplicationID: app.ID, TargetEdition: args[1]}))
			if err != nil {
				return cliErr(err)
			}
			t := itemRows(resp.JSON200.Items, []client.Application{*app})
			t.value = resp.JSON200
			return s.print(t)
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "the tenant (default the login's tenant)")
	cmd.Flags().BoolVarP(&s.yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}
