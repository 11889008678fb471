package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd/client"
)

func (a *app) newUsageCmd() *cobra.Command {
	s := &session{a: a}
	cmd := &cobra.Command{
		Use:     "usage",
		Aliases: []string{"usages"},
		Short:   "Report and show the usage of a tenant's offering items",
		Example: `  tenantd usage report pw_base_workstations=7 --tenant CUSTOMER_ID
  tenantd usage show --tenant CUSTOMER_ID`,
	}
	s.addSessionFlags(cmd)
	cmd.AddCommand(s.usageReport(), s.usageShow())
	return cmd
}

func (s *session) usageReport() *cobra.Command {
	var tenant, resource, infra string
	cmd := &cobra.Command{
		Use:   "report ITEM=VALUE...",
		Short: "Report the current usage of offering items of a tenant",
		Long: `Report the usage of offering items of a tenant, each as ITEM=VALUE: the
item's name and its usage now (a count, or bytes). A usage near or past its
quota notifies the tenant's buyers. The result of each item is printed; when
any was refused the exit code is 1.`,
		Example: `  tenantd usage report pw_base_workstations=7 pw_base_servers=2 --tenant CUSTOMER_ID
  tenantd usage report pw_base_storage=1073741824 --tenant CUSTOMER_ID --resource-id vault-1`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := client.UsagePut{}
			for _, arg := range args {
				name, v, ok := strings.Cut(arg, "=")
				n, err := strconv.Atoi(v)
				if !ok || name == "" || err != nil || n < 0 {
					return &usageError{fmt.Errorf("%q: give ITEM=VALUE, the value a number of 0 or more", arg)}
				}
				it := client.UsagePut_Items{OfferingItem: &name, UsageValue: n}
				if resource != "" {
					it.ResourceID = &resource
				}
				if infra != "" {
					it.InfraID = &infra
				}
				body.Items = append(body.Items, it)
			}
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			tenant = s.tenantOrHome(tenant)
			for i := range body.Items {
				body.Items[i].TenantID = &tenant
			}
			resp, err := client.Check(s.c.UpdateTenantsUsagesWithResponse(ctx, body))
			if err != nil {
				return cliErr(err)
			}
			t := table{header: []string{"ITEM", "VALUE", "RESULT"}, value: resp.JSON200}
			failed := 0
			for i, it := range resp.JSON200.Items {
				name, result := deref(it.OfferingItem), "recorded"
				if e := it.Error; e != nil {
					failed++
					result = fmt.Sprintf("%s (%s)", strings.TrimSuffix(e.Error.Message, "."), e.Error.Code)
				} else {
					t.ids = append(t.ids, name)
				}
				value := ""
				if i < len(body.Items) {
					value = strconv.Itoa(body.Items[i].UsageValue)
				}
				t.rows = append(t.rows, []string{name, value, result})
			}
			if err := s.print(t); err != nil {
				return err
			}
			if failed > 0 {
				return fmt.Errorf("the usage of %s was not recorded", plural(failed, "item"))
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&tenant, "tenant", "", "the tenant (default the login's tenant)")
	fs.StringVar(&resource, "resource-id", "", "the resource the usage is of, for usage kept per resource")
	fs.StringVar(&infra, "infra", "", "the infrastructure the usage is on, for infra items")
	return cmd
}

func (s *session) usageShow() *cobra.Command {
	var tenant, usageNames, editions string
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show the usage of a tenant's offering items, with their quotas",
		Example: `  tenantd usage show --tenant CUSTOMER_ID
  tenantd usage show --tenant CUSTOMER_ID --usage-names workstations,servers --json`,
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
			params := &client.FetchTenantUsagesParams{}
			if usageNames != "" {
				params.UsageNames = &usageNames
			}
			if editions != "" {
				params.Editions = &editions
			}
			resp, err := client.Check(s.c.FetchTenantUsagesWithResponse(ctx, s.tenantOrHome(tenant), params))
			if err != nil {
				return cliErr(err)
			}
			t := table{header: []string{"SERVICE", "ITEM", "EDITION", "USAGE_NAME", "VALUE", "QUOTA", "UNIT"}, value: resp.JSON200.Items}
			if resp.JSON200.Items == nil {
				t.value = []client.UsageOutput{}
			}
			for _, u := range resp.JSON200.Items {
				svc := u.ApplicationID
				if i := slices.IndexFunc(apps, func(a client.Application) bool { return a.ID == u.ApplicationID }); i >= 0 {
					svc = string(apps[i].Type)
				}
				edition, quota := "-", "-"
				if u.Edition != nil {
					edition = *u.Edition
				}
				if o := u.OfferingItem; o != nil && o.Quota != nil {
					quota = quotaText(o.Quota.Value)
				}
				t.rows = append(t.rows, []string{svc, u.Name, edition, u.UsageName, strconv.Itoa(u.Value), quota, string(u.MeasurementUnit)})
				t.ids = append(t.ids, u.Name)
			}
			return s.print(t)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&tenant, "tenant", "", "the tenant (default the login's tenant)")
	fs.StringVar(&usageNames, "usage-names", "", "only these usage names (comma-separated)")
	fs.StringVar(&editions, "editions", "", "only the items of these editions (comma-separated)")
	return cmd
}
