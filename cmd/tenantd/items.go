package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd/client"
)

func (a *app) newItemsCmd() *cobra.Command {
	s := &session{a: a}
	cmd := &cobra.Command{
		Use:     "items",
		Aliases: []string{"item", "offering-items"},
		Short:   "List a tenant's offering items, turn them on or off and set their quotas",
		Example: `  tenantd items list --tenant CUSTOMER_ID --service backup
  tenantd items set pw_base_workstations --service backup --tenant CUSTOMER_ID --quota 10`,
	}
	s.addSessionFlags(cmd)
	cmd.AddCommand(s.itemsList(), s.itemsSet())
	return cmd
}

var itemHeader = []string{"SERVICE", "NAME", "EDITION", "STATUS", "QUOTA", "OVERAGE", "USAGE_NAME", "UNIT"}

func quotaText(p *int) string {
	if p == nil {
		return "unlimited"
	}
	return strconv.Itoa(*p)
}

// itemRows makes the table of offering items, naming their services by
// type.
func itemRows(items []client.OfferingItem, apps []client.Application) table {
	t := table{header: itemHeader, value: items}
	if items == nil {
		t.value = []client.OfferingItem{}
	}
	for _, it := range items {
		svc := it.ApplicationID
		if i := slices.IndexFunc(apps, func(a client.Application) bool { return a.ID == it.ApplicationID }); i >= 0 {
			svc = string(apps[i].Type)
		}
		status, quota, overage := "off", "-", "-"
		if it.Status == 1 {
			status = "on"
		}
		if it.Quota != nil {
			quota, overage = quotaText(it.Quota.Value), quotaText(it.Quota.Overage)
		}
		edition := "-"
		if it.Edition != nil {
			edition = *it.Edition
		}
		t.rows = append(t.rows, []string{svc, it.Name, edition, status, quota, overage, it.UsageName, string(it.MeasurementUnit)})
		t.ids = append(t.ids, it.Name)
	}
	return t
}

// offeringItems lists a tenant's items of every edition, of one service
// when app is not nil.
func (s *session) offeringItems(ctx context.Context, tenant string, app *client.Application, onOnly bool) ([]client.OfferingItem, error) {
	all := "*"
	params := &client.FetchTenantOfferingItemsParams{Edition: &all}
	if onOnly {
		on := client.FetchTenantOfferingItemsParamsStatus(1)
		params.Status = &on
	}
	resp, err := client.Check(s.c.FetchTenantOfferingItemsWithResponse(ctx, tenant, params))
	if err != nil {
		return nil, cliErr(err)
	}
	items := resp.JSON200.Items
	if app != nil {
		items = slices.DeleteFunc(items, func(it client.OfferingItem) bool { return it.ApplicationID != app.ID })
	}
	return items, nil
}

func (s *session) itemsList() *cobra.Command {
	var tenant, service string
	var on bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List a tenant's offering items, of every edition",
		Example: `  tenantd items list --tenant CUSTOMER_ID
  tenantd items list --tenant CUSTOMER_ID --service backup --on -q`,
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
			var app *client.Application
			if service != "" {
				if app, err = s.application(ctx, service); err != nil {
					return err
				}
			}
			items, err := s.offeringItems(ctx, s.tenantOrHome(tenant), app, on)
			if err != nil {
				return err
			}
			return s.print(itemRows(items, apps))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&tenant, "tenant", "", "the tenant (default the login's tenant)")
	fs.StringVar(&service, "service", "", "only the items of this service (id, type or name)")
	fs.BoolVar(&on, "on", false, "only the items that are on")
	return cmd
}

// parseQuota reads a quota flag: a number, or "unlimited".
func parseQuota(flag, v string) (*int, error) {
	if strings.EqualFold(v, "unlimited") {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return nil, &usageError{fmt.Errorf("--%s must be a number of 0 or more, or unlimited, not %q", flag, v)}
	}
	return &n, nil
}

func (s *session) itemsSet() *cobra.Command {
	var tenant, service, quota, overage string
	var off bool
	cmd := &cobra.Command{
		Use:   "set ITEM... --service SERVICE",
		Short: "Turn offering items on or off and set their quotas",
		Long: `Turn the named offering items of a service on (or off with --off) for a
tenant, and with --quota and --overage set their quotas (a number, or
unlimited). Only the named items change. A quota is changed at the version
the tenant has, so a change made by someone else meanwhile is refused (exit
code 4). The tenant's parent must have an item for the tenant to get it.`,
		Example: `  tenantd items set pw_base_workstations pw_base_servers --service backup --tenant CUSTOMER_ID
  tenantd items set pw_base_workstations --service backup --tenant CUSTOMER_ID --quota 10 --overage 2
  tenantd items set pw_base_servers --service backup --tenant CUSTOMER_ID --off`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if service == "" {
				return &usageError{errors.New("--service is required")}
			}
			fs := cmd.Flags()
			var q *client.Quota
			if fs.Changed("quota") || fs.Changed("overage") {
				q = &client.Quota{}
				var err error
				if fs.Changed("quota") {
					if q.Value, err = parseQuota("quota", quota); err != nil {
						return err
					}
				}
				if fs.Changed("overage") {
					if q.Overage, err = parseQuota("overage", overage); err != nil {
						return err
					}
				}
			}
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			app, err := s.application(ctx, service)
			if err != nil {
				return err
			}
			tenant = s.tenantOrHome(tenant)
			current, err := s.offeringItems(ctx, tenant, app, false)
			if err != nil {
				return err
			}
			status := client.OfferingItemPutStatus(1)
			if off {
				status = 0
			}
			body := client.TenantOfferingItemsPut{}
			for _, name := range args {
				put := client.OfferingItemPut{ApplicationID: app.ID, Name: name, Status: &status}
				if q != nil {
					iq := *q
					if i := slices.IndexFunc(current, func(it client.OfferingItem) bool { return it.Name == name }); i >= 0 && current[i].Quota != nil {
						iq.Version = current[i].Quota.Version
						if !fs.Changed("quota") {
							iq.Value = current[i].Quota.Value
						}
						if !fs.Changed("overage") {
							iq.Overage = current[i].Quota.Overage
						}
					}
					put.Quota = &iq
				}
				body.OfferingItems = append(body.OfferingItems, put)
			}
			resp, err := client.Check(s.c.SetTenantOfferingItemsWithResponse(ctx, tenant, body))
			if err != nil {
				return cliErr(err)
			}
			changed := slices.DeleteFunc(resp.JSON200.Items, func(it client.OfferingItem) bool {
				return it.ApplicationID != app.ID || !slices.Contains(args, it.Name)
			})
			return s.print(itemRows(changed, []client.Application{*app}))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&tenant, "tenant", "", "the tenant (default the login's tenant)")
	fs.StringVar(&service, "service", "", "the service of the items (id, type or name)")
	fs.BoolVar(&off, "off", false, "turn the items off")
	fs.StringVar(&quota, "quota", "", "the quota: a number, or unlimited")
	fs.StringVar(&overage, "overage", "", "the overage allowed above the quota: a number, or unlimited")
	return cmd
}
