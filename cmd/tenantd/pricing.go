package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd/client"
)

func (a *app) newPricingCmd() *cobra.Command {
	s := &session{a: a}
	cmd := &cobra.Command{
		Use:   "pricing",
		Short: "Show a tenant's pricing mode and switch it to production",
		Example: `  tenantd pricing get --tenant CUSTOMER_ID
  tenantd pricing production --tenant CUSTOMER_ID --currency EUR`,
	}
	s.addSessionFlags(cmd)
	cmd.AddCommand(s.pricingGet(), s.pricingProduction())
	return cmd
}

func (s *session) fetchPricing(ctx context.Context, tenant string) (*client.TenantPricingSettings, error) {
	resp, err := client.Check(s.c.FetchTenantPricingSettingsWithResponse(ctx, tenant))
	if err != nil {
		return nil, cliErr(err)
	}
	return resp.JSON200, nil
}

func (s *session) printPricing(tenant string, p *client.TenantPricingSettings) error {
	currency := "-"
	if p.Currency != nil {
		currency = string(*p.Currency)
	}
	row := []string{tenant, string(p.Mode), currency, stamp(p.ProductionStartDate), strconv.Itoa(p.Version)}
	return s.print(table{header: []string{"TENANT", "MODE", "CURRENCY", "PRODUCTION_START", "VERSION"}, rows: [][]string{row}, ids: []string{tenant}, value: p})
}

func (s *session) pricingGet() *cobra.Command {
	var tenant string
	cmd := &cobra.Command{
		Use:     "get",
		Short:   "Show a tenant's pricing mode and currency",
		Example: `  tenantd pricing get --tenant CUSTOMER_ID --json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			tenant = s.tenantOrHome(tenant)
			p, err := s.fetchPricing(ctx, tenant)
			if err != nil {
				return err
			}
			return s.printPricing(tenant, p)
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "the tenant (default the login's tenant)")
	return cmd
}

// conflictError is a change the state of the object does not allow.
type conflictError struct{ msg string }

func (e *conflictError) Error() string { return e.msg }
func (e *conflictError) ExitCode() int { return exitConflict }

func (s *session) pricingProduction() *cobra.Command {
	var tenant, currency string
	cmd := &cobra.Command{
		Use:   "production",
		Short: "Switch a tenant from trial to production mode (irreversible)",
		Long: `Switch a tenant from trial to production mode: its usage is billed from now
on. This is irreversible: a tenant in production mode never goes back to
trial. Confirmation is asked unless --yes.`,
		Example: `  tenantd pricing production --tenant CUSTOMER_ID
  tenantd pricing production --tenant CUSTOMER_ID --currency EUR --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if currency != "" && !client.Currency(currency).Valid() {
				return &usageError{fmt.Errorf("--currency must be one of AUD, BRL, CAD, EUR, CNY, GBP, JPY, KZT, NZD, RUB, USD, ZAR, not %q", currency)}
			}
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			tenant = s.tenantOrHome(tenant)
			t, err := s.fetchTenant(ctx, tenant, false)
			if err != nil {
				return err
			}
			p, err := s.fetchPricing(ctx, tenant)
			if err != nil {
				return err
			}
			if p.Mode == client.PricingModeProduction {
				return &conflictError{fmt.Sprintf("tenant %q is already in production mode", t.Name)}
			}
			fmt.Fprintf(s.a.stderr, "Switching %q (%s) from %s to production mode is irreversible: it can never go back to trial, and its usage is billed from now on.\n", t.Name, t.ID, p.Mode)
			if err := s.confirm("Switch to production?"); err != nil {
				return err
			}
			mode := client.TenantPricingSettingsPutModeProduction
			body := client.TenantPricingSettingsPut{Mode: &mode, Version: p.Version, Currency: p.Currency}
			if currency != "" {
				c := client.Currency(currency)
				body.Currency = &c
			}
			resp, err := client.Check(s.c.UpdateTenantPricingSettingsWithResponse(ctx, tenant, body))
			if err != nil {
				return cliErr(err)
			}
			return s.printPricing(tenant, resp.JSON200)
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "the tenant (default the login's tenant)")
	cmd.Flags().StringVar(&currency, "currency", "", "the tenant's currency (EUR, USD, ...)")
	cmd.Flags().BoolVarP(&s.yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}
